/**
 * A renderer for the subset of Go's `text/template` that the Helm chart (`deploy/helm/dcm-poll-bridge`) uses, so the
 * tests can render the chart offline: no helm binary installs here (not in Debian, not on npm), and the npm
 * package that runs Go's real `text/template` as WebAssembly (`@evertdespiegeleer/go-template`) accepts no function
 * map, so Helm's and Sprig's functions cannot be added to it.
 *
 * What it supports, with Go's semantics (https://pkg.go.dev/text/template):
 * - text and actions `{{ … }}`, trim markers `{{- ` and ` -}}`, comments `{{/* … *\/}}`;
 * - `if` / `else if` / `else`, `range` (lists in order, maps by sorted key; `$i, $v :=`), `with`, `define`,
 *   `template`, `end`; variables `$x := …`, `$x = …`, `$`, scoped to their block;
 * - pipelines `a | f b`, parenthesised pipelines, field chains on `.`, on variables and on `( … )`;
 * - the builtins `and or not len index eq ne lt le gt ge print printf`, plus the functions the caller passes.
 *
 * Values follow Go's types as Helm sees them: JS `bigint` is Go's `int` (integer literals, `int`, `len`, `range`
 * indexes), JS `number` is `float64` (every number read from YAML values, as Helm decodes them), so comparing the two
 * fails with "incompatible types for comparison" as in Go, and a float prints as Go's `%v` does (`1e+06`). A
 * missing map key is nil and prints `<no value>` (Helm then removes that text); a field of nil, or a missing field
 * of a {@link goStruct} (`.Release.name`), is an error. Where Go would print an error marker (`%!d(float64=3)`),
 * this renderer throws instead. Anything outside this subset (`block`, `else with`, `break`, custom delimiters,
 * method values of Go types) is a parse error, so a template that leaves the subset fails the tests loudly.
 */

/** A template function: receives evaluated arguments (the piped value last) and returns a value. */
export type TemplateFunction = (...args: unknown[]) => unknown;

/** An error in parsing or executing a template, naming the template and line. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

const structs = new WeakSet<object>();

/**
 * Marks `fields` as a Go struct rather than a map: reading a field it lacks is an error
 * (`can't evaluate field name`), as for Helm's `.Release`, `.Chart`, `.Files`. Returns the same object.
 */
export function goStruct<T extends object>(fields: T): T {
  structs.add(fields);
  return fields;
}

// ---------------------------------------------------------------------------------------------------------------
// Syntax tree

type Operand =
  | { readonly kind: 'field'; readonly base: 'dot' | 'var' | 'paren'; readonly variable?: string; readonly inner?: Pipeline; readonly path: readonly string[] }
  | { readonly kind: 'function'; readonly name: string }
  | { readonly kind: 'literal'; readonly value: unknown };

type Command = readonly Operand[];

interface Pipeline {
  readonly declare?: { readonly names: readonly string[]; readonly assign: boolean };
  readonly commands: readonly Command[];
  readonly line: number;
}

type Node =
  | { readonly kind: 'text'; text: string }
  | { readonly kind: 'output'; readonly pipe: Pipeline }
  | { readonly kind: 'if'; readonly branches: ReadonlyArray<{ readonly condition: Pipeline; readonly body: Node[] }>; readonly otherwise: Node[] | undefined }
  | { readonly kind: 'range' | 'with'; readonly pipe: Pipeline; readonly body: Node[]; readonly otherwise: Node[] | undefined }
  | { readonly kind: 'template'; readonly name: string; readonly pipe: Pipeline | undefined; readonly line: number };

// ---------------------------------------------------------------------------------------------------------------
// Lexing: text and actions

interface RawAction {
  readonly kind: 'action';
  readonly content: string;
  readonly line: number;
}
type Piece = { readonly kind: 'text'; text: string } | RawAction;

