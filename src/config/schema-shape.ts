import type { ValidationIssue } from '../errors/index.js';
import { boundText } from '../text/index.js';
import { isJsonObject } from '../values/index.js';

/** Longest key quoted back in a key path; a pasted blob as a key must not become a megabyte path. */
const maxQuotedKeyChars = 64;

/** A value validated here because convict cannot take it whole, and where to put it back. */
export interface CarriedLeaf {
  readonly keys: readonly string[];
  readonly value: unknown;
}

/** The input convict may safely load, the shape problems found on the way, and the leaves carried around convict. */
export interface FittedInput {
  readonly value: Record<string, unknown>;
  readonly issues: ValidationIssue[];
  readonly carried: CarriedLeaf[];
}

/**
 * Fits `value` to the shape of a convict `schema` before convict sees it.
 *
 * Convict's `load` walks input and schema together and assumes they agree:
 * `null` where a group of keys belongs (`credentials:` left empty in YAML),
 * a map two levels deep under a single value, a string where the default
 * is a map (convict `JSON.parse`s it), or a key with a dot in it throw from
 * inside convict or make it report paths that do not exist. So, at every group of keys:
 * - `null` counts as an empty group (YAML's empty block), so its defaults
 *   apply and its required keys are reported as missing; the same for a
 *   single value whose default is a map or a list (`stateOverrides:`);
 * - anything else that is not a map is a problem naming the group and the
 *   type it got (never the value: the group may be `credentials`);
 * - undeclared keys are reported here and dropped, so convict never sees a
 *   key it would mangle (`a.b`, `__proto__`, `constructor`).
 * At every single value convict would mangle (a map, or a string it would
 * `JSON.parse` because the default is a map or a list), the value's own
 * format decides: accepted values (`stateOverrides`) are carried around
 * convict and put back by {@link restoreCarried}; refused ones are
 * problems, in the format's words (pass a schema whose secret keys have
 * quiet formats: see `hideSecretValues`).
 * Issues carry full key paths under `prefix`.
 */
export function fitToSchema(schema: object, value: unknown, prefix: string): FittedInput {
  const issues: ValidationIssue[] = [];
  const carried: CarriedLeaf[] = [];

  const fitGroup = (group: object, given: unknown, path: string, keys: readonly string[]): Record<string, unknown> | undefined => {
    if (given === null || given === undefined) return {};
    if (!isJsonObject(given)) {
      issues.push({ path: path || '(root)', message: `must be a map of keys (${Object.keys(group).join(', ')}), not ${typeName(given)}` });
      return undefined;
    }
    const fitted: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(given)) {
      const at = keyPath(path, key);
      const node = Object.hasOwn(group, key) ? (group as Record<string, unknown>)[key] : undefined;
      if (node === undefined) {
        issues.push({ path: at, message: 'unknown key (check its spelling and nesting)' });
        continue;
      }
      if (isGroup(node)) {
        const inner = fitGroup(node, child, at, [...keys, key]);
        if (inner !== undefined) define(fitted, key, inner);
        continue;
      }
      // An empty YAML value where a map or list belongs (`stateOverrides:`) is the same slip as an empty group.
      if (child === null && isCollection((node as LeafNode).default)) continue;
      if (!mangledByConvict(node as LeafNode, child)) {
        define(fitted, key, child);
        continue;
      }
      try {
        checkOutsideConvict(node as LeafNode, child);
        carried.push({ keys: [...keys, key], value: child });
      } catch (error) {
        issues.push({ path: at, message: (error as Error).message });
      }
    }
    return fitted;
  };

  return { value: fitGroup(schema, value, prefix, []) ?? {}, issues, carried };
}

/** Puts the leaves {@link fitToSchema} carried around convict back into convict's properties. */
export function restoreCarried<T>(properties: T, carried: readonly CarriedLeaf[]): T {
  for (const { keys, value } of carried) {
    let node = properties as Record<string, unknown>;
    for (const key of keys.slice(0, -1)) {
      const next = node[key];
      if (!isJsonObject(next)) break;
      node = next;
    }
    const last = keys[keys.length - 1];
    if (last !== undefined) define(node, last, value);
  }
  return properties;
}

/** A single value of a convict schema: its `format` is one of the kinds convict accepts. */
interface LeafNode {
  readonly format?: unknown;
  readonly default?: unknown;
}

/** The constructors convict accepts as `format` (or by name) and checks by type alone. */
type TypeFormat = (new () => unknown) & { readonly name: string };
const typeFormats: ReadonlyMap<unknown, TypeFormat> = new Map(
  ([Object, Array, String, Number, Boolean, RegExp] as TypeFormat[]).flatMap((type): Array<[unknown, TypeFormat]> => [
    [type, type],
    [type.name, type],
  ]),
);

/**
 * True when convict would mangle `value` on load: a map is walked as if it
 * were a group of keys (a TypeError two levels down), and a string is
 * coerced to the leaf's type, with `JSON.parse` or `new RegExp` (which throw)
 * where the type is an object (the leaf's default is a map or a list) or a
 * regular expression.
 */
function mangledByConvict(node: LeafNode, value: unknown): boolean {
  if (isJsonObject(value)) return true;
  if (typeof value !== 'string') return false;
  const { format } = node;
  const coercion = typeof format === 'string' ? format.toLowerCase() : (typeFormats.get(format)?.name.toLowerCase() ?? (node.default !== null && node.default !== undefined ? typeof node.default : undefined));
  return coercion === 'object' || coercion === 'regexp';
}

/** Throws, in a format's words, unless `value` is valid for `node`: its format function accepts it, or it has the type the format (or, without one, the default) names. */
function checkOutsideConvict(node: LeafNode, value: unknown): void {
  const { format } = node;
  if (typeof format === 'function' && !typeFormats.has(format)) {
    (format as (input: unknown) => void)(value);
    return;
  }
  const type = format === undefined ? Object.prototype.toString.call(node.default) : typeFormats.has(format) ? Object.prototype.toString.call(new (typeFormats.get(format) as TypeFormat)()) : undefined;
  if (type === undefined) throw new Error(`must be a single value, not ${typeName(value)}`);
  if (Object.prototype.toString.call(value) !== type) throw new Error(`must be of type ${type.slice(8, -1)}, not ${typeName(value)}`);
}

/** True when `path` is `shape` or lies under it: convict's complaints there repeat a shape problem already reported. */
export function isUnder(path: string, shape: string): boolean {
  return path === shape || path.startsWith(`${shape}.`) || path.startsWith(`${shape}[`);
}

/** A schema node that groups keys, as convict tells them apart: a non-empty map without `default`. */
function isGroup(node: unknown): node is object {
  return isJsonObject(node) && Object.keys(node).length > 0 && !('default' in node);
}

function isCollection(value: unknown): boolean {
  return value !== null && typeof value === 'object';
}

/** Own data property even for `__proto__`, which plain assignment would turn into a prototype. */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The key path of `key` under `path`: `cache.url`, or `cache["a.b"]` for a
 * key that would read as something else (dots, spaces, nothing at all),
 * quoted and cut to a readable length.
 */
export function keyPath(path: string, key: string): string {
  if (/^[A-Za-z0-9_$-]+$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(boundText(key, maxQuotedKeyChars))}]`;
}

/** The type of a value in words, without the value: the key may hold a secret. */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a map' : `a ${typeof value}`;
}
