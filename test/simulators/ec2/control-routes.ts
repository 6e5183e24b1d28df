// Control API of the EC2 simulator under /_sim/ (JSON), beside the kit's stats/faults/reset routes.
import { controlError, emptyResponse, isJsonObject, jsonResponse, readJsonBody, type Route, type RouteHandler, type SimRequest, type SimResponse } from '../common/index.js';
import { DESCRIBE_FAULT_ANSWERS, isDescribeFaultAnswer, type DescribeFault } from './describe-faults.js';
import type { Ec2ApiState } from './ec2-routes.js';
import { InventoryError, type Ec2Inventory, type NewInstance, type SeedDcmOptions, type StateReasonInput, type TagInput } from './inventory.js';
import { INSTANCE_STATE_CODES, INSTANCE_STATE_NAMES, isInstanceStateName, type InstanceRecord, type InstanceStateName } from './model.js';

/** A body field that is wrong; answered as a 400. */
class BodyError extends Error {}

/** Reads typed fields from a JSON object body, naming the field that is wrong. */
interface BodyReader {
  string(key: string): string | undefined;
  count(key: string): number | undefined;
  state(key: string): InstanceStateName | undefined;
  tags(key: string): TagInput | undefined;
  reason(key: string): StateReasonInput | undefined;
  stringList(key: string): string[] | undefined;
  boolean(key: string): boolean | undefined;
  seconds(key: string): number | undefined;
  describeFaults(key: string): DescribeFault[] | undefined;
}

/** One `{answer, page?, withFilter?, times?}` of a describe-faults body, or a 400 naming the field. */
function describeFaultOf(value: unknown, at: string): DescribeFault {
  if (!isJsonObject(value)) {
    throw new BodyError(`${at} must be an object {answer, page?, withFilter?, times?}`);
  }
  const { answer, page, withFilter, times, ...rest } = value;
  const unknownKeys = Object.keys(rest);
  if (unknownKeys.length > 0) {
    throw new BodyError(`${at} has unknown keys: ${unknownKeys.join(', ')}`);
  }
  if (!isDescribeFaultAnswer(answer)) {
    throw new BodyError(`${at}.answer must be one of ${DESCRIBE_FAULT_ANSWERS.join(', ')}`);
  }
  const positive = (field: unknown, name: string): number | undefined => {
    if (field === undefined) {
      return undefined;
    }
    if (typeof field !== 'number' || !Number.isInteger(field) || field < 1) {
      throw new BodyError(`${at}.${name} must be a positive integer`);
    }
    return field;
  };
  if (withFilter !== undefined && typeof withFilter !== 'string') {
    throw new BodyError(`${at}.withFilter must be a filter name`);
  }
  const pageNumber = positive(page, 'page');
  const count = positive(times, 'times');
  return { answer, ...(pageNumber === undefined ? {} : { page: pageNumber }), ...(withFilter === undefined ? {} : { withFilter }), ...(count === undefined ? {} : { times: count }) };
}

function bodyReader(request: SimRequest, { optional = false } = {}): BodyReader {
  const parsed = readJsonBody(request);
  if (!parsed.ok || (parsed.value !== undefined && !isJsonObject(parsed.value)) || (parsed.value === undefined && !optional)) {
    throw new BodyError('body must be a JSON object');
  }
  const body: Record<string, unknown> = isJsonObject(parsed.value) ? parsed.value : {};
  const typed = <Value>(key: string, check: (value: unknown) => value is Value, rule: string): Value | undefined => {
    const value = body[key];
    if (value === undefined) {
      return undefined;
    }
    if (!check(value)) {
      throw new BodyError(`${key} must be ${rule}`);
    }
    return value;
  };
  const isString = (value: unknown): value is string => typeof value === 'string';
  const isStringRecord = (value: unknown): value is Record<string, string> => isJsonObject(value) && Object.values(value).every(isString);
  return {
    string: (key) => typed(key, isString, 'a string'),
    count: (key) => typed(key, (value): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0, 'a non-negative integer'),
    state: (key) => typed(key, isInstanceStateName, `one of ${INSTANCE_STATE_NAMES.join(', ')}`),
    tags: (key) => typed(key, isStringRecord, 'an object of string tag values, e.g. {"managed-by": "dcm"}'),
    reason: (key) =>
      typed(
        key,
        (value): value is StateReasonInput => value === null || isString(value) || (isJsonObject(value) && isString(value.code) && isString(value.message)),
        'a reason name, {"code", "message"} or null',
      ),
    stringList: (key) => typed(key, (value): value is string[] => Array.isArray(value) && value.every(isString), 'an array of strings'),
    boolean: (key) => typed(key, (value): value is boolean => typeof value === 'boolean', 'true or false'),
    seconds: (key) => typed(key, (value): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0, 'a non-negative number of seconds'),
    describeFaults: (key) => {
      const value = body[key];
      if (value === undefined) {
        return undefined;
      }
      if (!Array.isArray(value)) {
        throw new BodyError(`${key} must be an array of {answer, page?, withFilter?, times?}`);
      }
      return value.map((entry, index) => describeFaultOf(entry, `${key}[${index}]`));
    },
  };
}

