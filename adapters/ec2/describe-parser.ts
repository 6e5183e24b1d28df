import type { Reservation } from '@aws-sdk/client-ec2';

/**
 * The members of a DescribeInstances answer the adapter reads, in the SDK's
 * own output shape (a subset of `DescribeInstancesCommandOutput`), so
 * `listing.ts` and `absence.ts` read either without knowing which parser ran.
 */
export interface ParsedDescribeInstances {
  Reservations?: Reservation[];
  NextToken?: string;
}

/** What an element the adapter reads is, given its parent's kind and its own name. Everything not named in `childKinds` is skipped with its subtree. */
type Kind =
  | 'root'
  | 'reservations'
  | 'reservation'
  | 'reservationId'
  | 'instances'
  | 'instance'
  | 'instanceId'
  | 'state'
  | 'stateCode'
  | 'stateName'
  | 'stateReason'
  | 'reasonCode'
  | 'reasonMessage'
  | 'transitionReason'
  | 'tags'
  | 'tag'
  | 'tagKey'
  | 'tagValue'
  | 'nextToken';

/**
 * The element tree the adapter reads, as EC2's XML names it (the service
 * model's `locationName`s: reservationSet/item/instancesSet/item/…). A
 * member missing from this table is skipped, as the SDK skips what its
 * schema does not name.
 */
const childKinds: Readonly<Partial<Record<Kind, readonly (readonly [name: string, kind: Kind])[]>>> = {
  root: [['reservationSet', 'reservations'], ['nextToken', 'nextToken']],
  reservations: [['item', 'reservation']],
  reservation: [['reservationId', 'reservationId'], ['instancesSet', 'instances']],
  instances: [['item', 'instance']],
  instance: [['instanceId', 'instanceId'], ['instanceState', 'state'], ['stateReason', 'stateReason'], ['reason', 'transitionReason'], ['tagSet', 'tags']],
  state: [['code', 'stateCode'], ['name', 'stateName']],
  stateReason: [['code', 'reasonCode'], ['message', 'reasonMessage']],
  tags: [['item', 'tag']],
  tag: [['key', 'tagKey'], ['value', 'tagValue']],
};

/** A child the adapter reads: its name, as text and as the UTF-8 bytes it is compared by, and its kind. */
interface Child {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly kind: Kind;
}

const childrenByKind: Readonly<Partial<Record<Kind, readonly Child[]>>> = Object.fromEntries(
  Object.entries(childKinds).map(([parent, children]) => [parent, children.map(([name, kind]) => ({ name, bytes: Buffer.from(name, 'latin1'), kind }))]),
);

/** Kinds whose text is a value. */
const leafKinds: ReadonlySet<Kind> = new Set(['reservationId', 'instanceId', 'stateCode', 'stateName', 'reasonCode', 'reasonMessage', 'transitionReason', 'tagKey', 'tagValue', 'nextToken']);

