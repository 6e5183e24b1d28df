import type { AdapterDescription } from '../adapter/index.js';
import { commonSchema } from './endpoint.js';
import { formatDescriptionOf, type FormatDescription } from './formats.js';
import { environmentNameOf, settingsSchema } from './schema.js';

/**
 * The configuration reference (`docs/configuration.md`) and the editors' JSON
 * Schema (`config/dcm-poll-bridge.schema.json`), both generated from the
 * convict schemas the bridge validates with: the settings, the keys every
 * endpoint has, and each adapter's own keys and credentials. A key added to
 * any of them appears in both outputs without touching this module; the
 * drift test (`test/unit/config/reference-drift.test.ts`) fails until the
 * committed files are regenerated with `npm run docs:config`.
 */

/** What the generator needs of an adapter: its schemas and the rules that narrow the common keys. */
export type DocumentedPlatform = Pick<AdapterDescription, 'platform' | 'minimumIntervalSeconds' | 'serviceTypes' | 'configSchema' | 'urlRequired' | 'selectorSources'>;

/** Where the generated files live, relative to the project root. */
export const configurationDocPaths = Object.freeze({ reference: 'docs/configuration.md', jsonSchema: 'config/dcm-poll-bridge.schema.json' });

/** The command that regenerates both files; drift messages quote it. */
export const regenerateCommand = 'npm run docs:config';

type JsonObject = Record<string, unknown>;

/** One leaf of a convict schema as the outputs show it. */
interface KeyEntry {
  /** Path under its table (`tls.caFile`), or under the settings root (`cache.tls.caFile`). */
  readonly path: string;
  readonly doc: string;
  readonly format: FormatDescription;
  /** Missing (`default: null` and not nullable) is an error. */
  readonly required: boolean;
  readonly nullable: boolean;
  readonly defaultValue: unknown;
  readonly sensitive: boolean;
}

/** A convict leaf as it appears in a schema; everything else is a group of keys. */
interface ConvictLeaf {
  readonly doc?: string;
  readonly format?: unknown;
  readonly default: unknown;
  readonly nullable?: boolean;
  readonly sensitive?: boolean;
}

/** Keys whose default is another setting's value, named instead of repeating the number. */
const inheritedDefaults: Readonly<Record<string, string>> = { intervalSeconds: 'scheduler.defaultIntervalSeconds' };

const referenceDefinition = {
  type: 'string',
  pattern: '\\$\\{(env|file):[^}]+\\}',
  description: 'A ${env:NAME} or ${file:PATH} reference, resolved when the configuration is loaded.',
};

function isLeaf(node: unknown): node is ConvictLeaf {
  return node !== null && typeof node === 'object' && 'default' in node;
}

