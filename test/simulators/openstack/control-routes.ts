import { controlError, emptyResponse, FaultSpecError, isJsonObject, parseFaultSpecs, jsonResponse, readJsonBody, type Route, type RouteHandler, type SimRequest } from '../common/index.js';
import type { OpenstackContext } from './context.js';
import { advanceLifecycle } from './lifecycle.js';
import type { ListingFault, ListingFaultAction } from './listing-faults.js';
import { isTaskState, isVmState, reportedStatus, type ServerRecord, type TaskState, type VmState } from './model.js';
import { parseQuirkSettings, QuirkSettingError } from './quirks.js';
import { InventoryError } from './servers.js';

/** A control request the simulator cannot act on: answered 400 with the reason. */
class BadControlRequest extends Error {}

/** Typed access to a JSON object body; each getter names the field it rejects. */
class BodyFields {
  constructor(private readonly fields: Record<string, unknown>) {}

  static of(request: SimRequest): BodyFields {
    const parsed = readJsonBody(request);
    if (!parsed.ok || !isJsonObject(parsed.value)) {
      throw new BadControlRequest('body must be a JSON object');
    }
    return new BodyFields(parsed.value);
  }

  has(key: string): boolean {
    return this.fields[key] !== undefined;
  }

  text(key: string): string | undefined {
    const value = this.fields[key];
    if (value !== undefined && typeof value !== 'string') {
      throw new BadControlRequest(`${key} must be a string`);
    }
    return value;
  }

  requiredText(key: string): string {
    const value = this.text(key);
    if (value === undefined || value === '') {
      throw new BadControlRequest(`${key} is required`);
    }
    return value;
  }

  whole(key: string, required: boolean): number | undefined {
    const value = this.fields[key];
    if (value === undefined && !required) {
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new BadControlRequest(`${key} must be a non-negative integer`);
    }
    return value;
  }

  texts(key: string): string[] | undefined {
    const value = this.fields[key];
    if (value === undefined) {
      return undefined;
    }
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      throw new BadControlRequest(`${key} must be an array of strings`);
    }
    return value as string[];
  }

  textMap(key: string): Record<string, string | null> | undefined {
    const value = this.fields[key];
    if (value === undefined) {
      return undefined;
    }
    if (!isJsonObject(value) || !Object.values(value).every((item) => typeof item === 'string' || item === null)) {
      throw new BadControlRequest(`${key} must be an object of strings (null removes a key)`);
    }
    return value as Record<string, string | null>;
  }

  vmState(): VmState | undefined {
    const value = this.text('vmState');
    if (value !== undefined && !isVmState(value)) {
      throw new BadControlRequest(`vmState "${value}" is not a Nova vm_state`);
    }
    return value;
  }

  /** `taskState`: a task, `null` to clear it, or absent to keep it. */
  taskState(): TaskState | null | undefined {
    const value = this.fields.taskState;
    if (value === null || value === undefined) {
      return value;
    }
    if (typeof value !== 'string' || !isTaskState(value)) {
      throw new BadControlRequest(`taskState "${String(value)}" is not a Nova task_state`);
    }
    return value;
  }

  raw(key: string): unknown {
    return this.fields[key];
  }

  /** `fault`: `{code, message, details?}`, `null` to clear it, or absent to keep it. */
  fault(): { code: number; message: string; details?: string } | null | undefined {
    const value = this.fields.fault;
    if (value === null || value === undefined) {
      return value;
    }
    if (!isJsonObject(value)) {
      throw new BadControlRequest('fault must be an object {code, message, details?} or null');
    }
    const fields = new BodyFields(value);
    const details = fields.text('details');
    return { code: fields.whole('code', true) ?? 500, message: fields.requiredText('message'), ...(details === undefined ? {} : { details }) };
  }

  /** `newerStatus`: a status this Nova cannot derive, `null` to clear it, or absent to keep it. */
  newerStatus(): string | null | undefined {
    const value = this.fields.newerStatus;
    return value === null ? null : this.text('newerStatus');
  }
}

/** The control view of a server: the record plus its derived status. */
function describe(server: ServerRecord): unknown {
  return { ...server, status: reportedStatus(server) };
}