/** The value of a required field, or a 400 naming it. */
function required<Value>(value: Value | undefined, key: string): Value {
  if (value === undefined) {
    throw new BodyError(`${key} is required`);
  }
  return value;
}

const INVENTORY_STATUS: Readonly<Record<InventoryError['code'], number>> = { not_found: 404, invalid_argument: 400, conflict: 409 };

/** Turns body and inventory refusals into control-API errors. */
function control(handler: RouteHandler): RouteHandler {
  return async (request): Promise<SimResponse> => {
    try {
      return await handler(request);
    } catch (error) {
      if (error instanceof BodyError) {
        return controlError(400, error.message);
      }
      if (error instanceof InventoryError) {
        return controlError(INVENTORY_STATUS[error.code], error.message);
      }
      throw error;
    }
  };
}

/** The JSON view of an instance in control answers. */
export function instanceSummary(record: InstanceRecord): Record<string, unknown> {
  return {
    instanceId: record.instanceId,
    reservationId: record.reservationId,
    state: record.state,
    stateCode: INSTANCE_STATE_CODES[record.state],
    stateReason: record.stateReason ?? null,
    tags: Object.fromEntries(record.tags.map((tag) => [tag.key, tag.value])),
    launchTime: record.launchTime.toISOString(),
    terminatedAt: record.terminatedAt === undefined ? null : new Date(record.terminatedAt).toISOString(),
  };
}

function instanceId(request: SimRequest): string {
  return request.params.instanceId ?? '';
}

/** What the control routes act on. */
export interface Ec2ControlTarget {
  readonly inventory: Ec2Inventory;
  readonly state: Ec2ApiState;
}

/**
 * The EC2 simulator's control routes:
 * `GET|POST /_sim/instances`, `GET|DELETE /_sim/instances/{instanceId}`,
 * `POST /_sim/instances/{instanceId}/state` `{state, reason?}`,
 * `POST /_sim/instances/{instanceId}/lifecycle` (one step),
 * `POST /_sim/instances/{instanceId}/tags` `{tags}`, `POST /_sim/instances/{instanceId}/tags/delete` `{keys}`,
 * `POST /_sim/seed-dcm` `{count, tagged, managedByKey?, managedByValue?, instanceIdKey?, state?}`,
 * `GET|POST /_sim/auth-failure` `{enabled}`,
 * `GET|POST /_sim/visibility-lag` `{seconds}` (eventual consistency of new instances),
 * `GET|POST|DELETE /_sim/describe-faults` `{faults: [{answer, page?, withFilter?, times?}]}` (POST adds).
 */