/** The five entities XML predefines; any other named entity reads as nothing, as in the SDK's parser. */
const namedEntities: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const entityPattern = /&(?:#x([0-9a-fA-F]{1,6})|#(\d{1,7})|([a-zA-Z][a-zA-Z0-9]{0,30}));/g;

function codePoint(value: number): string {
  return value <= 0x10ffff ? String.fromCodePoint(value) : '';
}

function decodeEntities(text: string): string {
  return text.replace(entityPattern, (_match, hex: string | undefined, decimal: string | undefined, named: string | undefined) => {
    if (hex) return codePoint(parseInt(hex, 16));
    if (decimal) return codePoint(parseInt(decimal, 10));
    return namedEntities[named ?? ''] ?? '';
  });
}

/** XML line-end handling (XML 1.0 §2.11), applied to raw text before entities are decoded. */
function normalizeLineEnds(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** A value of only whitespace that spans lines is indentation, not a value (the SDK reads it as ''). */
function finishedValue(text: string): string {
  return text.includes('\n') && text.trim() === '' ? '' : text;
}

/** One open element: its name, what it is, and the object it fills. */
interface Frame {
  readonly name: string;
  /** Where its name starts in the answer, so its end tag is compared in place. */
  readonly nameStart: number;
  readonly nameLength: number;
  readonly kind: Kind;
  readonly target: Record<string, unknown> | undefined;
  /** Text of a leaf so far: its text runs (entities decoded) and CDATA sections (as written), joined; undefined for a container. */
  text: string | undefined;
  /** A leaf with an element inside is no value (the SDK reads an object there); it is left unset. */
  mixed: boolean;
}

class XmlShapeError extends Error {}

function fail(problem: string, at: number): never {
  throw new XmlShapeError(`${problem} at byte ${at}`);
}

// The bytes the scan looks for. UTF-8 encodes every character above U+007F in bytes above 0x7F, so
// markup found byte by byte is markup, and a value's bytes are decoded only once the value is found.
const lessThan = 0x3c;
const greaterThan = 0x3e;
const slash = 0x2f;
const questionMark = 0x3f;
const exclamationMark = 0x21;
const ampersand = 0x26;
const carriageReturn = 0x0d;
const lineFeed = 0x0a;
const doubleQuote = 0x22;
const singleQuote = 0x27;

/** XML's whitespace bytes (space, tab, CR, LF); also what `answer-check.ts` reads a blank body by. */
export function isXmlWhitespace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === lineFeed || byte === 0x09 || byte === carriageReturn;
}

/** True for the bytes that end a tag's name: whitespace, `/` and `>`. */
function endsName(byte: number | undefined): boolean {
  return byte === greaterThan || byte === slash || isXmlWhitespace(byte);
}

const ascii = (text: string): Uint8Array => Buffer.from(text, 'latin1');
const commentOpen = ascii('<!--');
const commentClose = ascii('-->');
const cdataOpen = ascii('<![CDATA[');
const cdataClose = ascii(']]>');
const doctypeOpen = ascii('<!DOCTYPE');
const instructionClose = ascii('?>');
const byteOrderMark = ascii('\xef\xbb\xbf');

/** Index of the first `byte` at or after `from`, or -1. */
function indexOfByte(bytes: Uint8Array, byte: number, from: number): number {
  for (let index = from; index < bytes.length; index++) if (bytes[index] === byte) return index;
  return -1;
}

/** True when `bytes` holds `expected` at `at`; with `ignoreCase`, ASCII letters match either case. */
function bytesAt(bytes: Uint8Array, at: number, expected: Uint8Array, ignoreCase = false): boolean {
  if (at + expected.length > bytes.length) return false;
  for (let offset = 0; offset < expected.length; offset++) {
    const byte = bytes[at + offset] ?? 0;
    const wanted = expected[offset] ?? 0;
    if (byte !== wanted && !(ignoreCase && (byte | 0x20) === (wanted | 0x20) && (wanted | 0x20) >= 0x61 && (wanted | 0x20) <= 0x7a)) return false;
  }
  return true;
}

/** The index just after the first `stop` at or after `from`; fails naming `what` when there is none. */
function skipPast(bytes: Uint8Array, from: number, stop: Uint8Array, what: string): number {
  const first = stop[0] ?? 0;
  for (let index = indexOfByte(bytes, first, from); index !== -1; index = indexOfByte(bytes, first, index + 1)) {
    if (bytesAt(bytes, index, stop)) return index + stop.length;
  }
  return fail(`an unclosed ${what}`, from);
}

function skipDoctype(bytes: Uint8Array, from: number): number {
  let depth = 0;
  for (let index = from; index < bytes.length; index++) {
    const byte = bytes[index];
    if (byte === 0x5b /* [ */) depth++;
    else if (byte === 0x5d /* ] */) depth--;
    else if (byte === greaterThan && depth === 0) return index + 1;
  }
  return fail('an unclosed DOCTYPE', from);
}

/** Index of the first byte after the tag name that starts at `from`. */
function nameEndAt(bytes: Uint8Array, from: number): number {
  let index = from;
  while (index < bytes.length && !endsName(bytes[index])) index++;
  return index;
}

/** The `>` that ends the start tag whose name ends at `afterName`, quotes in attribute values respected. */
function startTagEnd(bytes: Uint8Array, afterName: number): number {
  for (let index = afterName; index < bytes.length; index++) {
    const byte = bytes[index];
    if (byte === greaterThan) return index;
    if (byte === doubleQuote || byte === singleQuote) {
      const endQuote = indexOfByte(bytes, byte, index + 1);
      if (endQuote === -1) fail('an unclosed attribute value', index);
      index = endQuote;
    }
  }
  return fail('an unclosed tag', afterName);
}

/**
 * The `>` of the end tag at `open` when it names the element whose name is `bytes[nameStart,
 * nameStart + nameLength)`, or -1 when it names another. Compared in place: closing an element
 * decodes nothing.
 */
function matchingEndTag(bytes: Uint8Array, open: number, nameStart: number, nameLength: number): number {
  const from = open + 2;
  for (let offset = 0; offset < nameLength; offset++) {
    if (bytes[from + offset] !== bytes[nameStart + offset]) return -1;
  }
  let index = from + nameLength;
  while (isXmlWhitespace(bytes[index])) index++;
  return bytes[index] === greaterThan ? index : -1;
}

/** The name an end tag at `open` gives, for an error message. */
function endTagName(scan: Scan, open: number): string {
  const close = indexOfByte(scan.bytes, greaterThan, open + 2);
  if (close === -1) fail('an unclosed end tag', open);
  return scan.bytes.toString('utf8', open + 2, close).trim();
}

/** A name in the answer, for an error message. */
function nameAt(scan: Scan, nameStart: number, nameLength: number): string {
  return scan.bytes.toString('utf8', nameStart, nameStart + nameLength);
}

/** The child of a `parent` element named `bytes[nameStart, nameEnd)` that the adapter reads, or undefined when it skips it. */
function childOf(parent: Kind, bytes: Uint8Array, nameStart: number, nameEnd: number): Child | undefined {
  const children = childrenByKind[parent];
  if (children === undefined) return undefined;
  const length = nameEnd - nameStart;
  for (const child of children) if (child.bytes.length === length && bytesAt(bytes, nameStart, child.bytes)) return child;
  return undefined;
}

function setLeaf(frame: Frame, parent: Frame): void {
  if (frame.mixed || parent.target === undefined) return;
  const value = finishedValue(frame.text ?? '');
  const target = parent.target;
  switch (frame.kind) {
    case 'reservationId':
      target['ReservationId'] = value;
      break;
    case 'instanceId':
      target['InstanceId'] = value;
      break;
    case 'stateCode':
      target['Code'] = Number(value);
      break;
    case 'stateName':
      target['Name'] = value;
      break;
    case 'reasonCode':
      target['Code'] = value;
      break;
    case 'reasonMessage':
      target['Message'] = value;
      break;
    case 'transitionReason':
      target['StateTransitionReason'] = value;
      break;
    case 'tagKey':
      target['Key'] = value;
      break;
    case 'tagValue':
      target['Value'] = value;
      break;
    case 'nextToken':
      target['NextToken'] = value;
      break;
    default:
      break;
  }
}

/** The object an opened container element fills, attached to its parent's. */
function openContainer(kind: Kind, parent: Frame): Record<string, unknown> | undefined {
  const into = parent.target;
  if (into === undefined) return undefined;
  switch (kind) {
    case 'reservations':
      into['Reservations'] = [];
      return into;
    case 'instances':
      into['Instances'] = [];
      return into;
    case 'tags':
      into['Tags'] = [];
      return into;
    case 'reservation':
    case 'instance':
    case 'tag': {
      const list = into[kind === 'reservation' ? 'Reservations' : kind === 'instance' ? 'Instances' : 'Tags'];
      const member: Record<string, unknown> = {};
      if (Array.isArray(list)) list.push(member);
      return member;
    }
    case 'state': {
      const state: Record<string, unknown> = {};
      into['State'] = state;
      return state;
    }
    case 'stateReason': {
      const reason: Record<string, unknown> = {};
      into['StateReason'] = reason;
      return reason;
    }
    default:
      return undefined;
  }
}

/**
 * Reads a DescribeInstances answer (`DescribeInstancesResponse` XML, as the
 * bytes it came in; text is encoded as UTF-8 first) into the members the
 * adapter uses — reservation ids, and per instance its id, `instanceState`
 * code and name, `stateReason` code and message, `reason`
 * (StateTransitionReason) and `tagSet` keys and values — plus `nextToken`,
 * in the SDK's output shape and with the SDK's reading of values: the five
 * XML entities and numeric character references decoded (other named
 * entities read as nothing), CDATA kept as written, CR LF read as LF, a
 * whitespace-only value spanning lines read as '', an empty element as '',
 * a missing one left unset. Everything else (attributes, comments,
 * processing instructions, members it does not name) is skipped in one
 * pass over the bytes, without building a tree or decoding what it skips.
 *
 * It reads bytes, not a decoded string, for speed that does not depend on
 * the process: once any module subclasses `String` (`@redis/client` does,
 * for its RESP `VerbatimString`), V8 runs every `String.prototype` method
 * call such as `charCodeAt` and `indexOf` on a slower path for the rest of
 * the process (`node dist/bench/string-subclass.bench.js` measures it).
 *
 * The root element's name is not judged here (`answer-check.ts` did that
 * on the raw bytes).
 * @throws Error naming the problem and its byte offset when the answer is
 * not well-formed XML (unclosed or mismatched tags, no root element, content
 * after it).
 */
export function parseDescribeInstancesXml(answer: Uint8Array | string): ParsedDescribeInstances {
  const buffer = typeof answer === 'string' ? Buffer.from(answer, 'utf8') : Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength);
  const scan: Scan = { bytes: buffer, output: {}, stack: [], rootSeen: false };
  const length = buffer.length;
  let index = 0;
  while (index < length) {
    const open = indexOfByte(buffer, lessThan, index);
    const textEnd = open === -1 ? length : open;
    if (textEnd > index) readText(scan, index, textEnd);
    if (open === -1) break;
    const next = buffer[open + 1];
    if (next === slash) index = closeElement(scan, open);
    else if (next === questionMark) index = skipPast(buffer, open + 2, instructionClose, 'processing instruction');
    else if (next === exclamationMark) index = readDeclaration(scan, open);
    else index = openElement(scan, open);
  }
  const unclosed = scan.stack[scan.stack.length - 1];
  if (unclosed !== undefined) fail(`a missing closing tag </${unclosed.name}>`, length);
  if (!scan.rootSeen) fail('no root element', 0);
  return scan.output;
}

