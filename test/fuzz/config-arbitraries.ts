import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { environmentNameOf, settingsSchema } from '../../src/config/index.js';
import type { ConfigSeedSet } from './config-seeds.js';
import { leakedSecrets } from './secrets.js';
import { isJsonObject } from '../../src/values/index.js';

/** One generated configuration: YAML text, its environment, and the steps that made it (for reading a counterexample). */
export interface ConfigCase {
  readonly seed: string;
  readonly steps: readonly string[];
  readonly yaml: string;
  readonly env: Readonly<Record<string, string>>;
}

type Path = ReadonlyArray<string | number>;

/**
 * What to do to a seed's tree. Positions (`at`, `from`, `to`) are indexes
 * into the tree's nodes taken modulo their count, so every plan applies to
 * every seed and fast-check can shrink them.
 */
export type TreeMutation =
  | { readonly kind: 'replace'; readonly at: number; readonly value: unknown }
  | { readonly kind: 'delete'; readonly at: number }
  | { readonly kind: 'addKey'; readonly at: number; readonly key: string; readonly value: unknown }
  | { readonly kind: 'rename'; readonly at: number; readonly key: string }
  | { readonly kind: 'wrap'; readonly at: number; readonly as: 'list' | 'map' }
  | { readonly kind: 'emptyBlock'; readonly at: number }
  | { readonly kind: 'share'; readonly from: number; readonly to: number }
  | { readonly kind: 'deepen'; readonly at: number; readonly depth: number; readonly as: 'list' | 'map' }
  | { readonly kind: 'duplicateEndpoint'; readonly at: number };

type TextMutation =
  | { readonly kind: 'duplicateLine'; readonly at: number; readonly to: number }
  | { readonly kind: 'aliasBomb'; readonly width: number; readonly depth: number; readonly underEndpoints: boolean }
  | { readonly kind: 'tag'; readonly at: number; readonly tag: string }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'insert'; readonly at: number; readonly text: string }
  | { readonly kind: 'wrapper'; readonly wrapper: 'yaml11' | 'secondDocument' | 'crlf' | 'bom' | 'tabs' | 'json' }
  | { readonly kind: 'oversize'; readonly chars: number }
  | { readonly kind: 'manyLines'; readonly lines: number; readonly at: number };

type EnvMutation =
  | { readonly kind: 'setting'; readonly at: number; readonly value: string }
  | { readonly kind: 'endpoints'; readonly text: string; readonly fromTree: boolean };

interface Plan {
  readonly seed: number;
  readonly tree: readonly TreeMutation[];
  readonly text: readonly TextMutation[];
  readonly env: readonly EnvMutation[];
}

/** Every `DCM_BRIDGE_*` name the schema declares (the environment overlay's inputs). */
function settingEnvironmentNames(schema: object, prefix = ''): string[] {
  return Object.entries(schema).flatMap(([key, node]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return node !== null && typeof node === 'object' && 'default' in node ? [environmentNameOf(path)] : settingEnvironmentNames(node as object, path);
  });
}
const environmentNames = [...settingEnvironmentNames(settingsSchema), 'DCM_BRIDGE_', 'DCM_BRIDGE_PROVIDER', 'DCM_BRIDGE_NOT_A_KEY'];

/** Keys that trip naive object handling, and keys the schemas declare (in the wrong place). */
const awkwardKeys = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '_cvtProperties', 'a.b', 'cache.url', '', ' ', '<<', '0', 'null', 'credentials', 'tls', 'selector', 'stateOverrides', 'url', 'name', 'platform', 'password', 'PASSWORD'];

const keyArbitrary: fc.Arbitrary<string> = fc.oneof(fc.constantFrom(...awkwardKeys), fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 8 }));

/** Strings a configuration value should never be, and a few it often is in the wrong place (query strings and headers use them too). */
export const awkwardStrings = ['', ' ', 'null', 'true', 'no', '~', '0x10', '1e3', '-', '*', '&a', '*a', '!!str', '{', '[', '"', "'", '#', '%', '@', '`', '\t', '\n', '\u0000', '\u202e', '\ud800', '\ufeff', 'é', '🙂', 'ｆｕｌｌ', 'dcm.*', 'dcm.vm', 'dcm.>', 'RUNNING', 'vsphere', 'file', 'openstack', 'ec2', 'nats', 'stdout', '0.0.0.0:8080', ':0', '[::1]:99999', 'redis://', 'redis://:@h', 'rediss://h:0', 'nats://a:4222,', 'http://[::1', 'https://', 'file:///etc/passwd', 'javascript:alert(1)', '10.0.0.0/33', '*.', '*'];