function splitActions(source: string, templateName: string): Piece[] {
  const pieces: Piece[] = [];
  let position = 0;
  // Set by a ` -}}`: the text after that action loses its leading white space.
  let trimLeading = false;
  const lineAt = (index: number): number => source.slice(0, index).split('\n').length;
  for (;;) {
    const open = source.indexOf('{{', position);
    let text = source.slice(position, open < 0 ? source.length : open);
    if (trimLeading) text = text.replace(/^\s+/, '');
    if (open < 0) {
      pieces.push({ kind: 'text', text });
      return pieces;
    }
    let start = open + 2;
    // `{{- ` trims the white space before the action; Go requires the space after the dash (`{{-3}}` is a number).
    if (/^-[ \t\r\n]/.test(source.slice(start, start + 2))) {
      text = text.replace(/\s+$/, '');
      start += 2;
    }
    pieces.push({ kind: 'text', text });
    const close = findActionEnd(source, start, templateName, lineAt(open));
    trimLeading = /[ \t\r\n]-$/.test(source.slice(close - 2, close));
    pieces.push({ kind: 'action', content: source.slice(start, trimLeading ? close - 2 : close).trim(), line: lineAt(open) });
    position = close + 2;
  }
}

/** Index of the `}}` closing the action that starts at `from`, skipping quoted strings and comments. */
function findActionEnd(source: string, from: number, templateName: string, line: number): number {
  let index = from;
  while (index < source.length) {
    const char = source[index];
    if (source.startsWith('/*', index)) {
      const end = source.indexOf('*/', index + 2);
      if (end < 0) break;
      index = end + 2;
      continue;
    }
    if (char === '"' || char === '`') {
      index = skipString(source, index, templateName, line);
      continue;
    }
    if (source.startsWith('}}', index)) return index;
    index += 1;
  }
  throw new TemplateError(`template: ${templateName}:${line}: unclosed action`);
}

function skipString(source: string, start: number, templateName: string, line: number): number {
  const quote = source[start];
  let index = start + 1;
  while (index < source.length) {
    if (quote === '"' && source[index] === '\\') {
      index += 2;
      continue;
    }
    if (source[index] === quote) return index + 1;
    if (quote === '"' && source[index] === '\n') break;
    index += 1;
  }
  throw new TemplateError(`template: ${templateName}:${line}: unterminated quoted string`);
}

// ---------------------------------------------------------------------------------------------------------------
// Lexing inside an action

type Token =
  | { readonly kind: 'field'; readonly path: readonly string[] }
  | { readonly kind: 'variable'; readonly name: string; readonly path: readonly string[] }
  | { readonly kind: 'identifier'; readonly name: string }
  | { readonly kind: 'literal'; readonly value: unknown }
  | { readonly kind: 'chainedFields'; readonly path: readonly string[] }
  | { readonly kind: 'symbol'; readonly symbol: '(' | ')' | '|' | ':=' | '=' | ',' };

const identifierPattern = /^[A-Za-z_][A-Za-z0-9_]*/;

