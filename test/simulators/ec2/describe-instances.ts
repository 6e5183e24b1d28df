// The DescribeInstances action: its Query parameters, their rules, and the paged answer.
import { Ec2Error } from './errors.js';
import { compileFilter, type FilterSpec } from './filters.js';
import type { Ec2Inventory } from './inventory.js';
import { digestQuery, type NextTokenCodec } from './next-token.js';
import { renderDescribeInstances } from './representation.js';
import type { DescribeFacts } from './describe-faults.js';

/**
 * Query parameter names of DescribeInstances as the SDKs serialize them (the EC2
 * protocol capitalizes each member's `locationName`): `Filter.N.Name`,
 * `Filter.N.Value.M`, `InstanceId.N`, `MaxResults`, `NextToken`, `DryRun`.
 */
export const DESCRIBE_INSTANCES_PARAMS = {
  filter: 'Filter',
  filterName: 'Name',
  filterValue: 'Value',
  instanceId: 'InstanceId',
  maxResults: 'MaxResults',
  nextToken: 'NextToken',
  dryRun: 'DryRun',
} as const;

/** `MaxResults` bounds: "This value can be between 5 and 1000" (EC2 API reference). */
export const MAX_RESULTS = { min: 5, max: 1000 } as const;

/** Filter values one call may carry, over all its filters; more answer `FilterLimitExceeded` (see `errors.ts`). */
export const MAX_FILTER_VALUES = 200;

/** Parameters every action takes; the router reads them. */
const COMMON_PARAMS: ReadonlySet<string> = new Set(['Action', 'Version']);

/** A parsed DescribeInstances request. */
export interface DescribeInstancesRequest {
  readonly filters: readonly FilterSpec[];
  readonly instanceIds: readonly string[];
  readonly maxResults?: number;
  readonly nextToken?: string;
  readonly dryRun: boolean;
}

function byIndex<Value>(entries: Map<number, Value>): Value[] {
  return [...entries].sort(([left], [right]) => left - right).map(([, value]) => value);
}