/** References mutations may write: they resolve to harmless text, to nothing, or fail; never to a planted secret. */
function referenceArbitrary(plainFile: string): fc.Arbitrary<string> {
  return fc.constantFrom('${env:FUZZ_TEXT}', '${env:FUZZ_UNSET}', '${env:}', '${env: }', '${file:/nonexistent/fuzz}', '${file:}', '${file:/}', `\${file:${plainFile}}`, 'prefix-${env:FUZZ_TEXT}-suffix', '${env:FUZZ_TEXT}${env:FUZZ_UNSET}', '${env:FUZZ_TEXT', '$${env:FUZZ_TEXT}');
}

/** Huge strings: long runs of one character, ASCII or not, shrinking towards short. */
const hugeString = fc.record({ unit: fc.constantFrom('x', 'é', '🙂', ' ', '\n', '-'), count: fc.integer({ min: 1_000, max: 200_000 }) }).map(({ unit, count }) => unit.repeat(count));

function scalarArbitrary(plainFile: string): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.constantFrom(0, -1, 1, 9, 10, 65_536, 2 ** 31, 2 ** 53 + 2, -0, 1e308, 0.5, Number.NaN, Number.POSITIVE_INFINITY),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.constantFrom(...awkwardStrings),
    referenceArbitrary(plainFile),
    fc.webUrl({ withQueryParameters: true, withFragments: true }),
    hugeString,
  );
}

function valueArbitrary(plainFile: string): fc.Arbitrary<unknown> {
  const scalar = scalarArbitrary(plainFile);
  return fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof({ depthSize: 'small', maxDepth: 4 }, scalar, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(keyArbitrary, tie('value'), { maxKeys: 4 })),
  })).value;
}

/** Mutations of a configuration tree (YAML file or API body alike); `plainFile` is a harmless file for `${file:...}` values. */
export function treeMutationArbitrary(plainFile: string): fc.Arbitrary<TreeMutation> {
  const at = fc.nat();
  const value = valueArbitrary(plainFile);
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('replace' as const), at, value }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('addKey' as const), at, key: keyArbitrary, value }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('rename' as const), at, key: keyArbitrary }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('wrap' as const), at, as: fc.constantFrom('list' as const, 'map' as const) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('emptyBlock' as const), at }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('share' as const), from: at, to: at }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('deepen' as const), at, depth: fc.integer({ min: 1, max: 120 }), as: fc.constantFrom('list' as const, 'map' as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicateEndpoint' as const), at }) },
  );
}

const tags = ['!!set', '!!omap', '!!binary', '!!timestamp', '!!pairs', '!!str', '!!int', '!!float', '!!bool', '!!null', '!!map', '!!seq', '!custom', '!<tag:yaml.org,2002:str>', '!'];
const insertions = ['{', '}', '[', ']', ':', ': ', '- ', '? ', '&a ', '*a', '*undefined', '!!binary ', '\t', '\n', '\r', '\u0000', '\u0085', '\u2028', '\ufeff', '#', '"', "'", '|', '>', '%YAML 1.1', '---', '...', '<<: *a', '\\', '${env:FUZZ_TEXT}'];

const textMutationArbitrary: fc.Arbitrary<TextMutation> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('duplicateLine' as const), at: fc.nat(), to: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('aliasBomb' as const), width: fc.integer({ min: 2, max: 12 }), depth: fc.integer({ min: 1, max: 9 }), underEndpoints: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tag' as const), at: fc.nat(), tag: fc.constantFrom(...tags) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...insertions), fc.string({ unit: 'binary', maxLength: 8 })) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wrapper' as const), wrapper: fc.constantFrom('yaml11' as const, 'secondDocument' as const, 'crlf' as const, 'bom' as const, 'tabs' as const, 'json' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('oversize' as const), chars: fc.integer({ min: 1_048_577, max: 2_000_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('manyLines' as const), lines: fc.integer({ min: 1_000, max: 30_000 }), at: fc.nat() }) },
);

function envMutationArbitrary(plainFile: string): fc.Arbitrary<EnvMutation> {
  const text = fc.oneof(fc.constantFrom(...awkwardStrings), fc.string({ maxLength: 30 }), referenceArbitrary(plainFile), fc.constantFrom('[]', '{}', '[{}]', '[null]', '- name: x\n  platform: file', '[{"name": "e", "platform": "vsphere", "credentials": null, "tls": null}]', '&a [*a]', 'a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]'));
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('setting' as const), at: fc.nat(), value: text }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('endpoints' as const), text, fromTree: fc.boolean() }) },
  );
}