function tokenize(content: string, fail: (message: string) => TemplateError): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  const readPath = (): string[] => {
    const path: string[] = [];
    while (content[index] === '.') {
      const match = identifierPattern.exec(content.slice(index + 1));
      if (!match) break;
      path.push(match[0]);
      index += 1 + match[0].length;
    }
    return path;
  };
  while (index < content.length) {
    const char = content[index]!;
    if (/\s/.test(char)) {
      index += 1;
      continue;
    }
    if (char === '(' || char === ')' || char === '|' || char === ',') {
      tokens.push({ kind: 'symbol', symbol: char });
      index += 1;
      // Fields read off a parenthesised pipeline: `(include "x" .).a`.
      if (char === ')' && content[index] === '.') tokens.push({ kind: 'chainedFields', path: readPath() });
      continue;
    }
    if (content.startsWith(':=', index)) {
      tokens.push({ kind: 'symbol', symbol: ':=' });
      index += 2;
      continue;
    }
    if (char === '=') {
      tokens.push({ kind: 'symbol', symbol: '=' });
      index += 1;
      continue;
    }
    if (char === '"') {
      const end = skipString(content, index, '', 0);
      tokens.push({ kind: 'literal', value: JSON.parse(content.slice(index, end).replace(/\\'/g, "'")) as string });
      index = end;
      continue;
    }
    if (char === '`') {
      const end = content.indexOf('`', index + 1);
      if (end < 0) throw fail('unterminated raw quoted string');
      tokens.push({ kind: 'literal', value: content.slice(index + 1, end) });
      index = end + 1;
      continue;
    }
    if (char === '.') {
      if (!identifierPattern.test(content.slice(index + 1))) {
        tokens.push({ kind: 'field', path: [] });
        index += 1;
        continue;
      }
      tokens.push({ kind: 'field', path: readPath() });
      continue;
    }
    if (char === '$') {
      const match = /^[A-Za-z0-9_]*/.exec(content.slice(index + 1))!;
      index += 1 + match[0].length;
      tokens.push({ kind: 'variable', name: `$${match[0]}`, path: readPath() });
      continue;
    }
    const number = /^-?(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)/.exec(content.slice(index));
    if (number && (char !== '-' || /\d/.test(content[index + 1] ?? ''))) {
      const text = number[0];
      tokens.push({ kind: 'literal', value: /^-?(0x[0-9a-fA-F]+|\d+)$/.test(text) ? BigInt(text) : Number(text) });
      index += text.length;
      continue;
    }
    const identifier = identifierPattern.exec(content.slice(index));
    if (identifier) {
      const name = identifier[0];
      index += name.length;
      if (name === 'true' || name === 'false') tokens.push({ kind: 'literal', value: name === 'true' });
      else if (name === 'nil') tokens.push({ kind: 'literal', value: null });
      else tokens.push({ kind: 'identifier', name });
      continue;
    }
    throw fail(`unexpected "${char}" in action`);
  }
  return tokens;
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

const builtinNames = new Set(['and', 'or', 'not', 'len', 'index', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'print', 'printf']);

interface ParseResult {
  readonly root: Node[];
  readonly defines: Map<string, Node[]>;
}

function parseTemplate(source: string, templateName: string, functionNames: ReadonlySet<string>): ParseResult {
  const pieces = splitActions(source, templateName);
  const defines = new Map<string, Node[]>();
  let cursor = 0;

  const failAt = (line: number) => (message: string): TemplateError => new TemplateError(`template: ${templateName}:${line}: ${message}`);

  const parsePipeline = (tokens: Token[], line: number): Pipeline => {
    const fail = failAt(line);
    let position = 0;
    let declare: Pipeline['declare'];
    // `$a := …`, `$a, $b := …` (range), `$a = …`.
    const variables: string[] = [];
    let probe = 0;
    for (let token = tokens[probe]; token?.kind === 'variable' && token.path.length === 0; token = tokens[probe]) {
      variables.push(token.name);
      probe += 1;
      const next = tokens[probe];
      if (next?.kind === 'symbol' && next.symbol === ',') {
        probe += 1;
        continue;
      }
      if (next?.kind === 'symbol' && (next.symbol === ':=' || next.symbol === '=')) {
        declare = { names: variables, assign: next.symbol === '=' };
        position = probe + 1;
      }
      break;
    }

    const parseOperand = (): Operand => {
      const token = tokens[position];
      if (!token) throw fail('missing value');
      position += 1;
      switch (token.kind) {
        case 'field':
          return { kind: 'field', base: 'dot', path: token.path };
        case 'variable':
          return { kind: 'field', base: 'var', variable: token.name, path: token.path };
        case 'literal':
          return { kind: 'literal', value: token.value };
        case 'identifier':
          if (!builtinNames.has(token.name) && !functionNames.has(token.name)) throw fail(`function "${token.name}" not defined`);
          return { kind: 'function', name: token.name };
        case 'symbol': {
          if (token.symbol !== '(') throw fail(`unexpected "${token.symbol}"`);
          let depth = 1;
          const start = position;
          while (position < tokens.length && depth > 0) {
            const inner = tokens[position]!;
            if (inner.kind === 'symbol' && inner.symbol === '(') depth += 1;
            if (inner.kind === 'symbol' && inner.symbol === ')') depth -= 1;
            position += 1;
          }
          if (depth > 0) throw fail('unclosed left paren');
          const inner = parsePipeline(tokens.slice(start, position - 1), line);
          let path: readonly string[] = [];
          const chained = tokens[position];
          if (chained?.kind === 'chainedFields') {
            path = chained.path;
            position += 1;
          }
          return { kind: 'field', base: 'paren', inner, path };
        }
        default:
          throw fail('unexpected token');
      }
    };

    const commands: Command[] = [];
    let command: Operand[] = [];
    while (position < tokens.length) {
      const token = tokens[position]!;
      if (token.kind === 'symbol' && token.symbol === '|') {
        if (command.length === 0) throw fail('missing command before "|"');
        commands.push(command);
        command = [];
        position += 1;
        continue;
      }
      command.push(parseOperand());
    }
    if (command.length === 0) throw fail('missing value for command');
    commands.push(command);
    return { declare, commands, line };
  };

  /** Parses nodes until one of `stops` (`end`, `else`); returns the nodes and the stopping action's words. */
  const parseList = (stops: readonly string[]): { nodes: Node[]; stop: { word: string; rest: Token[]; line: number } | undefined } => {
    const nodes: Node[] = [];
    while (cursor < pieces.length) {
      const piece = pieces[cursor]!;
      cursor += 1;
      if (piece.kind === 'text') {
        if (piece.text) nodes.push({ kind: 'text', text: piece.text });
        continue;
      }
      if (piece.content.startsWith('/*')) {
        if (!piece.content.endsWith('*/')) throw failAt(piece.line)('comment ends before closing delimiter');
        continue;
      }
      const fail = failAt(piece.line);
      const tokens = tokenize(piece.content, fail);
      const head = tokens[0];
      const word = head?.kind === 'identifier' ? head.name : undefined;
      const rest = tokens.slice(1);
      if (word === 'end' || word === 'else') {
        if (!stops.includes(word)) throw fail(`unexpected {{${word}}}`);
        return { nodes, stop: { word, rest, line: piece.line } };
      }
      if (word === 'if') {
        const branches: Array<{ condition: Pipeline; body: Node[] }> = [];
        let condition = parsePipeline(rest, piece.line);
        let otherwise: Node[] | undefined;
        for (;;) {
          const { nodes: body, stop } = parseList(['end', 'else']);
          if (!stop) throw fail('unexpected EOF in if');
          branches.push({ condition, body });
          if (stop.word === 'end') break;
          const elseHead = stop.rest[0];
          if (elseHead?.kind === 'identifier' && elseHead.name === 'if') {
            condition = parsePipeline(stop.rest.slice(1), stop.line);
            continue;
          }
          if (stop.rest.length > 0) throw failAt(stop.line)('only "else" and "else if" are supported');
          const tail = parseList(['end']);
          if (!tail.stop) throw fail('unexpected EOF in else');
          otherwise = tail.nodes;
          break;
        }
        nodes.push({ kind: 'if', branches, otherwise });
        continue;
      }
      if (word === 'range' || word === 'with') {
        const pipe = parsePipeline(rest, piece.line);
        const { nodes: body, stop } = parseList(['end', 'else']);
        if (!stop) throw fail(`unexpected EOF in ${word}`);
        let otherwise: Node[] | undefined;
        if (stop.word === 'else') {
          if (stop.rest.length > 0) throw failAt(stop.line)(`only a plain "else" is supported in ${word}`);
          const tail = parseList(['end']);
          if (!tail.stop) throw fail(`unexpected EOF in ${word}`);
          otherwise = tail.nodes;
        }
        nodes.push({ kind: word, pipe, body, otherwise });
        continue;
      }
      if (word === 'define') {
        const name = rest[0];
        if (name?.kind !== 'literal' || typeof name.value !== 'string' || rest.length !== 1) throw fail('define takes one quoted name');
        const { nodes: body, stop } = parseList(['end']);
        if (!stop) throw fail('unexpected EOF in define');
        defines.set(name.value, body);
        continue;
      }
      if (word === 'template') {
        const name = rest[0];
        if (name?.kind !== 'literal' || typeof name.value !== 'string') throw fail('template takes a quoted name');
        nodes.push({ kind: 'template', name: name.value, pipe: rest.length > 1 ? parsePipeline(rest.slice(1), piece.line) : undefined, line: piece.line });
        continue;
      }
      if (word && ['block', 'break', 'continue'].includes(word)) throw fail(`{{${word}}} is outside the subset this renderer supports`);
      nodes.push({ kind: 'output', pipe: parsePipeline(tokens, piece.line) });
    }
    return { nodes, stop: undefined };
  };

  const { nodes, stop } = parseList([]);
  if (stop) throw failAt(stop.line)(`unexpected {{${stop.word}}}`);
  return { root: nodes, defines };
}

// ---------------------------------------------------------------------------------------------------------------
// Values as Go sees them

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !structs.has(value);
}

/** Go's notion of truth: false, 0, nil, and empty strings, lists and maps are false. */
export function isTrue(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === 0n || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isMap(value)) return Object.keys(value).length > 0;
  return true;
}

/** The Go type name of a value, for error messages. */
export function goTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return 'float64';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return '[]interface {}';
  if (typeof value === 'function') return 'func';
  return structs.has(value) ? 'struct' : 'map[string]interface {}';
}

/** A float64 as Go's `%v` prints it (`strconv.FormatFloat(v, 'g', -1, 64)`): shortest digits, exponent form below 1e-4 and from 1e6. */
export function formatGoFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  // strconv's 'g' with the shortest precision switches to %e when the exponent is < -4 or >= 6 (ftoa.go:
  // "if precision was the shortest possible, use precision 6 for this decision"): Helm's 1000000 prints 1e+06.
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return String(value);
}