/** One pass over a DescribeInstances answer: its bytes, the elements open, the output being filled. */
interface Scan {
  /** The answer's bytes (a Buffer, so that values can be decoded from them). */
  readonly bytes: Buffer;
  readonly output: ParsedDescribeInstances;
  readonly stack: Frame[];
  rootSeen: boolean;
}

/** Text between tags: a leaf's value (a piece of it), or nothing but whitespace (or a byte order mark) outside the root element. */
function readText(scan: Scan, from: number, to: number): void {
  const { bytes, stack } = scan;
  const top = stack[stack.length - 1];
  if (top === undefined) {
    const start = from === 0 && bytesAt(bytes, 0, byteOrderMark) ? byteOrderMark.length : from;
    for (let index = start; index < to; index++) {
      if (!isXmlWhitespace(bytes[index])) fail(scan.rootSeen ? 'content after the root element' : 'text before the root element', index);
    }
  } else if (top.text !== undefined) {
    top.text += textValue(scan, from, to);
  }
}

/** The text `bytes[from, to)` decoded, line ends normalised and entities decoded; only text holding `\r` or `&` takes the slower road. */
function textValue(scan: Scan, from: number, to: number): string {
  const { bytes } = scan;
  let plain = true;
  for (let index = from; index < to && plain; index++) plain = bytes[index] !== ampersand && bytes[index] !== carriageReturn;
  const text = scan.bytes.toString('utf8', from, to);
  return plain ? text : decodeEntities(normalizeLineEnds(text));
}