/**
 * Configurations made by mutating the seeds: wrong types, nulls (empty
 * blocks), unknown and awkward keys, deep nesting, huge and non-ASCII
 * strings, duplicate keys, anchors and aliases (shared subtrees, cycles,
 * billion-laughs bombs), YAML tags, broken syntax, oversized files, and
 * `DCM_BRIDGE_*` overrides. Planted secrets stay in secret places: no
 * mutation copies one into a key whose value a message may quote.
 */
export function configCaseArbitrary(seeds: ConfigSeedSet, declaredKeys: ReadonlySet<string>): fc.Arbitrary<ConfigCase> {
  const plan: fc.Arbitrary<Plan> = fc.record({
    seed: fc.nat(),
    tree: fc.array(treeMutationArbitrary(seeds.plainFile), { maxLength: 4 }),
    text: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(textMutationArbitrary, { minLength: 1, maxLength: 2 }) }),
    env: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(envMutationArbitrary(seeds.plainFile), { minLength: 1, maxLength: 2 }) }),
  });
  return plan.map((chosen) => realize(chosen, seeds, declaredKeys));
}

function realize(plan: Plan, seeds: ConfigSeedSet, declaredKeys: ReadonlySet<string>): ConfigCase {
  const seed = seeds.seeds[plan.seed % seeds.seeds.length];
  if (!seed) throw new Error('no seeds');
  const steps: string[] = [];
  let tree: unknown = parse(seed.yaml, { logLevel: 'error' });
  for (const mutation of plan.tree) tree = applyTreeMutation(tree, mutation, declaredKeys, steps);
  let yaml = stringify(tree, { aliasDuplicateObjects: true, lineWidth: 0 });
  for (const mutation of plan.text) yaml = applyTextMutation(yaml, mutation, steps);
  const env: Record<string, string> = { ...seeds.baseEnv, ...seed.env };
  for (const mutation of plan.env) {
    if (mutation.kind === 'setting') {
      const name = environmentNames[mutation.at % environmentNames.length] as string;
      env[name] = mutation.value;
      steps.push(`env ${name}`);
    } else {
      const endpoints = isJsonObject(tree) ? tree['endpoints'] : undefined;
      env['DCM_BRIDGE_ENDPOINTS'] = (mutation.fromTree && endpoints !== undefined ? asJson(endpoints) : undefined) ?? mutation.text;
      steps.push('env DCM_BRIDGE_ENDPOINTS');
    }
  }
  return { seed: seed.name, steps, yaml, env };
}

/** Deepest nesting the generator builds: past the loader's limit (64), within what yaml's stringify can write. */
const maxGeneratedDepth = 150;

function depthOf(value: unknown, seen = new Set<object>()): number {
  if (value === null || typeof value !== 'object' || seen.has(value)) return 0;
  seen.add(value);
  const children: unknown[] = Array.isArray(value) ? value : Object.values(value);
  const depth = 1 + children.reduce<number>((deepest, child) => Math.max(deepest, depthOf(child, seen)), 0);
  seen.delete(value);
  return depth;
}

/** JSON of a tree, or undefined for one JSON cannot hold (a cycle). */
function asJson(tree: unknown): string | undefined {
  try {
    return JSON.stringify(tree);
  } catch {
    return undefined;
  }
}

/** Every node's path, root first, each object visited once (shared subtrees and cycles are possible). */
function nodePaths(tree: unknown): Path[] {
  const paths: Path[] = [];
  const seen = new Set<object>();
  const walk = (node: unknown, path: Path): void => {
    paths.push(path);
    if (node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) node.forEach((item: unknown, index) => walk(item, [...path, index]));
    else for (const [key, item] of Object.entries(node)) walk(item, [...path, key]);
  };
  walk(tree, []);
  return paths;
}

function valueAt(tree: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[key] : undefined), tree);
}

/** Sets `path` to `value` (as an own property, `__proto__` included); returns the new root. */
function setAt(tree: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const parent = valueAt(tree, path.slice(0, -1));
  if (parent !== null && typeof parent === 'object') Object.defineProperty(parent, path[path.length - 1] as string | number, { value, enumerable: true, writable: true, configurable: true });
  return tree;
}

