// DescribeInstances filters: `Filter.N.Name` / `Filter.N.Value.M` compiled to predicates that
// can also name a candidate set from the inventory's indexes, so a query never scans more
// than its most selective indexed filter needs.
import { Ec2Error } from './errors.js';
import { INSTANCE_STATE_CODES, INSTANCE_STATE_NAMES, type InstanceRecord, type InstanceStateName } from './model.js';

/** The inventory's indexes, as filters see them. */
export interface InstanceIndex {
  withTag(key: string, value: string): ReadonlySet<string>;
  withTagKey(key: string): ReadonlySet<string>;
  /** Distinct values of one tag key. */
  tagValues(key: string): Iterable<string>;
  /** Distinct tag keys. */
  tagKeys(): Iterable<string>;
  inState(state: InstanceStateName): ReadonlySet<string>;
}

/** A filter ready to run: values OR-ed; a request's filters are AND-ed. */
export interface InstanceFilter {
  readonly name: string;
  readonly values: readonly string[];
  /** The ids that can match, from an index; undefined when the filter has no index (it is then only a predicate). */
  candidates(index: InstanceIndex): ReadonlySet<string> | undefined;
  matches(record: InstanceRecord): boolean;
}

/** One filter value: exact text, or a pattern with EC2's `*` (zero or more) and `?` (zero or one) wildcards; `\` escapes them. */
interface ValueMatcher {
  readonly exact?: string;
  test(text: string): boolean;
}

function compileValue(value: string): ValueMatcher {
  if (!/(?<!\\)[*?]/.test(value)) {
    const exact = value.replace(/\\([*?\\])/g, '$1');
    return { exact, test: (text) => text === exact };
  }
  let source = '';
  for (let index = 0; index < value.length; index += 1) {
    const character = value[index] ?? '';
    if (character === '\\' && index + 1 < value.length) {
      index += 1;
      source += (value[index] ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (character === '*') {
      source += '.*';
    } else if (character === '?') {
      source += '.?';
    } else {
      source += character.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  const pattern = new RegExp(`^${source}$`, 's');
  return { test: (text) => pattern.test(text) };
}

function anyMatches(matchers: readonly ValueMatcher[], text: string): boolean {
  return matchers.some((matcher) => matcher.test(text));
}

/** Unions sets; returns the only set itself when there is one, to avoid a copy on the common path. */
function union(sets: readonly ReadonlySet<string>[]): ReadonlySet<string> {
  if (sets.length === 1 && sets[0] !== undefined) {
    return sets[0];
  }
  const merged = new Set<string>();
  for (const set of sets) {
    for (const id of set) {
      merged.add(id);
    }
  }
  return merged;
}

/** Sets of index entries whose name matches the values: a lookup for exact values, a scan of the (few) names for wildcards. */
function indexedUnion(matchers: readonly ValueMatcher[], names: () => Iterable<string>, lookup: (name: string) => ReadonlySet<string>): ReadonlySet<string> {
  const sets: ReadonlySet<string>[] = [];
  const patterns = matchers.filter((matcher) => matcher.exact === undefined);
  for (const matcher of matchers) {
    if (matcher.exact !== undefined) {
      sets.push(lookup(matcher.exact));
    }
  }
  if (patterns.length > 0) {
    for (const name of names()) {
      if (anyMatches(patterns, name)) {
        sets.push(lookup(name));
      }
    }
  }
  return union(sets);
}

type FilterFactory = (name: string, values: readonly string[], matchers: readonly ValueMatcher[]) => InstanceFilter;

/** The filters the simulator supports, by name (`tag:<key>` is handled apart). Data, so adding one is one entry. */
const FILTERS: Readonly<Record<string, FilterFactory>> = {
  'tag-key': (name, values, matchers) => ({
    name,
    values,
    candidates: (index) => indexedUnion(matchers, () => index.tagKeys(), (key) => index.withTagKey(key)),
    matches: (record) => record.tags.some((tag) => anyMatches(matchers, tag.key)),
  }),
  'tag-value': (name, values, matchers) => ({
    name,
    values,
    candidates: () => undefined,
    matches: (record) => record.tags.some((tag) => anyMatches(matchers, tag.value)),
  }),
  'instance-state-name': (name, values, matchers) => ({
    name,
    values,
    candidates: (index) => indexedUnion(matchers, () => INSTANCE_STATE_NAMES, (state) => index.inState(state as InstanceStateName)),
    matches: (record) => anyMatches(matchers, record.state),
  }),
  'instance-state-code': (name, values, matchers) => ({
    name,
    values,
    candidates: () => undefined,
    matches: (record) => anyMatches(matchers, String(INSTANCE_STATE_CODES[record.state])),
  }),
  'instance-id': (name, values, matchers) => ({
    name,
    values,
    candidates: () => (matchers.every((matcher) => matcher.exact !== undefined) ? new Set(matchers.map((matcher) => matcher.exact ?? '')) : undefined),
    matches: (record) => anyMatches(matchers, record.instanceId),
  }),
  'reservation-id': (name, values, matchers) => ({
    name,
    values,
    candidates: () => undefined,
    matches: (record) => anyMatches(matchers, record.reservationId),
  }),
};

/** Filter names the simulator understands, for error messages and docs. */
export const SUPPORTED_FILTERS: readonly string[] = ['tag:<key>', ...Object.keys(FILTERS)];

function tagFilter(name: string, values: readonly string[], matchers: readonly ValueMatcher[]): InstanceFilter {
  const key = name.slice('tag:'.length);
  return {
    name,
    values,
    candidates: (index) => indexedUnion(matchers, () => index.tagValues(key), (value) => index.withTag(key, value)),
    matches: (record) => record.tags.some((tag) => tag.key === key && anyMatches(matchers, tag.value)),
  };
}

/** A filter as the request spelled it. */
export interface FilterSpec {
  readonly name: string;
  readonly values: readonly string[];
}

/**
 * Compiles one filter, throwing `InvalidParameterValue` for a name the simulator
 * does not know (EC2 answers "The filter '…' is invalid" for unknown names; the
 * simulator also names what it supports, since it knows far fewer filters than EC2).
 */
export function compileFilter(spec: FilterSpec): InstanceFilter {
  const matchers = spec.values.map(compileValue);
  if (spec.name.startsWith('tag:') && spec.name.length > 'tag:'.length) {
    return tagFilter(spec.name, spec.values, matchers);
  }
  const factory = FILTERS[spec.name];
  if (factory === undefined) {
    throw new Ec2Error('InvalidParameterValue', `The filter '${spec.name}' is invalid (the EC2 simulator supports ${SUPPORTED_FILTERS.join(', ')})`);
  }
  return factory(spec.name, spec.values, matchers);
}
