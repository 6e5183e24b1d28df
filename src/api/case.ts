import type { ValidationIssue } from '../errors/index.js';
import { isJsonObject } from '../values/index.js';

/**
 * The one place where the API's snake_case fields and the configuration's
 * camelCase keys meet. Maps whose keys are data rather than field names
 * (raw platform states in `stateOverrides`) keep their keys as they are.
 */

/** Keys (camelCase) whose value is a map keyed by data. */
const dataKeyedMaps: ReadonlySet<string> = new Set(['stateOverrides']);

/**
 * snake_case as the API writes it. A word after `_` must start with a
 * letter, so every field converts to camelCase and back unchanged.
 */
const snakeCaseField = /^[a-z][a-z0-9]*(_[a-z][a-z0-9]*)*$/;

/** `managedByKey` → `managed_by_key`. */
export function camelToSnake(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** `managed_by_key` → `managedByKey`. */
export function snakeToCamel(key: string): string {
  return key.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

/** A config-shaped tree (camelCase keys) as the API shows it. */
export function toApiFields(tree: unknown): unknown {
  if (Array.isArray(tree)) return tree.map(toApiFields);
  if (!isJsonObject(tree)) return tree;
  return Object.fromEntries(Object.entries(tree).map(([key, value]) => [camelToSnake(key), dataKeyedMaps.has(key) ? value : toApiFields(value)]));
}

/**
 * An API body (snake_case fields) as configuration input. A field that is not
 * snake_case is reported (a camelCase `intervalSeconds` would otherwise pass
 * as if it were `interval_seconds`), with its path under `path`.
 */
export function fromApiFields(tree: unknown, path: string): { value: unknown; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const walk = (node: unknown, at: string): unknown => {
    if (Array.isArray(node)) return node.map((item, index) => walk(item, `${at}[${index}]`));
    if (!isJsonObject(node)) return node;
    return Object.fromEntries(
      Object.entries(node).map(([field, value]) => {
        const key = snakeToCamel(field);
        if (!snakeCaseField.test(field)) {
          const suggestion = camelToSnake(field);
          issues.push({ path: `${at}.${field}`, message: `unknown field (fields are snake_case${snakeCaseField.test(suggestion) ? `: ${suggestion}` : ''})` });
        }
        return [key, dataKeyedMaps.has(key) ? value : walk(value, `${at}.${field}`)];
      }),
    );
  };
  return { value: walk(tree, path), issues };
}

/** A key path of configuration validation (`body.selector.managedByKey`) in API terms (`body.selector.managed_by_key`). */
export function toApiPath(path: string): string {
  return path.split('.').map(camelToSnake).join('.');
}