function removeAt(tree: unknown, path: Path): unknown {
  if (path.length === 0) return null;
  const parent = valueAt(tree, path.slice(0, -1));
  const key = path[path.length - 1] as string | number;
  if (Array.isArray(parent)) parent.splice(key as number, 1);
  else if (parent !== null && typeof parent === 'object') delete (parent as Record<string | number, unknown>)[key];
  return tree;
}

function pick<T>(items: readonly T[], index: number): T | undefined {
  return items.length === 0 ? undefined : items[index % items.length];
}

/** True when `value` holds a planted secret or a reference (which may resolve to one). */
function holdsSecret(value: unknown): boolean {
  try {
    const text = stringify(value);
    return leakedSecrets(text).length > 0 || text.includes('${');
  } catch {
    return true;
  }
}

/**
 * Every key name a schema declares or a seed uses: a secret renamed to one
 * of these would sit where messages may quote values, so such renames are
 * skipped.
 */
export function declaredKeyNames(schemas: readonly object[], seeds: Pick<ConfigSeedSet, 'seeds'>): Set<string> {
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, child] of Object.entries(node)) {
      names.add(key);
      walk(child);
    }
  };
  schemas.forEach(walk);
  for (const seed of seeds.seeds) walk(parse(seed.yaml, { logLevel: 'error' }));
  return names;
}

/** Applies `mutation` to `tree` (in place where it can) and returns the new root; `steps` gets a line saying what it did. */
export function applyTreeMutation(tree: unknown, mutation: TreeMutation, declaredKeys: ReadonlySet<string>, steps: string[]): unknown {
  const paths = nodePaths(tree);
  const show = (path: Path | undefined): string => (path ? path.join('.') || '(root)' : '(none)');
  switch (mutation.kind) {
    case 'replace': {
      const path = pick(paths, mutation.at) ?? [];
      steps.push(`replace ${show(path)}`);
      return setAt(tree, path, mutation.value);
    }
    case 'delete': {
      const path = pick(paths, mutation.at) ?? [];
      steps.push(`delete ${show(path)}`);
      return removeAt(tree, path);
    }
    case 'addKey': {
      const path = pick(paths.filter((candidate) => isJsonObject(valueAt(tree, candidate))), mutation.at);
      steps.push(`add key ${JSON.stringify(mutation.key)} at ${show(path)}`);
      return path ? setAt(tree, [...path, mutation.key], mutation.value) : tree;
    }
    case 'rename': {
      const path = pick(paths.filter((candidate) => typeof candidate[candidate.length - 1] === 'string'), mutation.at);
      if (!path) return tree;
      const value = valueAt(tree, path);
      // A secret moved under a declared non-secret key would be quoted there, as any value may be.
      if (declaredKeys.has(mutation.key) && holdsSecret(value)) return tree;
      steps.push(`rename ${show(path)} to ${JSON.stringify(mutation.key)}`);
      return setAt(removeAt(tree, path), [...path.slice(0, -1), mutation.key], value);
    }
    case 'wrap': {
      const path = pick(paths, mutation.at) ?? [];
      steps.push(`wrap ${show(path)} in a ${mutation.as}`);
      const value = valueAt(tree, path);
      return setAt(tree, path, mutation.as === 'list' ? [value] : { value });
    }
    case 'emptyBlock': {
      const path = pick(paths.filter((candidate) => isJsonObject(valueAt(tree, candidate))), mutation.at);
      steps.push(`empty block at ${show(path)}`);
      return path ? setAt(tree, path, null) : tree;
    }
    case 'share': {
      const from = pick(paths.filter((candidate) => { const value = valueAt(tree, candidate); return value !== null && typeof value === 'object' && !holdsSecret(value); }), mutation.from);
      const to = pick(paths, mutation.to);
      if (!from || !to) return tree;
      steps.push(`alias ${show(from)} at ${show(to)}`);
      return setAt(tree, to, valueAt(tree, from));
    }
    case 'deepen': {
      const path = pick(paths, mutation.at) ?? [];
      // The yaml package's stringify recurses too: past a few hundred levels the generator, not the loader, would overflow.
      if (path.length + depthOf(valueAt(tree, path)) + mutation.depth > maxGeneratedDepth) return tree;
      steps.push(`nest ${show(path)} ${mutation.depth} levels deep in ${mutation.as}s`);
      let value = valueAt(tree, path);
      for (let level = 0; level < mutation.depth; level++) value = mutation.as === 'list' ? [value] : { nested: value };
      return setAt(tree, path, value);
    }
    case 'duplicateEndpoint': {
      const endpoints = isJsonObject(tree) ? tree['endpoints'] : undefined;
      if (!Array.isArray(endpoints) || endpoints.length === 0) return tree;
      const index = mutation.at % endpoints.length;
      steps.push(`duplicate endpoints[${index}]`);
      endpoints.push(structuredClone(endpoints[index]));
      return tree;
    }
  }
}