/** A value as Go's `fmt.Sprint` writes it (what `{{ x }}` outputs). */
export function printValue(value: unknown): string {
  if (value === null || value === undefined) return '<no value>';
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return formatGoFloat(value);
  if (Array.isArray(value)) return `[${value.map((item) => (item === null || item === undefined ? '<nil>' : printValue(item))).join(' ')}]`;
  if (isMap(value)) {
    const entries = Object.keys(value).sort().map((key) => `${key}:${value[key] === null || value[key] === undefined ? '<nil>' : printValue(value[key])}`);
    return `map[${entries.join(' ')}]`;
  }
  throw new TemplateError(`cannot print a value of type ${goTypeName(value)}`);
}

type Comparable = bigint | number | string | boolean;

function comparable(name: string, left: unknown, right: unknown, ordered: boolean): [Comparable, Comparable] {
  const kind = (value: unknown): string => (typeof value === 'bigint' ? 'int' : typeof value === 'number' ? 'float' : typeof value === 'string' ? 'string' : typeof value === 'boolean' && !ordered ? 'bool' : 'other');
  const leftKind = kind(left);
  const rightKind = kind(right);
  if (leftKind === 'other' || rightKind === 'other') throw new TemplateError(`error calling ${name}: invalid type for comparison`);
  if (leftKind !== rightKind) throw new TemplateError(`error calling ${name}: incompatible types for comparison`);
  return [left as Comparable, right as Comparable];
}