export function ec2ControlRoutes(target: Ec2ControlTarget): Route[] {
  const { inventory } = target;
  return [
    { method: 'GET', path: '/_sim/instances', handle: () => jsonResponse(200, { instances: inventory.list().map(instanceSummary) }) },
    {
      method: 'POST',
      path: '/_sim/instances',
      handle: control((request) => {
        const body = bodyReader(request, { optional: true });
        const input: NewInstance = {
          ...optionalField('instanceId', body.string('instanceId')),
          ...optionalField('reservationId', body.string('reservationId')),
          ...optionalField('instanceType', body.string('instanceType')),
          ...optionalField('state', body.state('state')),
          ...optionalField('stateReason', body.reason('reason')),
          ...optionalField('tags', body.tags('tags')),
        };
        return jsonResponse(201, instanceSummary(inventory.addInstance(input)));
      }),
    },
    {
      method: 'GET',
      path: '/_sim/instances/{instanceId}',
      handle: (request) => {
        const record = inventory.getInstance(instanceId(request));
        return record === undefined ? controlError(404, `instance ${instanceId(request)} does not exist`) : jsonResponse(200, instanceSummary(record));
      },
    },
    {
      method: 'DELETE',
      path: '/_sim/instances/{instanceId}',
      handle: (request) => (inventory.removeInstance(instanceId(request)) ? emptyResponse(204) : controlError(404, `instance ${instanceId(request)} does not exist`)),
    },
    {
      method: 'POST',
      path: '/_sim/instances/{instanceId}/state',
      handle: control((request) => {
        const body = bodyReader(request);
        const state = required(body.state('state'), 'state');
        const reason = body.reason('reason');
        return jsonResponse(200, instanceSummary(inventory.setState(instanceId(request), state, reason === undefined ? {} : { reason })));
      }),
    },
    {
      method: 'POST',
      path: '/_sim/instances/{instanceId}/lifecycle',
      handle: control((request) => jsonResponse(200, instanceSummary(inventory.stepLifecycle(instanceId(request))))),
    },
    {
      method: 'POST',
      path: '/_sim/instances/{instanceId}/tags',
      handle: control((request) => {
        const tags = required(bodyReader(request).tags('tags'), 'tags');
        return jsonResponse(200, instanceSummary(inventory.setTags(instanceId(request), tags)));
      }),
    },
    {
      method: 'POST',
      path: '/_sim/instances/{instanceId}/tags/delete',
      handle: control((request) => jsonResponse(200, instanceSummary(inventory.removeTags(instanceId(request), bodyReader(request).stringList('keys') ?? [])))),
    },
    {
      method: 'POST',
      path: '/_sim/seed-dcm',
      handle: control((request) => {
        const body = bodyReader(request);
        const count = required(body.count('count'), 'count');
        const options: SeedDcmOptions = {
          count,
          tagged: body.count('tagged') ?? count,
          ...optionalField('managedByKey', body.string('managedByKey')),
          ...optionalField('managedByValue', body.string('managedByValue')),
          ...optionalField('instanceIdKey', body.string('instanceIdKey')),
          ...optionalField('state', body.state('state')),
        };
        return jsonResponse(201, { instances: inventory.seedDcmInstances(options) });
      }),
    },
    { method: 'GET', path: '/_sim/auth-failure', handle: () => jsonResponse(200, { enabled: target.state.forceAuthFailure }) },
    {
      method: 'POST',
      path: '/_sim/auth-failure',
      handle: control((request) => {
        const enabled = required(bodyReader(request).boolean('enabled'), 'enabled');
        target.state.forceAuthFailure = enabled;
        return jsonResponse(200, { enabled });
      }),
    },
    { method: 'GET', path: '/_sim/visibility-lag', handle: () => jsonResponse(200, { seconds: inventory.visibilityLagSeconds() }) },
    {
      method: 'POST',
      path: '/_sim/visibility-lag',
      handle: control((request) => {
        inventory.setVisibilityLag(required(bodyReader(request).seconds('seconds'), 'seconds'));
        return jsonResponse(200, { seconds: inventory.visibilityLagSeconds() });
      }),
    },
    { method: 'GET', path: '/_sim/describe-faults', handle: () => jsonResponse(200, { faults: target.state.describeFaults.armed() }) },
    {
      method: 'POST',
      path: '/_sim/describe-faults',
      handle: control((request) => {
        target.state.describeFaults.add(required(bodyReader(request).describeFaults('faults'), 'faults'));
        return jsonResponse(200, { faults: target.state.describeFaults.armed() });
      }),
    },
    {
      method: 'DELETE',
      path: '/_sim/describe-faults',
      handle: () => {
        target.state.describeFaults.clear();
        return emptyResponse(204);
      },
    },
  ];
}

/** `{ key: value }` when the value is set, else `{}`: keeps `exactOptionalPropertyTypes`-style objects clean. */
function optionalField<Key extends string, Value>(key: Key, value: Value | undefined): { [K in Key]?: Value } {
  return (value === undefined ? {} : { [key]: value }) as { [K in Key]?: Value };
}
