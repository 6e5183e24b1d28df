import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse as parseYaml, parseAllDocuments, stringify as stringifyYaml } from 'yaml';
import { goStruct, goTypeName, goQuote, isTrue, parseTemplates, printValue, TemplateError, type TemplateFunction } from './go-template.js';

/**
 * `helm template` for the tests, offline: loads a chart directory, merges the values as Helm does, validates them
 * against the chart's `values.schema.json`, renders every file under `templates/` with the Go-template subset of
 * `go-template.ts` and the Sprig/Helm functions below, and parses the manifests. Only the functions the chart
 * uses exist; a template calling another fails to parse, which keeps the chart inside what this renders
 * faithfully. Each function follows the Sprig (https://masterminds.github.io/sprig/) or Helm
 * (https://helm.sh/docs/chart_template_guide/function_list/) definition named beside it.
 */

/** A Kubernetes object as rendered: apiVersion, kind, metadata and the rest. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [field: string]: unknown;
}

/** What {@link renderChart} produced. */
export interface RenderedChart {
  /** Every object of every manifest, in template file order. */
  readonly objects: readonly KubernetesObject[];
  /** The rendered `templates/NOTES.txt`. */
  readonly notes: string;
  /** The merged values the templates saw. */
  readonly values: Record<string, unknown>;
  /** Each rendered template file's text (`deployment.yaml` → manifest), as `helm template` prints it. */
  readonly manifests: ReadonlyMap<string, string>;
}

/** Options of {@link renderChart}: values over the chart's `values.yaml`, and the release. */
export interface RenderOptions {
  readonly values?: Record<string, unknown>;
  readonly releaseName?: string;
  readonly namespace?: string;
}

/** The values break the chart's `values.schema.json`; `issues` name each value by its path. */
export class ChartValuesError extends Error {
  override readonly name = 'ChartValuesError';
  constructor(readonly issues: readonly string[]) {
    super(`values don't meet the specifications of values.schema.json:\n${issues.map((issue) => `- ${issue}`).join('\n')}`);
  }
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Helm's coalescing of user values over the chart's: maps merge key by key, anything else replaces, null deletes. */
export function mergeValues(chartValues: unknown, userValues: unknown): unknown {
  if (!isMap(chartValues) || !isMap(userValues)) return userValues === undefined ? chartValues : userValues;
  const merged: Record<string, unknown> = { ...chartValues };
  for (const [key, value] of Object.entries(userValues)) {
    if (value === null) delete merged[key];
    else merged[key] = mergeValues(chartValues[key], value);
  }
  return merged;
}

/** Go values to plain data: `int`s (bigint) become numbers, for YAML and JSON output. */
function toPlain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(toPlain);
  if (isMap(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toPlain(item)]));
  return value === undefined ? null : value;
}

function deepCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deepCopy);
  if (isMap(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, deepCopy(item)]));
  return value;
}

/** Sprig `empty`: nil, false, 0, "" and empty collections. */
function isEmpty(value: unknown): boolean {
  return !isTrue(value);
}

function asInt(value: unknown, fn: string): number {
  if (typeof value !== 'bigint') throw new TemplateError(`error calling ${fn}: wrong type for value; expected int; got ${goTypeName(value)}`);
  return Number(value);
}

function asString(value: unknown, fn: string): string {
  if (typeof value !== 'string') throw new TemplateError(`error calling ${fn}: wrong type for value; expected string; got ${goTypeName(value)}`);
  return value;
}

/** Sprig's `strval`: strings as they are, anything else as Go's `%v` prints it. */
function stringValue(value: unknown): string {
  return typeof value === 'string' ? value : printValue(value);
}

/** Sprig `toInt` (cast.ToInt): floats truncate, numeric strings parse, anything else is 0. */
function toInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return BigInt(value.trim());
  return 0n;
}

/** Helm `toYaml`: sigs.k8s.io/yaml's output (keys sorted), its final newline removed. */
function toYaml(value: unknown): string {
  return stringifyYaml(toPlain(value), { sortMapEntries: true, lineWidth: 0 }).replace(/\n$/, '');
}