/** An end tag at `open`: closes the innermost element, which it must name, and sets its value if it is a leaf. Returns where the scan goes on. */
function closeElement(scan: Scan, open: number): number {
  const { bytes, stack } = scan;
  const frame = stack.pop();
  if (frame === undefined) fail(`an end tag </${endTagName(scan, open)}> with no element open`, open);
  const close = matchingEndTag(bytes, open, frame.nameStart, frame.nameLength);
  if (close === -1) fail(`mismatched tags <${frame.name}> and </${endTagName(scan, open)}>`, open);
  const parent = stack[stack.length - 1];
  if (parent !== undefined && frame.text !== undefined) setLeaf(frame, parent);
  return close + 1;
}

/** Where a comment, DOCTYPE or CDATA section at `open` ends (the index after it); anything else after `<!` is refused. */
function declarationEnd(bytes: Uint8Array, open: number): number {
  if (bytesAt(bytes, open, commentOpen)) return skipPast(bytes, open + commentOpen.length, commentClose, 'comment');
  if (bytesAt(bytes, open, cdataOpen)) return skipPast(bytes, open + cdataOpen.length, cdataClose, 'CDATA section');
  if (bytesAt(bytes, open, doctypeOpen, true)) return skipDoctype(bytes, open + doctypeOpen.length);
  return fail('an unknown markup declaration', open);
}

