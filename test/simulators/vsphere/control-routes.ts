import { controlError, emptyResponse, isJsonObject, jsonResponse, readJsonBody, type Route, type RouteHandler, type SimRequest, type SimResponse } from '../common/index.js';
import type { AccountView, VsphereQuirks } from './account-view.js';
import { InventoryError, type NewVm, type VsphereInventory } from './inventory.js';
import { MALFORMED_ANSWER_KINDS, type MalformedAnswerKind, type MalformedAnswers } from './malformed-answers.js';
import { isConnectionState, isPowerState, type PowerState, type TagReference } from './model.js';
import type { DcmMarking } from './inventory.js';
import type { VimSettings } from './vim/index.js';
import type { SessionStore } from './sessions.js';

/** Thrown by the body readers below; answered as a 400 of the control API. */
class ControlInputError extends Error {}

function objectBody(request: SimRequest): Record<string, unknown> {
  const parsed = readJsonBody(request);
  if (!parsed.ok || !isJsonObject(parsed.value)) {
    throw new ControlInputError('body must be a JSON object');
  }
  return parsed.value;
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value !== undefined && typeof value !== 'string') {
    throw new ControlInputError(`${key} must be a string`);
  }
  return value;
}

function requiredString(body: Record<string, unknown>, key: string): string {
  const value = optionalString(body, key);
  if (value === undefined || value === '') {
    throw new ControlInputError(`${key} is required`);
  }
  return value;
}

function optionalCount(body: Record<string, unknown>, key: string): number | undefined {
  const value = body[key];
  if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 0)) {
    throw new ControlInputError(`${key} must be a non-negative integer`);
  }
  return value;
}

function requiredCount(body: Record<string, unknown>, key: string): number {
  const value = optionalCount(body, key);
  if (value === undefined) {
    throw new ControlInputError(`${key} is required`);
  }
  return value;
}

function optionalPowerState(body: Record<string, unknown>, key: string): PowerState | undefined {
  const value = optionalString(body, key);
  if (value !== undefined && !isPowerState(value)) {
    throw new ControlInputError(`${key} must be POWERED_ON, POWERED_OFF or SUSPENDED`);
  }
  return value;
}

function tagReference(value: unknown, where: string): TagReference {
  if (!isJsonObject(value) || typeof value.category !== 'string' || typeof value.tag !== 'string') {
    throw new ControlInputError(`${where} must be {"category": string, "tag": string}`);
  }
  return { category: value.category, tag: value.tag };
}

function optionalTags(body: Record<string, unknown>): TagReference[] | undefined {
  const value = body.tags;
  if (value === undefined) {
    return undefined;
  }
  if (!Array.isArray(value)) {
    throw new ControlInputError('tags must be an array');
  }
  return value.map((entry, index) => tagReference(entry, `tags[${index}]`));
}

/** Turns input and inventory refusals into control-API errors. */
function control(handler: RouteHandler): RouteHandler {
  return async (request): Promise<SimResponse> => {
    try {
      return await handler(request);
    } catch (error) {
      if (error instanceof ControlInputError) {
        return controlError(400, error.message);
      }
      if (error instanceof InventoryError) {
        return controlError(error.code === 'not_found' ? 404 : 400, error.message);
      }
      throw error;
    }
  };
}

function requiredBoolean(body: Record<string, unknown>, key: string): boolean {
  const value = body[key];
  if (typeof value !== 'boolean') {
    throw new ControlInputError(`${key} must be true or false`);
  }
  return value;
}

function requiredStrings(body: Record<string, unknown>, key: string): string[] {
  const value = body[key];
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) {
    throw new ControlInputError(`${key} must be an array of strings`);
  }
  return value;
}

/** What the vSphere control routes drive. */
export interface VsphereControlTarget {
  readonly inventory: VsphereInventory;
  readonly sessions: SessionStore;
  readonly account: AccountView;
  readonly quirks: VsphereQuirks;
  readonly malformed: MalformedAnswers;
  readonly vimSettings: VimSettings;
}

const DCM_MARKINGS: readonly DcmMarking[] = ['tag', 'customAttribute', 'both'];

function optionalMarking(body: Record<string, unknown>): DcmMarking | undefined {
  const value = optionalString(body, 'via');
  if (value !== undefined && !(DCM_MARKINGS as readonly string[]).includes(value)) {
    throw new ControlInputError(`via must be one of ${DCM_MARKINGS.join(', ')}`);
  }
  return value as DcmMarking | undefined;
}

/**
 * The vSphere simulator's control routes under `/_sim/` (the kit adds stats, faults
 * and reset). Bodies and answers are plain JSON; errors are `{"error": "..."}`.
 */