function printf(format: string, ...args: unknown[]): string {
  let argument = 0;
  return format.replace(/%([%sdvq])/g, (whole, verb: string) => {
    if (verb === '%') return '%';
    if (argument >= args.length) throw new TemplateError(`printf: missing argument for %${verb}`);
    const value = args[argument++];
    if (verb === 'v') return printValue(value);
    if (verb === 'd') {
      if (typeof value !== 'bigint') throw new TemplateError(`printf: %d of a ${goTypeName(value)} (Go prints %!d(${goTypeName(value)}=…)); convert with int`);
      return String(value);
    }
    if (typeof value !== 'string') throw new TemplateError(`printf: %${verb} of a ${goTypeName(value)} (Go prints %!${verb}(…))`);
    return verb === 's' ? value : goQuote(value);
  });
}

/** Go's `strconv.Quote` for the characters a chart meets: `"`, `\`, control characters escaped. */
export function goQuote(text: string): string {
  const escapes: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\v': '\\v' };
  // eslint-disable-next-line no-control-regex
  return `"${text.replace(/["\\\x00-\x1f\x7f]/g, (char) => escapes[char] ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`;
}

const builtins: Record<string, TemplateFunction> = {
  not: (value) => !isTrue(value),
  len: (value) => {
    if (typeof value === 'string' || Array.isArray(value)) return BigInt(value.length);
    if (isMap(value)) return BigInt(Object.keys(value).length);
    throw new TemplateError(`error calling len: len of type ${goTypeName(value)}`);
  },
  index: (collection, ...keys) => {
    let current = collection;
    for (const key of keys) {
      if (Array.isArray(current) && typeof key === 'bigint') current = current[Number(key)];
      else if (isMap(current) && typeof key === 'string') current = current[key];
      else throw new TemplateError(`error calling index: cannot index ${goTypeName(current)} with ${goTypeName(key)}`);
    }
    return current;
  },
  eq: (left, ...rights) => {
    if (rights.length === 0) throw new TemplateError('wrong number of args for eq: want at least 2 got 1');
    return rights.some((right) => {
      if ((left === null || left === undefined) && (right === null || right === undefined)) return true;
      const [a, b] = comparable('eq', left, right, false);
      return a === b;
    });
  },
  ne: (left, right) => {
    const [a, b] = comparable('ne', left, right, false);
    return a !== b;
  },
  lt: (left, right) => {
    const [a, b] = comparable('lt', left, right, true);
    return a < b;
  },
  le: (left, right) => {
    const [a, b] = comparable('le', left, right, true);
    return a <= b;
  },
  gt: (left, right) => {
    const [a, b] = comparable('gt', left, right, true);
    return a > b;
  },
  ge: (left, right) => {
    const [a, b] = comparable('ge', left, right, true);
    return a >= b;
  },
  print: (...args) => args.map((arg, i) => (i > 0 && typeof arg !== 'string' && typeof args[i - 1] !== 'string' ? ' ' : '') + printValue(arg)).join(''),
  printf: (format, ...args) => {
    if (typeof format !== 'string') throw new TemplateError('printf: format is not a string');
    return printf(format, ...args);
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Execution

interface Scope {
  readonly dot: unknown;
  readonly variables: Array<{ name: string; value: unknown }>;
}

/** A set of parsed templates sharing their `define`s, as Helm parses a chart's template files together. */
export interface TemplateSet {
  /** Renders the template file `name` with `data` as `.` and `$`. */
  render(name: string, data: unknown): string;
  /** Runs the `define`d template `name` with `data` (Helm's `include`). */
  include(name: string, data: unknown): string;
}

/**
 * Parses every file of `files` (name → source) into one set. `functions` are the functions templates may call
 * besides Go's builtins; a function that receives the set (Helm's `include`) can be built from `set`'s methods
 * after this returns, since calls are resolved when they run.
 */
export function parseTemplates(files: ReadonlyMap<string, string>, functions: Readonly<Record<string, TemplateFunction>>): TemplateSet {
  const functionNames = new Set(Object.keys(functions));
  const roots = new Map<string, Node[]>();
  const defines = new Map<string, { nodes: Node[]; file: string }>();
  for (const [name, source] of files) {
    const parsed = parseTemplate(source, name, functionNames);
    roots.set(name, parsed.root);
    for (const [defined, nodes] of parsed.defines) defines.set(defined, { nodes, file: name });
  }

  const execute = (nodes: readonly Node[], scope: Scope, file: string, out: string[]): void => {
    const mark = scope.variables.length;
    try {
      for (const node of nodes) executeNode(node, scope, file, out);
    } finally {
      scope.variables.length = mark;
    }
  };

  const withContext = <T>(file: string, line: number, run: () => T): T => {
    try {
      return run();
    } catch (error) {
      if (error instanceof TemplateError && error.message.startsWith('template: ')) throw error;
      throw new TemplateError(`template: ${file}:${line}: ${(error as Error).message}`, { cause: error });
    }
  };

  const lookupVariable = (scope: Scope, name: string): unknown => {
    for (let i = scope.variables.length - 1; i >= 0; i -= 1) if (scope.variables[i]!.name === name) return scope.variables[i]!.value;
    throw new TemplateError(`undefined variable: ${name}`);
  };

  const readField = (value: unknown, field: string): unknown => {
    if (value === null || value === undefined) throw new TemplateError(`nil pointer evaluating interface {}.${field}`);
    if (isMap(value)) return value[field];
    if (typeof value === 'object' && structs.has(value)) {
      if (!(field in value)) throw new TemplateError(`can't evaluate field ${field} in type struct`);
      return (value as Record<string, unknown>)[field];
    }
    throw new TemplateError(`can't evaluate field ${field} in type ${goTypeName(value)}`);
  };

  const evaluateCommand = (command: Command, scope: Scope, piped: { value: unknown } | undefined): unknown => {
    const [first, ...rest] = command;
    const evaluateArgs = (): unknown[] => {
      const args = rest.map((operand) => evaluateOperand(operand, scope));
      if (piped) args.push(piped.value);
      return args;
    };
    if (first!.kind === 'function') {
      const name = first!.name;
      // and/or stop at the first argument that decides, and return it, as in Go 1.18+.
      if (name === 'and' || name === 'or') {
        const operands: Array<() => unknown> = rest.map((operand) => () => evaluateOperand(operand, scope));
        if (piped) operands.push(() => piped.value);
        if (operands.length === 0) throw new TemplateError(`wrong number of args for ${name}: want at least 1 got 0`);
        let result: unknown;
        for (const operand of operands) {
          result = operand();
          if (name === 'and' ? !isTrue(result) : isTrue(result)) return result;
        }
        return result;
      }
      const fn = builtins[name] ?? functions[name];
      return fn!(...evaluateArgs());
    }
    if (first!.kind === 'field' && first!.path.length > 0) {
      // A field chain may end in a method (`.Files.Get "x"`): the last name is called with the arguments.
      const holder = evaluateOperand({ ...first!, path: first!.path.slice(0, -1) }, scope);
      const member = readField(holder, first!.path.at(-1)!);
      if (typeof member === 'function') return (member as TemplateFunction)(...evaluateArgs());
      if (rest.length > 0 || piped) throw new TemplateError(`can't give argument to non-function ${first!.path.join('.')}`);
      return member;
    }
    if (rest.length > 0 || piped) throw new TemplateError(`can't give argument to non-function`);
    return evaluateOperand(first!, scope);
  };

  const evaluateOperand = (operand: Operand, scope: Scope): unknown => {
    if (operand.kind === 'literal') return operand.value;
    if (operand.kind === 'function') return evaluateCommand([operand], scope, undefined);
    let value: unknown = operand.base === 'dot' ? scope.dot : operand.base === 'var' ? lookupVariable(scope, operand.variable!) : evaluatePipeline(operand.inner!, scope);
    for (const field of operand.path) value = readField(value, field);
    return value;
  };

  const evaluatePipeline = (pipe: Pipeline, scope: Scope): unknown => {
    let piped: { value: unknown } | undefined;
    for (const command of pipe.commands) piped = { value: evaluateCommand(command, scope, piped) };
    const value = piped!.value;
    if (pipe.declare && pipe.declare.names.length === 1) {
      const name = pipe.declare.names[0]!;
      if (pipe.declare.assign) {
        const variable = [...scope.variables].reverse().find((candidate) => candidate.name === name);
        if (!variable) throw new TemplateError(`undefined variable: ${name}`);
        variable.value = value;
      } else {
        scope.variables.push({ name, value });
      }
    }
    return value;
  };

  const executeNode = (node: Node, scope: Scope, file: string, out: string[]): void => {
    switch (node.kind) {
      case 'text':
        out.push(node.text);
        return;
      case 'output':
        withContext(file, node.pipe.line, () => {
          const value = evaluatePipeline(node.pipe, scope);
          if (!node.pipe.declare) out.push(printValue(value));
        });
        return;
      case 'if':
        for (const branch of node.branches) {
          if (withContext(file, branch.condition.line, () => isTrue(evaluatePipeline(branch.condition, scope)))) {
            execute(branch.body, scope, file, out);
            return;
          }
        }
        if (node.otherwise) execute(node.otherwise, scope, file, out);
        return;
      case 'with': {
        const value = withContext(file, node.pipe.line, () => evaluatePipeline({ ...node.pipe, declare: undefined }, scope));
        if (isTrue(value)) execute(node.body, { dot: value, variables: scope.variables }, file, out);
        else if (node.otherwise) execute(node.otherwise, scope, file, out);
        return;
      }
      case 'range': {
        const collection = withContext(file, node.pipe.line, () => evaluatePipeline({ ...node.pipe, declare: undefined }, scope));
        const names = node.pipe.declare?.names ?? [];
        let entries: Array<[unknown, unknown]>;
        if (Array.isArray(collection)) entries = collection.map((item, index) => [BigInt(index), item]);
        else if (isMap(collection)) entries = Object.keys(collection).sort().map((key) => [key, collection[key]]);
        else if (collection === null || collection === undefined) entries = [];
        else throw new TemplateError(`template: ${file}:${node.pipe.line}: range can't iterate over ${printValue(collection)}`);
        if (entries.length === 0) {
          if (node.otherwise) execute(node.otherwise, scope, file, out);
          return;
        }
        for (const [key, item] of entries) {
          const mark = scope.variables.length;
          if (names.length === 1) scope.variables.push({ name: names[0]!, value: item });
          if (names.length === 2) scope.variables.push({ name: names[0]!, value: key }, { name: names[1]!, value: item });
          execute(node.body, { dot: item, variables: scope.variables }, file, out);
          scope.variables.length = mark;
        }
        return;
      }
      case 'template': {
        const data = node.pipe ? withContext(file, node.line, () => evaluatePipeline(node.pipe!, scope)) : null;
        out.push(withContext(file, node.line, () => runDefine(node.name, data)));
        return;
      }
    }
  };

  const runDefine = (name: string, data: unknown): string => {
    const defined = defines.get(name);
    if (!defined) throw new TemplateError(`no template "${name}" associated with template`);
    const out: string[] = [];
    execute(defined.nodes, { dot: data, variables: [{ name: '$', value: data }] }, defined.file, out);
    return out.join('');
  };

  return {
    render(name, data) {
      const root = roots.get(name);
      if (!root) throw new TemplateError(`no template file "${name}"`);
      const out: string[] = [];
      execute(root, { dot: data, variables: [{ name: '$', value: data }] }, name, out);
      return out.join('');
    },
    include: runDefine,
  };
}