/** A `<!` at `open`: a comment or a DOCTYPE (skipped) or a CDATA section (a piece of a leaf's value, as written). Returns where the scan goes on. */
function readDeclaration(scan: Scan, open: number): number {
  const { bytes, stack } = scan;
  const end = declarationEnd(bytes, open);
  if (bytesAt(bytes, open, cdataOpen)) {
    const top = stack[stack.length - 1];
    if (top === undefined) fail('a CDATA section outside the root element', open);
    if (top.text !== undefined) top.text += normalizeLineEnds(scan.bytes.toString('utf8', open + cdataOpen.length, end - cdataClose.length));
  }
  return end;
}

/** An opening (or empty-element) tag at `open`: a frame for it, pushed unless the tag closes itself; an element the adapter does not read is skipped whole. Returns where the scan goes on. */
function openElement(scan: Scan, open: number): number {
  const { bytes, stack } = scan;
  const nameStart = open + 1;
  const afterName = nameEndAt(bytes, nameStart);
  if (afterName === nameStart) fail('a tag without a name', open);
  const close = startTagEnd(bytes, afterName);
  const selfClosing = bytes[close - 1] === slash;
  const parent = stack[stack.length - 1];
  let frame: Frame;
  if (parent === undefined) {
    if (scan.rootSeen) fail('a second root element', open);
    scan.rootSeen = true;
    frame = { name: nameAt(scan, nameStart, afterName - nameStart), nameStart, nameLength: afterName - nameStart, kind: 'root', target: scan.output as Record<string, unknown>, text: undefined, mixed: false };
  } else {
    if (parent.text !== undefined) parent.mixed = true;
    const child = childOf(parent.kind, bytes, nameStart, afterName);
    if (child === undefined) return selfClosing ? close + 1 : skipElement(scan, nameStart, afterName - nameStart, close + 1);
    const isLeaf = leafKinds.has(child.kind);
    frame = { name: child.name, nameStart, nameLength: child.bytes.length, kind: child.kind, target: isLeaf ? undefined : openContainer(child.kind, parent), text: isLeaf ? '' : undefined, mixed: false };
  }
  if (selfClosing) {
    if (parent !== undefined && frame.text !== undefined) setLeaf(frame, parent);
  } else {
    stack.push(frame);
  }
  return close + 1;
}