export function vsphereControlRoutes({ inventory, sessions, account, quirks, malformed, vimSettings }: VsphereControlTarget): Route[] {
  const vmParam = (request: SimRequest): string => request.params.vm ?? '';
  const describeVm = (vmId: string): unknown => {
    const vm = inventory.getVm(vmId);
    if (vm === undefined) {
      throw new InventoryError('not_found', `no VM ${vmId}`);
    }
    const tags = [...inventory.tagsOnVm(vmId)].flatMap((tagId) => {
      const tag = inventory.getTag(tagId);
      const category = tag === undefined ? undefined : inventory.getCategory(tag.categoryId);
      return tag === undefined || category === undefined ? [] : [{ category: category.name, tag: tag.name, tagId }];
    });
    const fieldNames = new Map(inventory.customFields().map((field) => [field.key, field.name]));
    const customValues = Object.fromEntries([...vm.customValues].map(([key, value]) => [fieldNames.get(key) ?? String(key), value]));
    return { ...vm, customValues, tags };
  };

  const routes: Route[] = [
    { method: 'GET', path: '/_sim/vms/{vm}', handle: (request) => jsonResponse(200, describeVm(vmParam(request))) },
    {
      method: 'POST',
      path: '/_sim/vms',
      handle: (request) => {
        const body = objectBody(request);
        const input: NewVm = {
          id: optionalString(body, 'id'),
          name: requiredString(body, 'name'),
          powerState: optionalPowerState(body, 'powerState'),
          cpuCount: optionalCount(body, 'cpuCount'),
          memorySizeMiB: optionalCount(body, 'memorySizeMiB'),
          tags: optionalTags(body),
        };
        return jsonResponse(201, describeVm(inventory.addVm(input).id));
      },
    },
    {
      method: 'DELETE',
      path: '/_sim/vms/{vm}',
      handle: (request) => (inventory.removeVm(vmParam(request)) ? emptyResponse(204) : controlError(404, `no VM ${vmParam(request)}`)),
    },
    {
      method: 'POST',
      path: '/_sim/vms/{vm}/power',
      handle: (request) => {
        const state = optionalPowerState(objectBody(request), 'state');
        if (state === undefined) {
          throw new ControlInputError('state is required');
        }
        inventory.setPowerState(vmParam(request), state);
        return jsonResponse(200, describeVm(vmParam(request)));
      },
    },
    {
      method: 'POST',
      path: '/_sim/vms/{vm}/tags',
      handle: (request) => {
        inventory.tagVm(vmParam(request), tagReference(objectBody(request), 'body'));
        return jsonResponse(200, describeVm(vmParam(request)));
      },
    },
    {
      method: 'POST',
      path: '/_sim/vms/{vm}/tags/detach',
      handle: (request) => {
        inventory.untagVm(vmParam(request), tagReference(objectBody(request), 'body'));
        return jsonResponse(200, describeVm(vmParam(request)));
      },
    },
    {
      method: 'POST',
      path: '/_sim/vms/bulk',
      handle: (request) => {
        const body = objectBody(request);
        const vmIds = inventory.bulkCreateVms({
          count: requiredCount(body, 'count'),
          namePrefix: optionalString(body, 'namePrefix'),
          powerState: optionalPowerState(body, 'powerState'),
          tags: optionalTags(body),
        });
        return jsonResponse(201, { vmIds });
      },
    },
    {
      method: 'POST',
      path: '/_sim/seed-dcm',
      handle: (request) => {
        const body = objectBody(request);
        const vms = inventory.seedDcmVms({
          count: requiredCount(body, 'count'),
          tagged: requiredCount(body, 'tagged'),
          managedByCategory: optionalString(body, 'managedByCategory'),
          managedByTag: optionalString(body, 'managedByTag'),
          instanceIdCategory: optionalString(body, 'instanceIdCategory'),
          namePrefix: optionalString(body, 'namePrefix'),
          powerState: optionalPowerState(body, 'powerState'),
          via: optionalMarking(body),
        });
        return jsonResponse(201, { vms });
      },
    },
    {
      method: 'POST',
      path: '/_sim/categories',
      handle: (request) => {
        const body = objectBody(request);
        const cardinality = optionalString(body, 'cardinality');
        if (cardinality !== undefined && cardinality !== 'SINGLE' && cardinality !== 'MULTIPLE') {
          throw new ControlInputError('cardinality must be SINGLE or MULTIPLE');
        }
        return jsonResponse(201, inventory.createCategory({ name: requiredString(body, 'name'), description: optionalString(body, 'description'), cardinality }));
      },
    },
    {
      method: 'POST',
      path: '/_sim/tags',
      handle: (request) => {
        const body = objectBody(request);
        const categoryName = requiredString(body, 'category');
        const category = inventory.findCategoryByName(categoryName);
        if (category === undefined) {
          throw new InventoryError('not_found', `no category named ${categoryName}`);
        }
        return jsonResponse(201, inventory.createTag(category.id, requiredString(body, 'name'), optionalString(body, 'description')));
      },
    },
    {
      // The account loses (visible: false) or regains read access to VMs: a permission change.
      method: 'POST',
      path: '/_sim/visibility',
      handle: (request) => {
        const body = objectBody(request);
        const changed = account.setVisible(requiredStrings(body, 'vms'), requiredBoolean(body, 'visible'));
        return jsonResponse(200, { changed, hidden: account.hiddenVms() });
      },
    },
    { method: 'GET', path: '/_sim/visibility', handle: () => jsonResponse(200, { hidden: account.hiddenVms() }) },
    {
      method: 'POST',
      path: '/_sim/vms/{vm}/unregister',
      handle: (request) => {
        const record = inventory.unregisterVm(vmParam(request));
        return record === undefined ? controlError(404, `no VM ${vmParam(request)}`) : jsonResponse(200, record);
      },
    },
    { method: 'GET', path: '/_sim/unregistered', handle: () => jsonResponse(200, { vms: inventory.listUnregistered() }) },
    { method: 'POST', path: '/_sim/unregistered/{vm}/register', handle: (request) => jsonResponse(201, describeVm(inventory.registerVm(vmParam(request)).id)) },
    { method: 'GET', path: '/_sim/quirks', handle: () => jsonResponse(200, quirks) },
    {
      method: 'POST',
      path: '/_sim/quirks',
      handle: (request) => {
        const body = objectBody(request);
        for (const key of Object.keys(body)) {
          if (!(key in quirks)) {
            throw new ControlInputError(`unknown quirk ${key}; known: ${Object.keys(quirks).join(', ')}`);
          }
          quirks[key as keyof VsphereQuirks] = requiredBoolean(body, key);
        }
        return jsonResponse(200, quirks);
      },
    },
    { method: 'GET', path: '/_sim/malformed-answers', handle: () => jsonResponse(200, { armed: malformed.armed() }) },
    {
      method: 'POST',
      path: '/_sim/malformed-answers',
      handle: (request) => {
        const body = objectBody(request);
        const kind = requiredString(body, 'kind');
        if (!(MALFORMED_ANSWER_KINDS as readonly string[]).includes(kind)) {
          throw new ControlInputError(`kind must be one of ${MALFORMED_ANSWER_KINDS.join(', ')}`);
        }
        const field = optionalString(body, 'field');
        if (kind === 'dropField' && field === undefined) {
          throw new ControlInputError('field is required for dropField');
        }
        const skip = optionalCount(body, 'skip');
        malformed.arm({ route: requiredString(body, 'route'), kind: kind as MalformedAnswerKind, ...(field === undefined ? {} : { field }), ...(skip === undefined ? {} : { skip }) });
        return jsonResponse(201, { armed: malformed.armed() });
      },
    },
    {
      method: 'DELETE',
      path: '/_sim/malformed-answers',
      handle: () => {
        malformed.clear();
        return emptyResponse(204);
      },
    },
    { method: 'GET', path: '/_sim/fields', handle: () => jsonResponse(200, { fields: inventory.customFields() }) },
    {
      // A custom attribute definition (CustomFieldsManager.AddCustomFieldDef); idempotent by name.
      method: 'POST',
      path: '/_sim/fields',
      handle: (request) => {
        const body = objectBody(request);
        const key = inventory.defineCustomField(requiredString(body, 'name'), optionalString(body, 'managedObjectType'));
        return jsonResponse(201, inventory.customFields().find((field) => field.key === key));
      },
    },
    {
      // A VM's custom attribute value (CustomFieldsManager.SetField); "" removes it.
      method: 'POST',
      path: '/_sim/vms/{vm}/fields',
      handle: (request) => {
        const body = objectBody(request);
        const value = optionalString(body, 'value');
        if (value === undefined) {
          throw new ControlInputError('value is required ("" removes the value)');
        }
        inventory.setCustomValue(vmParam(request), requiredString(body, 'name'), value);
        return jsonResponse(200, describeVm(vmParam(request)));
      },
    },
    {
      method: 'POST',
      path: '/_sim/vms/{vm}/connection',
      handle: (request) => {
        const state = requiredString(objectBody(request), 'state');
        if (!isConnectionState(state)) {
          throw new ControlInputError('state must be connected, disconnected, orphaned, inaccessible or invalid');
        }
        inventory.setConnectionState(vmParam(request), state);
        return jsonResponse(200, describeVm(vmParam(request)));
      },
    },
    { method: 'GET', path: '/_sim/vim', handle: () => jsonResponse(200, vimSettings) },
    {
      method: 'POST',
      path: '/_sim/vim',
      handle: (request) => {
        const body = objectBody(request);
        const consistency = optionalString(body, 'pagingConsistency');
        if (consistency !== undefined) {
          if (consistency !== 'snapshot' && consistency !== 'live') {
            throw new ControlInputError('pagingConsistency must be snapshot or live');
          }
          vimSettings.pagingConsistency = consistency;
        }
        const policy = body['maxObjectUpdatesPolicy'];
        if (policy !== undefined) {
          if (typeof policy !== 'number' || !Number.isInteger(policy) || policy <= 0) {
            throw new ControlInputError('maxObjectUpdatesPolicy must be a positive integer');
          }
          vimSettings.maxObjectUpdatesPolicy = policy;
        }
        return jsonResponse(200, vimSettings);
      },
    },
    { method: 'GET', path: '/_sim/sessions', handle: () => jsonResponse(200, sessions.counters()) },
    { method: 'POST', path: '/_sim/sessions/expire-all', handle: () => jsonResponse(200, { expired: sessions.expireAll() }) },
  ];
  return routes.map((route) => ({ ...route, handle: control(route.handle) }));
}