/** A position in `text` that is not inside a planted secret (inserting there would make a new, unplanted string). */
function safePosition(text: string, at: number): number {
  let position = at % (text.length + 1);
  for (const secret of new Set(leakedSecrets(text))) {
    for (let start = text.indexOf(secret); start >= 0; start = text.indexOf(secret, start + 1)) {
      if (position > start && position < start + secret.length) position = start + secret.length;
    }
  }
  return position;
}

function applyTextMutation(text: string, mutation: TextMutation, steps: string[]): string {
  const lines = text.split('\n');
  switch (mutation.kind) {
    case 'duplicateLine': {
      const candidates = lines.filter((line) => line.trim() !== '' && leakedSecrets(line).length === 0);
      const line = pick(candidates, mutation.at);
      if (line === undefined) return text;
      const to = mutation.to % (lines.length + 1);
      steps.push(`duplicate line ${JSON.stringify(line)} at line ${to}`);
      return [...lines.slice(0, to), line, ...lines.slice(to)].join('\n');
    }
    case 'aliasBomb': {
      const levels = [`l0: &l0 [${Array(mutation.width).fill('"lol"').join(', ')}]`];
      for (let level = 1; level <= mutation.depth; level++) levels.push(`l${level}: &l${level} [${Array(mutation.width).fill(`*l${level - 1}`).join(', ')}]`);
      steps.push(`alias bomb ${mutation.width}^${mutation.depth}${mutation.underEndpoints ? ' in an endpoint' : ''}`);
      const anchors = `bomb:\n${levels.map((line) => `  ${line}`).join('\n')}\n`;
      if (!mutation.underEndpoints) return anchors + text;
      // Let the expansion flow into a real key too, the first plain `key: value` line.
      const target = lines.findIndex((line) => /^\s+[A-Za-z]+: [^&*!{[|>'"\s][^#]*$/.test(line) && leakedSecrets(line).length === 0);
      if (target >= 0) lines[target] = (lines[target] as string).replace(/: .*$/, `: *l${mutation.depth}`);
      return anchors + lines.join('\n');
    }
    case 'tag': {
      const valueLines = lines.map((line, index) => [line, index] as const).filter(([line]) => /:\s+\S/.test(line) && leakedSecrets(line).length === 0);
      const chosen = pick(valueLines, mutation.at);
      if (!chosen) return text;
      const [line, index] = chosen;
      steps.push(`tag ${mutation.tag} on line ${index}`);
      lines[index] = line.replace(/:\s+/, `: ${mutation.tag} `);
      return lines.join('\n');
    }
    case 'truncate': {
      const at = mutation.at % (text.length + 1);
      steps.push(`truncate at ${at}`);
      return text.slice(0, at);
    }
    case 'insert': {
      const at = safePosition(text, mutation.at);
      steps.push(`insert ${JSON.stringify(mutation.text)} at ${at}`);
      return text.slice(0, at) + mutation.text + text.slice(at);
    }
    case 'wrapper': {
      steps.push(`wrapper ${mutation.wrapper}`);
      switch (mutation.wrapper) {
        case 'yaml11':
          return `%YAML 1.1\n---\n${text}`;
        case 'secondDocument':
          return `${text}\n---\nprovider: { name: second-document }\n`;
        case 'crlf':
          return text.replace(/\n/g, '\r\n');
        case 'bom':
          return `\ufeff${text}`;
        case 'tabs':
          return text.replace(/^( {2})+/gm, (indent) => '\t'.repeat(indent.length / 2));
        case 'json': {
          try {
            return JSON.stringify(parse(text, { logLevel: 'error' })) ?? text;
          } catch {
            return text;
          }
        }
      }
      return text;
    }
    case 'manyLines': {
      // Empty lines inside a broken document: the yaml parser's slowest input per character.
      const at = safePosition(text, mutation.at);
      steps.push(`insert ${mutation.lines} empty lines at ${at}`);
      return `${text.slice(0, at)}${'\n'.repeat(mutation.lines)}${text.slice(at)}`;
    }
    case 'oversize': {
      steps.push(`pad to ${mutation.chars} characters`);
      return `${text}\n#${'x'.repeat(Math.max(0, mutation.chars - text.length))}\n`;
    }
  }
}