/** A format that carries no description is described by its key's default, as convict would coerce it. */
function describeLeaf(leaf: ConvictLeaf): FormatDescription {
  const described = formatDescriptionOf(leaf.format);
  if (described) return described;
  if (Array.isArray(leaf.format)) return { text: `one of ${leaf.format.map((entry) => `\`${String(entry)}\``).join(', ')}`, jsonSchema: { enum: [...leaf.format] } };
  const value = leaf.default;
  if (typeof value === 'boolean') return { text: 'true or false', jsonSchema: { type: 'boolean' } };
  if (typeof value === 'number') return { text: 'number', jsonSchema: { type: 'number' } };
  if (Array.isArray(value)) return { text: 'list', jsonSchema: { type: 'array' } };
  if (value !== null && typeof value === 'object') return { text: 'map', jsonSchema: { type: 'object' } };
  return { text: 'string', jsonSchema: { type: 'string' } };
}

/** Every leaf under `schema`, in declaration order, with paths under `prefix`. */
function keyEntries(schema: object, prefix = ''): KeyEntry[] {
  return Object.entries(schema).flatMap(([key, node]): KeyEntry[] => {
    const path = prefix ? `${prefix}.${key}` : key;
    if (!isLeaf(node)) return keyEntries(node as object, path);
    const nullable = node.nullable === true;
    return [{ path, doc: node.doc ?? '', format: describeLeaf(node), required: node.default === null && !nullable, nullable, defaultValue: node.default, sensitive: node.sensitive === true }];
  });
}

// ---- JSON Schema -------------------------------------------------------------------------------

/** A leaf's JSON Schema: its format's fragment, `null` when nullable, a reference where a pattern or enum would refuse one. */
function leafJsonSchema(entry: KeyEntry): JsonObject {
  let fragment: JsonObject = { ...entry.format.jsonSchema };
  if (entry.nullable) fragment = withNull(fragment);
  const constrainedString = fragment['type'] === 'string' || (Array.isArray(fragment['type']) && fragment['type'].includes('string'));
  if (constrainedString && ('pattern' in fragment || 'enum' in fragment || 'not' in fragment)) fragment = { anyOf: [fragment, { $ref: '#/$defs/reference' }] };
  const annotations: JsonObject = {};
  if (entry.doc) annotations['description'] = entry.doc;
  if (!entry.required) annotations['default'] = entry.defaultValue;
  return { ...annotations, ...fragment };
}

function withNull(fragment: JsonObject): JsonObject {
  const type = fragment['type'];
  if (typeof type !== 'string') return { anyOf: [fragment, { type: 'null' }] };
  const widened: JsonObject = { ...fragment, type: [type, 'null'] };
  if (Array.isArray(fragment['enum'])) widened['enum'] = [...(fragment['enum'] as unknown[]), null];
  return widened;
}

/** A convict group as a closed JSON Schema object (convict validates strictly: unknown keys are errors). */
function groupJsonSchema(schema: object, description?: string): JsonObject {
  const properties: JsonObject = {};
  const required: string[] = [];
  for (const [key, node] of Object.entries(schema)) {
    if (isLeaf(node)) {
      const [entry] = keyEntries({ [key]: node });
      if (!entry) continue;
      properties[key] = leafJsonSchema(entry);
      if (entry.required) required.push(key);
    } else {
      const group = groupJsonSchema(node as object);
      properties[key] = group;
      if (Array.isArray(group['required']) && group['required'].length > 0) required.push(key);
    }
  }
  return { ...(description ? { description } : {}), type: 'object', additionalProperties: false, properties, ...(required.length > 0 ? { required } : {}) };
}

/** The keys of one platform's endpoint: the common keys, narrowed by what the adapter says, plus its own. */
function platformEndpointSchema(platform: DocumentedPlatform, defaultIntervalSeconds: number): JsonObject {
  const common = groupJsonSchema(commonSchema(defaultIntervalSeconds, platform.urlRequired));
  const options = groupJsonSchema(platform.configSchema.options);
  const credentials = groupJsonSchema(platform.configSchema.credentials, `${platform.platform} credentials; every value may be a \${env:…} or \${file:…} reference.`);
  const properties = { ...(common['properties'] as JsonObject) };
  properties['platform'] = { description: 'Adapter that polls it.', const: platform.platform };
  properties['serviceType'] = { ...(properties['serviceType'] as JsonObject), enum: [...platform.serviceTypes] };
  properties['intervalSeconds'] = { ...(properties['intervalSeconds'] as JsonObject), minimum: platform.minimumIntervalSeconds };
  const selector = properties['selector'] as JsonObject;
  const selectorProperties = { ...(selector['properties'] as JsonObject) };
  // validateEndpoint refuses selector.source on a platform that lists no sources.
  if (platform.selectorSources) selectorProperties['source'] = { ...(selectorProperties['source'] as JsonObject), enum: [...platform.selectorSources, null] };
  else delete selectorProperties['source'];
  properties['selector'] = { ...selector, properties: selectorProperties };
  Object.assign(properties, options['properties'] as JsonObject);
  properties['credentials'] = credentials;
  const required = [...new Set([...((common['required'] as string[]) ?? []), ...((options['required'] as string[]) ?? []), ...(Array.isArray(credentials['required']) ? ['credentials'] : [])])];
  return { type: 'object', additionalProperties: false, properties, required };
}

/**
 * The JSON Schema (draft 2020-12) of the configuration file, for editors
 * (`# yaml-language-server: $schema=…`) and CI. It accepts what the bridge's
 * own validation accepts key by key; rules that span keys (a client
 * certificate needs its key, OpenStack's credential combinations, files that
 * must be readable) are checked only by `validate-config`.
 */
