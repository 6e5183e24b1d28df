import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { validationError, type ValidationIssue } from '../errors/index.js';
import { validateWithConvict } from './convict-validation.js';
import { deepFreeze, validateEndpoint, type AdapterLookup, type EndpointConfig } from './endpoint.js';
import { isReference, resolveReferences } from './references.js';
import { keyPath } from './schema-shape.js';
import { crossSettingIssues, environmentNameOf, settingsSchema, type BridgeSettings } from './schema.js';

/** The whole validated configuration: bridge settings plus the YAML endpoints. Frozen. */
export interface BridgeConfig extends BridgeSettings {
  readonly endpoints: readonly EndpointConfig[];
}

/** Where configuration comes from. */
export interface ConfigSources {
  /** YAML text (already read) and the name to cite in errors. */
  readonly yaml?: { readonly text: string; readonly origin: string };
  /** The environment: `DCM_BRIDGE_*` overrides and `${env:...}` lookups. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly adapters: AdapterLookup;
  readonly readFile?: (path: string) => string;
}

/** A loaded configuration and the non-fatal remarks an operator should see (inline secrets). */
export interface LoadedConfig {
  readonly config: BridgeConfig;
  readonly warnings: readonly string[];
}

/** Keys whose inline values draw a warning: they hold a secret itself, not a name. */
const secretValueKeyPattern = /(password|secret|token)/i;

/** Environment variable holding the endpoint list as JSON or YAML, replacing the file's list. */
export const endpointsEnvironmentName = environmentNameOf('endpoints');

/** Reads `path` and loads it; a missing or unreadable file is a config error naming the path. */
export function loadConfigFile(path: string, sources: Omit<ConfigSources, 'yaml'>): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw validationError('configuration', [{ path: '(file)', message: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` }]);
  }
  return loadConfig({ ...sources, yaml: { text, origin: path } });
}

/**
 * Parses, resolves and validates the configuration once. Throws a
 * `CONFIG_INVALID` BridgeError listing every problem with its key path;
 * returns a deeply frozen {@link BridgeConfig} otherwise.
 */
export function loadConfig(sources: ConfigSources): LoadedConfig {
  const issues: ValidationIssue[] = [];
  const tree = parseYaml(sources.yaml, issues);
  const { endpoints: fileEndpoints, ...settingsTree } = tree;

  // Environment overrides go in before references are resolved, so a
  // DCM_BRIDGE_* variable may itself say ${file:...}.
  const withEnvironment = applyEnvironment(settingsSchema, settingsTree, sources.env, issues);
  const endpointsInput = endpointsFromEnvironment(sources.env, issues) ?? fileEndpoints ?? [];

  const referenceSources = { env: sources.env, ...(sources.readFile ? { readFile: sources.readFile } : {}) };
  const resolvedSettings = resolveReferences(withEnvironment, referenceSources);
  const resolvedEndpoints = resolveReferences(endpointsInput, referenceSources, 'endpoints');
  issues.push(...resolvedSettings.issues, ...resolvedEndpoints.issues);

  const settings = validateWithConvict(settingsSchema, resolvedSettings.value);
  issues.push(...settings.issues);
  if (settings.issues.length === 0) issues.push(...crossSettingIssues(settings.properties));

  const endpoints: EndpointConfig[] = [];
  if (!Array.isArray(resolvedEndpoints.value)) {
    issues.push({ path: 'endpoints', message: 'must be a list of endpoints' });
  } else {
    const seenNames = new Map<string, number>();
    resolvedEndpoints.value.forEach((input, index) => {
      const result = validateEndpoint(input, sources.adapters, { pathPrefix: `endpoints[${index}]`, defaultIntervalSeconds: settings.properties.scheduler.defaultIntervalSeconds, origin: 'config' });
      issues.push(...result.issues);
      const name = (input as { name?: unknown } | null)?.name;
      if (typeof name === 'string') {
        const first = seenNames.get(name);
        if (first !== undefined) issues.push({ path: `endpoints[${index}].name`, message: `duplicate endpoint name "${name}" (also endpoints[${first}])` });
        else seenNames.set(name, index);
      }
      if (result.endpoint) endpoints.push(result.endpoint);
    });
  }

  if (issues.length > 0) throw validationError(`configuration${sources.yaml ? ` (${sources.yaml.origin})` : ''}`, issues);
  const config: BridgeConfig = deepFreeze({ ...settings.properties, endpoints });
  return { config, warnings: inlineSecretWarnings({ ...settingsTree, endpoints: endpointsInput }) };
}

function parseYaml(yaml: ConfigSources['yaml'], issues: ValidationIssue[]): Record<string, unknown> {
  if (!yaml) return {};
  const value = yamlToData(yaml.text, '', issues);
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    issues.push({ path: '(root)', message: 'the configuration must be a YAML map of keys' });
    return {};
  }
  return value as Record<string, unknown>;
}

function endpointsFromEnvironment(env: ConfigSources['env'], issues: ValidationIssue[]): unknown {
  const text = env[endpointsEnvironmentName];
  if (text === undefined || text.trim() === '') return undefined;
  const found: ValidationIssue[] = [];
  const value = yamlToData(text, 'endpoints', found);
  issues.push(...found.map((issue) => ({ path: 'endpoints', message: `${endpointsEnvironmentName} is not valid JSON/YAML: ${issue.path} ${issue.message}` })));
  return found.length > 0 ? undefined : value;
}

/**
 * Limits on configuration text. A configuration is a few kilobytes (an
 * endpoint takes about 15 lines); these only stop resource exhaustion: YAML
 * aliases expanded into a billion nodes (the yaml package counts expansions
 * against `maxAliasCount`), megabytes echoed back in messages, nesting that
 * overflows the stack, and the yaml parser's superlinear time on some broken
 * documents with very many lines (tens of seconds at 100,000 lines).
 */
export const yamlLimits = Object.freeze({ maxChars: 1024 * 1024, maxLines: 20_000, maxAliasCount: 100, maxDepth: 64 });

/**
 * Parses YAML (or JSON) text into plain data. Syntax errors, alias bombs,
 * oversized text, deep nesting and values that are not plain data (YAML's
 * `!!set`, `!!omap`, `!!binary`, `!!timestamp` tags) become issues; on any
 * issue the value is undefined.
 */
function yamlToData(text: string, path: string, issues: ValidationIssue[]): unknown {
  if (text.length > yamlLimits.maxChars) {
    issues.push({ path: '(yaml)', message: `is ${text.length} characters long; a configuration may have at most ${yamlLimits.maxChars}` });
    return undefined;
  }
  const lines = text.split(/\r\n|\r|\n/).length;
  if (lines > yamlLimits.maxLines) {
    issues.push({ path: '(yaml)', message: `has ${lines} lines; a configuration may have at most ${yamlLimits.maxLines}` });
    return undefined;
  }
  // logLevel: the yaml package would otherwise print its warnings, source line included, with process.emitWarning.
  const document = parseDocument(text, { logLevel: 'error' });
  for (const error of document.errors) {
    const position = error.linePos?.[0];
    const message = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
    issues.push({ path: position ? `(yaml line ${position.line}, column ${position.col})` : '(yaml)', message: describeYamlFailure(withoutSource(message)) });
  }
  if (document.errors.length > 0) return undefined;
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: yamlLimits.maxAliasCount });
  } catch (error) {
    // The yaml package throws (ReferenceError) when aliases expand past maxAliasCount, and RangeError on stack overflow.
    issues.push({ path: '(yaml)', message: describeYamlFailure((error as Error).message) });
    return undefined;
  }
  const problem = notPlainData(value, path, yamlLimits.maxDepth, new Set());
  if (problem) {
    issues.push(problem);
    return undefined;
  }
  return value;
}

/**
 * A yaml syntax message without the source text many of them quote
 * (`Unexpected scalar token in YAML stream: "…"`, `Not a YAML token: …`): a
 * broken line may hold a secret, and the position shows where to look.
 */
function withoutSource(message: string): string {
  // The quoted part follows a colon ("…: <source>"); "The : indicator …" is wording, not a quote.
  return message.replace(/(?<! ):\s.*$/s, '').replace(/^Invalid escape sequence\b.*$/s, 'Invalid escape sequence');
}

function describeYamlFailure(message: string): string {
  if (/alias count/i.test(message)) return `aliases expand too often (more than ${yamlLimits.maxAliasCount} times, counting nested expansions): an alias bomb, or anchors reused far more than a configuration needs`;
  if (/call stack/i.test(message)) return `nested too deeply (${message})`;
  return message;
}

/**
 * The first value in `value` that is not plain YAML data (map, list, string,
 * number, boolean, null): a special object, a cycle (an alias inside its own
 * anchor, which the yaml package builds as a circular object), or nesting
 * past `depthLeft`.
 */
function notPlainData(value: unknown, path: string, depthLeft: number, ancestors: Set<object>): ValidationIssue | undefined {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return undefined;
  const at = path || '(root)';
  if (typeof value !== 'object') return { path: at, message: `is a ${typeof value}; only maps, lists, strings, numbers, booleans and null are configuration values` };
  if (ancestors.has(value)) return { path: at, message: 'contains itself (a YAML alias used inside its own anchor)' };
  if (depthLeft <= 0) return { path: at, message: `nests deeper than ${yamlLimits.maxDepth} levels` };
  const prototype: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) {
    const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'special object';
    return { path: at, message: `is a ${kind} (a YAML tag such as !!set, !!omap, !!binary or !!timestamp); write plain maps, lists and strings` };
  }
  ancestors.add(value);
  const children: Array<[string, unknown]> = Array.isArray(value) ? value.map((item, index) => [`${path}[${index}]`, item]) : Object.entries(value).map(([key, item]) => [keyPath(path, key), item]);
  for (const [childPath, item] of children) {
    const problem = notPlainData(item, childPath, depthLeft - 1, ancestors);
    if (problem) return problem;
  }
  ancestors.delete(value);
  return undefined;
}

/**
 * Overlays `DCM_BRIDGE_*` variables on the file's tree, one per schema leaf,
 * coercing each to the type of the leaf's default (numbers, booleans and
 * comma-separated lists).
 */
function applyEnvironment(schema: object, tree: Record<string, unknown>, env: ConfigSources['env'], issues: ValidationIssue[], path = ''): Record<string, unknown> {
  const result: Record<string, unknown> = { ...tree };
  for (const [key, node] of Object.entries(schema)) {
    const at = path ? `${path}.${key}` : key;
    if (node !== null && typeof node === 'object' && 'default' in node) {
      const text = env[environmentNameOf(at)];
      if (text !== undefined) result[key] = coerce(text, (node as { default: unknown }).default, at, issues);
    } else {
      const child = tree[key];
      if (child !== undefined && (child === null || typeof child !== 'object' || Array.isArray(child))) {
        result[key] = child; // not a map where one belongs: validation names it
        continue;
      }
      const overlaid = applyEnvironment(node as object, (child ?? {}) as Record<string, unknown>, env, issues, at);
      if (child !== undefined || Object.keys(overlaid).length > 0) result[key] = overlaid;
    }
  }
  return result;
}

function coerce(text: string, defaultValue: unknown, path: string, issues: ValidationIssue[]): unknown {
  if (Array.isArray(defaultValue)) return text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (typeof defaultValue === 'number') {
    const value = Number(text);
    if (text.trim() === '' || Number.isNaN(value)) issues.push({ path, message: `${environmentNameOf(path)} must be a number; got ${JSON.stringify(text)}` });
    return value;
  }
  if (typeof defaultValue === 'boolean') {
    if (text === 'true' || text === 'false') return text === 'true';
    issues.push({ path, message: `${environmentNameOf(path)} must be true or false; got ${JSON.stringify(text)}` });
    return text;
  }
  return text;
}

/** Names every secret-looking key whose value is written inline rather than as a reference. */
function inlineSecretWarnings(tree: unknown, path = ''): string[] {
  if (Array.isArray(tree)) return tree.flatMap((item, index) => inlineSecretWarnings(item, `${path}[${index}]`));
  if (tree === null || typeof tree !== 'object') return [];
  return Object.entries(tree).flatMap(([key, value]) => {
    const at = keyPath(path, key);
    // Names, domains and projects under `credentials` are not secret; passwords, secrets and tokens are.
    if (typeof value === 'string' && value !== '' && secretValueKeyPattern.test(key) && !isReference(value)) {
      return [`${at} holds a secret written inline; prefer \${env:NAME} or \${file:PATH} so it stays out of the file`];
    }
    return inlineSecretWarnings(value, at);
  });
}