/** A listing fault's action: `revokeToken`, or a kit fault validated by the kit (its trigger and scope are ignored). */
function listingAction(value: unknown): ListingFaultAction {
  if (isJsonObject(value) && value.kind === 'revokeToken') {
    return { kind: 'revokeToken' };
  }
  if (isJsonObject(value) && value.kind === 'proxyAnswer') {
    const fields = new BodyFields(value);
    return { kind: 'proxyAnswer', status: fields.whole('status', false) ?? 200, contentType: fields.requiredText('contentType'), body: fields.text('body') ?? '' };
  }
  const [spec] = parseFaultSpecs([value]);
  if (spec === undefined) {
    throw new BadControlRequest('action is required');
  }
  const { trigger: _trigger, scope: _scope, ...action } = spec;
  return action;
}

/** Answers refusals of the inputs and of the server store as control errors. */
function guarded(handler: RouteHandler): RouteHandler {
  return async (request) => {
    try {
      return await handler(request);
    } catch (error) {
      if (error instanceof BadControlRequest || error instanceof FaultSpecError || error instanceof QuirkSettingError || error instanceof RangeError) {
        return controlError(400, error.message);
      }
      if (error instanceof InventoryError) {
        return controlError(error.code === 'not_found' ? 404 : 400, error.message);
      }
      throw error;
    }
  };
}

/**
 * The OpenStack simulator's control routes under `/_sim/` (the kit adds stats, faults and
 * reset). Plain JSON in and out; errors are `{"error": "..."}`.
 */