function indent(spaces: unknown, text: unknown): string {
  const pad = ' '.repeat(asInt(spaces, 'indent'));
  return pad + asString(text, 'indent').replaceAll('\n', `\n${pad}`);
}

/** The chart's `Chart.yaml`, as `.Chart` shows it (Helm capitalises the field names). */
interface ChartMetadata {
  readonly apiVersion: string;
  readonly name: string;
  readonly version: string;
  readonly appVersion?: string;
  readonly [field: string]: unknown;
}

/** Reads and checks `Chart.yaml` as Helm does before rendering (apiVersion v2, a name, a SemVer 2 version). */
export function readChartMetadata(chartDir: string): ChartMetadata {
  const metadata = parseYaml(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as ChartMetadata;
  if (metadata.apiVersion !== 'v2') throw new Error(`Chart.yaml: apiVersion is ${String(metadata.apiVersion)}, expected v2`);
  if (!metadata.name) throw new Error('Chart.yaml: name is required');
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(String(metadata.version))) throw new Error(`Chart.yaml: version "${String(metadata.version)}" is not SemVer 2`);
  return metadata;
}

/** Validates `values` against the chart's `values.schema.json` (JSON Schema draft 7, as Helm reads it). */
export function validateChartValues(chartDir: string, values: unknown): void {
  const schemaPath = join(chartDir, 'values.schema.json');
  if (!existsSync(schemaPath)) return;
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);
  if (validate(values)) return;
  throw new ChartValuesError(
    (validate.errors ?? []).map((error) => {
      const at = error.instancePath.slice(1).replaceAll('/', '.') || '(root)';
      const detail = error.keyword === 'additionalProperties' ? `: "${String((error.params as { additionalProperty: string }).additionalProperty)}"` : error.keyword === 'enum' ? ` (${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')})` : '';
      return `${at}: ${error.message ?? error.keyword}${detail}`;
    }),
  );
}

function templateFiles(chartDir: string): Map<string, string> {
  const files = new Map<string, string>();
  const directory = join(chartDir, 'templates');
  for (const entry of readdirSync(directory).sort()) {
    if (!/\.(ya?ml|tpl|txt)$/.test(entry)) continue;
    files.set(entry, readFileSync(join(directory, entry), 'utf8'));
  }
  return files;
}

/**
 * Renders the chart at `chartDir` as `helm template <releaseName> <chartDir> -n <namespace> -f <values>` would:
 * throws {@link ChartValuesError} when the values break the schema, a {@link TemplateError} naming file and line when
 * a template fails (`fail`, `required`, a bad field), and an Error naming the file when a manifest is not YAML.
 */