export function configurationJsonSchema(platforms: readonly DocumentedPlatform[]): JsonObject {
  const defaultIntervalSeconds = settingsSchema.scheduler.defaultIntervalSeconds.default as number;
  const sorted = [...platforms].sort((a, b) => a.platform.localeCompare(b.platform));
  const settings = groupJsonSchema(settingsSchema);
  const definitions: JsonObject = { reference: referenceDefinition };
  for (const platform of sorted) definitions[`${platform.platform}Endpoint`] = platformEndpointSchema(platform, defaultIntervalSeconds);
  definitions['endpoint'] = {
    type: 'object',
    required: ['platform'],
    properties: { platform: { description: 'Adapter that polls it.', enum: sorted.map((platform) => platform.platform) } },
    allOf: sorted.map((platform) => ({ if: { properties: { platform: { const: platform.platform } }, required: ['platform'] }, then: { $ref: `#/$defs/${platform.platform}Endpoint` } })),
  };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'dcm-poll-bridge configuration',
    description: `Generated from the bridge's configuration schema by \`${regenerateCommand}\`; see ${configurationDocPaths.reference}.`,
    type: 'object',
    additionalProperties: false,
    properties: {
      ...(settings['properties'] as JsonObject),
      endpoints: { description: 'Platform endpoints polled by this bridge; DCM_BRIDGE_ENDPOINTS (JSON or YAML) replaces this list.', type: ['array', 'null'], items: { $ref: '#/$defs/endpoint' } },
    },
    $defs: definitions,
  };
}

// ---- Markdown ----------------------------------------------------------------------------------

/** Text for a Markdown table cell: pipes and angle brackets (`<name>`) would break the table or read as HTML. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\s*\n\s*/g, ' ');
}

function renderDefault(entry: KeyEntry, inherited?: string): string {
  if (entry.required) return '**required**';
  if (inherited) return `\`${inherited}\``;
  if (entry.defaultValue === null || entry.defaultValue === undefined) return 'unset';
  return `\`${JSON.stringify(entry.defaultValue)}\``;
}


function table(entries: readonly KeyEntry[], options: { prefix?: string; environment?: boolean; inherit?: boolean } = {}): string[] {
  const header = options.environment ? ['| Key | Accepts | Default | Environment variable | Meaning |', '|---|---|---|---|---|'] : ['| Key | Accepts | Default | Meaning |', '|---|---|---|---|'];
  const rows = entries.map((entry) => {
    const key = `\`${options.prefix ?? ''}${entry.path}\``;
    const inherited = options.inherit ? inheritedDefaults[entry.path] : undefined;
    const columns = [key, cell(entry.format.text) + (entry.sensitive ? '; **secret**' : ''), renderDefault(entry, inherited)];
    if (options.environment) columns.push(`\`${environmentNameOf(`${options.prefix ?? ''}${entry.path}`)}\``);
    columns.push(cell(entry.doc));
    return `| ${columns.join(' | ')} |`;
  });
  return [...header, ...rows];
}

/**
 * The configuration reference in Markdown: every settings key with its
 * default, environment variable, accepted values and meaning; every key an
 * endpoint has; and per platform its own keys, credentials, floor and the
 * rules that narrow the common keys.
 */