/** Reads the Query parameters, refusing unknown ones (`UnknownParameter`) as EC2 does. */
export function parseDescribeInstances(params: URLSearchParams): DescribeInstancesRequest {
  const names = new Map<number, string>();
  const values = new Map<number, Map<number, string>>();
  const instanceIds = new Map<number, string>();
  let maxResults: string | undefined;
  let nextToken: string | undefined;
  let dryRun = false;
  for (const [key, value] of params) {
    const filterName = /^Filter\.([1-9]\d*)\.Name$/.exec(key);
    const filterValue = /^Filter\.([1-9]\d*)\.Value\.([1-9]\d*)$/.exec(key);
    const instanceId = /^InstanceId\.([1-9]\d*)$/.exec(key);
    if (filterName !== null) {
      names.set(Number(filterName[1]), value);
    } else if (filterValue !== null) {
      const position = Number(filterValue[1]);
      const list = values.get(position) ?? new Map<number, string>();
      list.set(Number(filterValue[2]), value);
      values.set(position, list);
    } else if (instanceId !== null) {
      instanceIds.set(Number(instanceId[1]), value);
    } else if (key === DESCRIBE_INSTANCES_PARAMS.maxResults) {
      maxResults = value;
    } else if (key === DESCRIBE_INSTANCES_PARAMS.nextToken) {
      nextToken = value;
    } else if (key === DESCRIBE_INSTANCES_PARAMS.dryRun) {
      dryRun = value === 'true';
    } else if (!COMMON_PARAMS.has(key)) {
      throw new Ec2Error('UnknownParameter', `The parameter ${key} is not recognized`);
    }
  }
  for (const position of values.keys()) {
    if (!names.has(position)) {
      throw new Ec2Error('MissingParameter', `The request must contain the parameter Filter.${position}.Name`);
    }
  }
  const filters = [...names].sort(([left], [right]) => left - right).map(([position, name]) => {
    const filterValues = byIndex(values.get(position) ?? new Map<number, string>());
    if (filterValues.length === 0) {
      throw new Ec2Error('InvalidParameterValue', `The filter '${name}' has no values (Filter.${position}.Value.1 is required)`);
    }
    return { name, values: filterValues };
  });
  const valueCount = filters.reduce((total, filter) => total + filter.values.length, 0);
  if (valueCount > MAX_FILTER_VALUES) {
    throw new Ec2Error('FilterLimitExceeded');
  }
  const ids = byIndex(instanceIds);
  const parsed: DescribeInstancesRequest = { filters, instanceIds: ids, dryRun };
  if (maxResults !== undefined) {
    if (ids.length > 0) {
      throw new Ec2Error('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
    }
    const number = Number(maxResults);
    if (!/^-?\d+$/.test(maxResults) || number < MAX_RESULTS.min || number > MAX_RESULTS.max) {
      throw new Ec2Error('InvalidParameterValue', `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between ${MAX_RESULTS.min} and ${MAX_RESULTS.max}.`);
    }
    return { ...parsed, maxResults: number, ...(nextToken === undefined ? {} : { nextToken }) };
  }
  return nextToken === undefined ? parsed : { ...parsed, nextToken };
}

/** What the action needs from the simulator. */
export interface DescribeContext {
  readonly inventory: Ec2Inventory;
  readonly tokens: NextTokenCodec;
  readonly region: string;
  readonly requestId: string;
}

const INSTANCE_ID_PATTERN = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;

/** The answer's XML and what the fault layer matches on. */
export interface DescribeAnswer {
  readonly body: string;
  readonly facts: DescribeFacts;
}

/**
 * Answers DescribeInstances. Pages count instances (not reservations); the last
 * page carries no `nextToken`. Named instance ids that do not exist fail the whole
 * call with `InvalidInstanceID.NotFound`, as EC2 does; so do ids of instances not
 * visible yet (the inventory's visibility lag: "Eventual consistency in the Amazon
 * EC2 API", EC2 developer guide).
 */
export function describeInstances(request: DescribeInstancesRequest, context: DescribeContext): DescribeAnswer {
  const malformed = request.instanceIds.find((id) => !INSTANCE_ID_PATTERN.test(id));
  if (malformed !== undefined) {
    throw new Ec2Error('InvalidInstanceID.Malformed', `Invalid id: "${malformed}"`);
  }
  const missing = request.instanceIds.filter((id) => !context.inventory.isVisible(id));
  if (missing.length === 1) {
    throw new Ec2Error('InvalidInstanceID.NotFound', `The instance ID '${missing[0] ?? ''}' does not exist`);
  }
  if (missing.length > 1) {
    throw new Ec2Error('InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`);
  }
  const specs: FilterSpec[] = [...request.filters];
  if (request.instanceIds.length > 0) {
    specs.push({ name: 'instance-id', values: request.instanceIds });
  }
  const filters = specs.map(compileFilter);
  const cacheKey = JSON.stringify(specs.map((spec) => [spec.name, [...spec.values].sort()]));
  const queryDigest = digestQuery(cacheKey);
  const cursor = request.nextToken === undefined ? undefined : context.tokens.decode(request.nextToken, queryDigest);
  if (request.dryRun) {
    throw new Ec2Error('DryRunOperation');
  }
  const page = context.inventory.query({
    filters,
    cacheKey,
    ...(cursor === undefined ? {} : { afterSeq: cursor.afterSeq }),
    ...(request.maxResults === undefined ? {} : { limit: request.maxResults }),
  });
  const pageNumber = cursor?.page ?? 1;
  const nextToken = page.more && page.lastSeq !== undefined ? context.tokens.encode({ afterSeq: page.lastSeq, queryDigest, page: pageNumber + 1 }) : undefined;
  return {
    body: renderDescribeInstances(context.requestId, page.instances, nextToken, context.region),
    facts: { page: pageNumber, filterNames: specs.map((spec) => spec.name), instances: page.instances.length },
  };
}