export function renderChart(chartDir: string, options: RenderOptions = {}): RenderedChart {
  const metadata = readChartMetadata(chartDir);
  const chartValues = (parseYaml(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) ?? {}) as Record<string, unknown>;
  const values = mergeValues(chartValues, deepCopy(options.values ?? {})) as Record<string, unknown>;
  validateChartValues(chartDir, values);

  const files = templateFiles(chartDir);
  // Helm's functions; `include` reaches the set, resolved when it is called.
  let include: (name: string, data: unknown) => string = () => '';
  const functions: Record<string, TemplateFunction> = {
    include: (name, data) => include(asString(name, 'include'), data), // Helm
    required: (message, value) => {
      // Helm: nil, or an empty string, fails with the message.
      if (value === null || value === undefined || value === '') throw new TemplateError(`execution error: ${stringValue(message)}`);
      return value;
    },
    fail: (message) => {
      throw new TemplateError(`execution error: ${stringValue(message)}`); // Helm
    },
    toYaml, // Helm
    default: (fallback, ...given) => (given.length === 0 || isEmpty(given[0]) ? fallback : given[0]), // Sprig
    empty: isEmpty, // Sprig
    quote: (...args) => args.filter((arg) => arg !== null && arg !== undefined).map((arg) => goQuote(stringValue(arg))).join(' '), // Sprig
    indent, // Sprig
    nindent: (spaces, text) => `\n${indent(spaces, text)}`, // Sprig
    trunc: (length, text) => {
      const count = asInt(length, 'trunc');
      const value = asString(text, 'trunc');
      return count >= 0 ? value.slice(0, count) : value.slice(Math.max(0, value.length + count));
    }, // Sprig
    trimSuffix: (suffix, text) => {
      const value = asString(text, 'trimSuffix');
      const end = asString(suffix, 'trimSuffix');
      return end && value.endsWith(end) ? value.slice(0, -end.length) : value;
    }, // Sprig
    replace: (old, replacement, text) => asString(text, 'replace').replaceAll(asString(old, 'replace'), asString(replacement, 'replace')), // Sprig
    contains: (substring, text) => asString(text, 'contains').includes(asString(substring, 'contains')), // Sprig
    int: toInt, // Sprig
    toString: stringValue, // Sprig
    sha256sum: (text) => createHash('sha256').update(asString(text, 'sha256sum')).digest('hex'), // Sprig
    dict: (...pairs) => {
      const map: Record<string, unknown> = {};
      for (let i = 0; i < pairs.length; i += 2) map[stringValue(pairs[i])] = pairs[i + 1] ?? null;
      return map;
    }, // Sprig
    set: (map, key, value) => {
      if (!isMap(map)) throw new TemplateError(`error calling set: wrong type for value; expected map[string]interface {}; got ${goTypeName(map)}`);
      map[asString(key, 'set')] = value;
      return map;
    }, // Sprig
    hasKey: (map, key) => isMap(map) && Object.hasOwn(map, asString(key, 'hasKey')), // Sprig
    deepCopy, // Sprig
  };
  const set = parseTemplates(files, functions);
  include = set.include;

  const readChartFile = (path: unknown): string => {
    const full = join(chartDir, asString(path, 'Files.Get'));
    // Helm's .Files.Get gives "" for a file the chart lacks.
    return existsSync(full) ? readFileSync(full, 'utf8') : '';
  };
  const data = goStruct({
    Values: values,
    Release: goStruct({ Name: options.releaseName ?? 'bridge', Namespace: options.namespace ?? 'dcm', Service: 'Helm', IsInstall: true, IsUpgrade: false, Revision: 1n }),
    Chart: goStruct({ ...Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key.charAt(0).toUpperCase() + key.slice(1), value])), AppVersion: metadata.appVersion ?? '' }),
    Files: goStruct({ Get: readChartFile }),
    Template: goStruct({ BasePath: `${metadata.name}/templates` }),
  });

  const objects: KubernetesObject[] = [];
  const manifests = new Map<string, string>();
  let notes = '';
  for (const name of files.keys()) {
    if (name.startsWith('_')) continue;
    // Helm removes the "<no value>" Go prints for missing keys.
    const output = set.render(name, data).replaceAll('<no value>', '');
    if (name === 'NOTES.txt') {
      notes = output;
      continue;
    }
    manifests.set(name, output);
    for (const document of parseAllDocuments(output)) {
      if (document.errors.length > 0) throw new Error(`YAML parse error on ${metadata.name}/templates/${name}: ${document.errors[0]!.message}\n${output}`);
      const object = document.toJS() as KubernetesObject | null;
      if (object !== null) objects.push(object);
    }
  }
  return { objects, notes, values, manifests };
}

/** The single object of `kind` (and `name` when given) among `objects`; throws naming what was there otherwise. */
export function findObject(objects: readonly KubernetesObject[], kind: string, name?: string): KubernetesObject {
  const found = objects.filter((object) => object.kind === kind && (name === undefined || object.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` named ${name}` : ''}, found ${found.length} among ${objects.map((object) => `${object.kind}/${object.metadata.name}`).join(', ')}`);
  return found[0]!;
}