export function openstackControlRoutes(context: OpenstackContext): Route[] {
  const { servers, tokens, listingFaults, quirks } = context;
  const serverId = (request: SimRequest): string => request.params.server ?? '';
  const existing = (request: SimRequest): ServerRecord => {
    const server = servers.get(serverId(request));
    if (server === undefined) {
      throw new InventoryError('not_found', `no server ${serverId(request)}`);
    }
    return server;
  };

  const routes: Route[] = [
    {
      method: 'POST',
      path: '/_sim/servers',
      handle: (request) => {
        const body = BodyFields.of(request);
        const metadata = body.textMap('metadata');
        const taskState = body.taskState();
        const server = servers.add({
          id: body.text('id'),
          name: body.requiredText('name'),
          vmState: body.vmState(),
          ...(taskState === undefined ? {} : { taskState }),
          powerState: body.whole('powerState', false),
          tags: body.texts('tags'),
          cell: body.text('cell'),
          fault: body.fault() ?? undefined,
          metadata: metadata === undefined ? undefined : (Object.fromEntries(Object.entries(metadata).filter(([, value]) => value !== null)) as Record<string, string>),
        });
        return jsonResponse(201, describe(server));
      },
    },
    { method: 'GET', path: '/_sim/servers/{server}', handle: (request) => jsonResponse(200, describe(existing(request))) },
    {
      method: 'DELETE',
      path: '/_sim/servers/{server}',
      handle: (request) => {
        if (request.url.searchParams.get('purge') === 'true') {
          return servers.purge(serverId(request)) ? emptyResponse(204) : controlError(404, `no server ${serverId(request)}`);
        }
        servers.markDeleted(serverId(request));
        return emptyResponse(204);
      },
    },
    {
      method: 'POST',
      path: '/_sim/servers/{server}/state',
      handle: (request) => {
        const body = BodyFields.of(request);
        const taskState = body.taskState();
        const newerStatus = body.newerStatus();
        const fault = body.fault();
        const change = {
          vmState: body.vmState(),
          powerState: body.whole('powerState', false),
          ...(taskState === undefined ? {} : { taskState }),
          ...(newerStatus === undefined ? {} : { newerStatus }),
          ...(fault === undefined ? {} : { fault }),
        };
        return jsonResponse(200, describe(servers.setState(serverId(request), change)));
      },
    },
    {
      method: 'PUT',
      path: '/_sim/servers/{server}/tags',
      handle: (request) => jsonResponse(200, describe(servers.setTags(serverId(request), BodyFields.of(request).texts('tags') ?? []))),
    },
    {
      method: 'POST',
      path: '/_sim/servers/{server}/metadata',
      handle: (request) => {
        const body = BodyFields.of(request);
        const replace = body.raw('replace');
        if (replace !== undefined && typeof replace !== 'boolean') {
          throw new BadControlRequest('replace must be a boolean');
        }
        return jsonResponse(200, describe(servers.setMetadata(serverId(request), body.textMap('metadata') ?? {}, replace === true)));
      },
    },
    { method: 'PUT', path: '/_sim/servers/{server}/cell', handle: (request) => jsonResponse(200, describe(servers.setCell(serverId(request), BodyFields.of(request).requiredText('cell')))) },
    { method: 'POST', path: '/_sim/servers/{server}/lifecycle', handle: (request) => jsonResponse(200, { step: advanceLifecycle(servers, serverId(request)), server: describe(existing(request)) }) },
    {
      method: 'POST',
      path: '/_sim/seed-dcm',
      handle: (request) => {
        const body = BodyFields.of(request);
        const instanceIdAs = body.text('instanceIdAs');
        if (instanceIdAs !== undefined && instanceIdAs !== 'metadata' && instanceIdAs !== 'tag' && instanceIdAs !== 'both') {
          throw new BadControlRequest('instanceIdAs must be metadata, tag or both');
        }
        const seeded = servers.seedDcmServers({
          count: body.whole('count', true) ?? 0,
          tagged: body.whole('tagged', true) ?? 0,
          managedByTag: body.text('managedByTag'),
          instanceIdKey: body.text('instanceIdKey'),
          instanceIdAs,
          namePrefix: body.text('namePrefix'),
          firstInstanceNumber: body.whole('firstInstanceNumber', false),
          vmState: body.vmState(),
        });
        return jsonResponse(201, { servers: seeded });
      },
    },
    { method: 'GET', path: '/_sim/tokens', handle: () => jsonResponse(200, tokens.counters()) },
    { method: 'POST', path: '/_sim/tokens/expire-all', handle: () => jsonResponse(200, { expired: tokens.expireAll() }) },
    { method: 'POST', path: '/_sim/tokens/revoke-all', handle: () => jsonResponse(200, { revoked: tokens.revokeAll() }) },
    { method: 'GET', path: '/_sim/quirks', handle: () => jsonResponse(200, quirks.settings()) },
    {
      method: 'POST',
      path: '/_sim/quirks',
      handle: (request) => {
        const parsed = readJsonBody(request);
        if (!parsed.ok) {
          throw new BadControlRequest('body must be a JSON object of quirk settings');
        }
        return jsonResponse(200, quirks.set(parseQuirkSettings(parsed.value)));
      },
    },
    {
      method: 'DELETE',
      path: '/_sim/quirks',
      handle: () => {
        quirks.reset();
        return jsonResponse(200, quirks.settings());
      },
    },
    { method: 'GET', path: '/_sim/retention', handle: () => jsonResponse(200, { deletedRetentionSeconds: context.retention.deletedSeconds ?? null }) },
    {
      method: 'POST',
      path: '/_sim/retention',
      handle: (request) => {
        // `null` keeps deleted records until they are purged by hand.
        const body = BodyFields.of(request);
        context.retention.deletedSeconds = body.raw('deletedRetentionSeconds') === null ? undefined : body.whole('deletedRetentionSeconds', true);
        return jsonResponse(200, { deletedRetentionSeconds: context.retention.deletedSeconds ?? null });
      },
    },
    { method: 'GET', path: '/_sim/listing-faults', handle: () => jsonResponse(200, { listingFaults: listingFaults.pending() }) },
    {
      method: 'POST',
      path: '/_sim/listing-faults',
      handle: (request) => {
        const body = BodyFields.of(request);
        const fault: ListingFault = { page: body.whole('page', true) ?? 0, action: listingAction(body.raw('action')) };
        listingFaults.arm(fault);
        return jsonResponse(201, { listingFaults: listingFaults.pending() });
      },
    },
    {
      method: 'DELETE',
      path: '/_sim/listing-faults',
      handle: () => {
        listingFaults.clear();
        return emptyResponse(204);
      },
    },
  ];
  return routes.map((route) => ({ ...route, handle: guarded(route.handle) }));
}
