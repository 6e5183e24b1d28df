import convict, { type Schema } from 'convict';
import type { ValidationIssue } from '../errors/index.js';
import { fitToSchema, isUnder, restoreCarried } from './schema-shape.js';
import { describeKind } from './formats.js';
import { hideSecretValues, isSecretKey, secretKeyPattern } from './secret-values.js';

export { secretKeyPattern };

/**
 * Loads `value` into a fresh convict instance of `schema` and validates it
 * strictly (unknown keys are errors). Convict reports all violations in one
 * message; this splits it into {@link ValidationIssue}s with full key paths
 * (prefixed with `pathPrefix`) and never quotes the value of a secret key
 * (a password, token, URL or credentials key: see `hideSecretValues`).
 *
 * Environment variables declared in `schema` are read from `env`, not from
 * `process.env`, so callers decide what the environment is.
 */
export function validateWithConvict<T>(
  givenSchema: Schema<T>,
  value: unknown,
  options: { pathPrefix?: string; env?: Record<string, string | undefined> } = {},
): { properties: T; issues: ValidationIssue[] } {
  const schema = hideSecretValues(givenSchema, options.pathPrefix ?? '');
  // Convict throws on input that does not fit the schema's shape; it only ever sees input that does. The
  // formats fitToSchema calls itself are the quiet ones of `schema`, so secret keys stay unquoted there too.
  const fitted = fitToSchema(schema, value, options.pathPrefix ?? '');
  const issues: ValidationIssue[] = [...fitted.issues, ...strictTypeIssues(schema, fitted.value, options.pathPrefix ?? '')];
  const config = convict(schema, { env: options.env ?? {}, args: [] });
  config.load(fitted.value);
  try {
    config.validate({ allowed: 'strict' });
  } catch (error) {
    for (const line of (error as Error).message.split('\n')) {
      if (line.trim() === '') continue;
      const issue = parseConvictLine(line, options.pathPrefix ?? '');
      if (!issues.some((known) => isUnder(issue.path, known.path))) issues.push(issue);
    }
  }
  return { properties: restoreCarried(config.getProperties(), fitted.carried), issues };
}

/**
 * Convict turns strings into the type of a leaf's default before validating
 * (and any string but "false" into true). A config file that says
 * `insecureSkipVerify: "no"` must be an error, not `true`, so strings where a
 * boolean or number belongs are reported here, before convict sees them.
 */
function strictTypeIssues(schema: unknown, value: unknown, prefix: string): ValidationIssue[] {
  if (schema === null || typeof schema !== 'object' || value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const issues: ValidationIssue[] = [];
  for (const [key, node] of Object.entries(schema)) {
    const given = (value as Record<string, unknown>)[key];
    if (given === undefined) continue;
    const path = join(prefix, key);
    if (node !== null && typeof node === 'object' && 'default' in node) {
      const expected = typeof (node as { default: unknown }).default;
      const got = isSecretKey(path, node) ? describeKind(given) : JSON.stringify(given);
      if (expected === 'boolean' && typeof given !== 'boolean') issues.push({ path, message: `must be true or false, not ${got}` });
      if (expected === 'number' && typeof given !== 'number') issues.push({ path, message: `must be a number, not ${got}` });
    } else {
      issues.push(...strictTypeIssues(node, given, path));
    }
  }
  return issues;
}

function join(prefix: string, path: string): string {
  return prefix ? `${prefix}.${path}` : path;
}

function parseConvictLine(line: string, prefix: string): ValidationIssue {
  const undeclared = /^configuration param '(.+)' not declared in the schema$/.exec(line);
  if (undeclared?.[1]) return { path: join(prefix, undeclared[1]), message: 'unknown key (check its spelling and nesting)' };
  const missing = /^configuration param '(.+)' missing from config/.exec(line);
  if (missing?.[1]) return { path: join(prefix, missing[1]), message: 'missing' };
  const located = /^([^:\s]+): (.*)$/.exec(line);
  if (located?.[1] && located[2] !== undefined) {
    const path = located[1];
    // Secret keys are sensitive to convict, which then appends no value; this also covers a schema that forgot to say so.
    const message = isSecretKey(join(prefix, path)) ? located[2].replace(/: value was .*$/s, '') : located[2];
    return { path: join(prefix, path), message };
  }
  return { path: prefix || '(root)', message: line };
}