export function configurationReference(platforms: readonly DocumentedPlatform[]): string {
  const lines: string[] = [
    '# Configuration reference',
    '',
    `<!-- Generated from the configuration schema by \`${regenerateCommand}\`: src/config/schema.ts (settings), src/config/endpoint.ts (keys of every endpoint) and adapters/*/config-schema.ts (platform keys). Do not edit by hand; a test fails when this file and the schema differ. -->`,
    '',
    'The bridge reads one YAML file (`--config PATH`; `config/default.yaml` without it), validates it once at start-up and reports every problem with its key path. `node dist/src/cli.js validate-config --config PATH` does the same without starting anything. Unknown keys are errors.',
    '',
    '- **References.** Any string may be written `${env:NAME}` (an environment variable) or `${file:PATH}` (a file\'s content, one trailing newline dropped). Write secrets (the keys marked **secret**) that way; an inline secret is accepted with a warning.',
    '- **Environment.** Every settings key can also be set from the environment, named in the tables below (`DCM_BRIDGE_` and the key path in upper snake case). Numbers and booleans are parsed; lists are comma-separated. `DCM_BRIDGE_ENDPOINTS` holds the whole endpoint list as JSON or YAML and replaces the file\'s list.',
    `- **Editors.** [\`${configurationDocPaths.jsonSchema}\`](../${configurationDocPaths.jsonSchema}) is the JSON Schema (draft 2020-12) of the file, generated from the same source. Start a configuration with \`# yaml-language-server: $schema=<relative path to that file>\` and editors that use the YAML language server (VS Code's YAML extension, Neovim, IntelliJ) complete and check keys as you type. Rules that span keys (a client certificate needs its key, OpenStack credential combinations, readable files) are checked by \`validate-config\` only.`,
    '- **Examples.** [`config/example.yaml`](../config/example.yaml) shows every settings key with comments; [`config/examples/`](../config/examples/) has one working endpoint configuration per platform and authentication method.',
    '',
    '## Settings',
    '',
  ];
  const settingsEntries = keyEntries(settingsSchema);
  for (const section of Object.keys(settingsSchema)) {
    lines.push(`### \`${section}\``, '');
    const entries = settingsEntries.filter((entry) => entry.path.startsWith(`${section}.`)).map((entry) => ({ ...entry, path: entry.path.slice(section.length + 1) }));
    lines.push(...table(entries, { prefix: `${section}.`, environment: true }), '');
  }

  const defaultIntervalSeconds = settingsSchema.scheduler.defaultIntervalSeconds.default as number;
  const sorted = [...platforms].sort((a, b) => a.platform.localeCompare(b.platform));
  lines.push(
    '## Endpoints',
    '',
    '`endpoints` is a list; each entry is one platform endpoint the bridge polls. Names are unique. Endpoints registered over the REST API take the same keys. The keys below are common to every platform; each platform adds its own keys beside them and defines its `credentials` block.',
    '',
    '### Keys of every endpoint',
    '',
    ...table(keyEntries(commonSchema(defaultIntervalSeconds, true)), { inherit: true }),
    '',
  );
  for (const platform of sorted) {
    const facts = [
      `- \`platform: ${platform.platform}\`; polled at most every ${platform.minimumIntervalSeconds} s (a smaller \`intervalSeconds\` is refused).`,
      `- \`url\` is ${platform.urlRequired ? 'required' : 'optional'}; service types: ${platform.serviceTypes.map((type) => `\`${type}\``).join(', ')}.`,
      platform.selectorSources ? `- \`selector.source\`: one of ${platform.selectorSources.map((source) => `\`${source}\``).join(', ')}.` : '- `selector.source` is not used (there is one place to find DCM\'s resources).',
    ];
    lines.push(`### \`${platform.platform}\``, '', ...facts, '');
    const options = keyEntries(platform.configSchema.options);
    if (options.length > 0) lines.push('Platform keys, beside the common ones:', '', ...table(options), '');
    lines.push('`credentials`:', '', ...table(keyEntries(platform.configSchema.credentials), { prefix: 'credentials.' }), '');
  }
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

/** Both generated files, keyed by their path under the project root, as `npm run docs:config` writes them. */
export function configurationDocs(platforms: readonly DocumentedPlatform[]): Readonly<Record<string, string>> {
  return {
    [configurationDocPaths.reference]: configurationReference(platforms),
    [configurationDocPaths.jsonSchema]: `${JSON.stringify(configurationJsonSchema(platforms), null, 2)}\n`,
  };
}