/**
 * Skips the content of an element the adapter does not read, from `from` (just after its start
 * tag, whose name is at `nameStart`) up to and including its end tag; returns the index after
 * it. The markup inside is judged as the scan judges the rest (nested tags balanced and named
 * alike, comments, CDATA sections and processing instructions closed) with the open elements'
 * names kept as positions, so an ignored member costs one pass over its bytes and, unless it
 * nests, allocates nothing.
 */
function skipElement(scan: Scan, nameStart: number, nameLength: number, from: number): number {
  const { bytes } = scan;
  /** Start and length of each element open around the innermost one, pairwise; made only when the skipped element nests. */
  let outer: number[] | undefined;
  let innermostStart = nameStart;
  let innermostLength = nameLength;
  let index = from;
  for (;;) {
    const open = indexOfByte(bytes, lessThan, index);
    if (open === -1) fail(`a missing closing tag </${nameAt(scan, innermostStart, innermostLength)}>`, bytes.length);
    const next = bytes[open + 1];
    if (next === slash) {
      const close = matchingEndTag(bytes, open, innermostStart, innermostLength);
      if (close === -1) fail(`mismatched tags <${nameAt(scan, innermostStart, innermostLength)}> and </${endTagName(scan, open)}>`, open);
      const outerLength = outer?.pop();
      const outerStart = outer?.pop();
      if (outerStart === undefined || outerLength === undefined) return close + 1;
      innermostStart = outerStart;
      innermostLength = outerLength;
      index = close + 1;
    } else if (next === questionMark) {
      index = skipPast(bytes, open + 2, instructionClose, 'processing instruction');
    } else if (next === exclamationMark) {
      index = declarationEnd(bytes, open);
    } else {
      const afterName = nameEndAt(bytes, open + 1);
      if (afterName === open + 1) fail('a tag without a name', open);
      const close = startTagEnd(bytes, afterName);
      if (bytes[close - 1] !== slash) {
        (outer ??= []).push(innermostStart, innermostLength);
        innermostStart = open + 1;
        innermostLength = afterName - open - 1;
      }
      index = close + 1;
    }
  }
}

const nextTokenOpen = ascii('<nextToken>');
const nextTokenClose = ascii('</nextToken>');

/**
 * The `nextToken` of a DescribeInstances answer as found near its end,
 * without reading the rest: EC2 writes it as the root element's last
 * member, after the reservations. A hint only, so the listing can ask for
 * the next page while this one is read: the value must be plain text (no
 * markup, entity or whitespace, which would need reading; EC2's tokens have
 * none), and the page's own
 * `NextToken`, once {@link parseDescribeInstancesXml} has read it, decides.
 * Undefined when there is no such plain, non-empty element.
 */
export function nextTokenHintOf(answer: Uint8Array): string | undefined {
  const bytes = Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength);
  const open = bytes.lastIndexOf(nextTokenOpen);
  if (open === -1) return undefined;
  const from = open + nextTokenOpen.length;
  const to = bytes.indexOf(nextTokenClose, from);
  if (to <= from) return undefined;
  for (let index = from; index < to; index++) {
    const byte = bytes[index];
    if (byte === lessThan || byte === ampersand || isXmlWhitespace(byte)) return undefined;
  }
  return bytes.toString('utf8', from, to);
}

/** True when `error` came from {@link parseDescribeInstancesXml} finding the text not well-formed. */
export function isXmlShapeError(error: unknown): error is Error {
  return error instanceof XmlShapeError;
}
