import type { Reservation } from '@aws-sdk/client-ec2';
import { RepeatedTexts } from './repeated-texts.js';

/**
 * The members of a DescribeInstances answer the adapter reads, in the SDK's
 * own output shape (a subset of `DescribeInstancesCommandOutput`), so
 * `listing.ts` and `absence.ts` read either without knowing which parser ran.
 */
export interface ParsedDescribeInstances {
  Reservations?: Reservation[];
  NextToken?: string;
}

/**
 * What reading an element does to the object its parent fills (`into`):
 * - `text`: a leaf; its value is set as `into[field]`;
 * - `number`: a leaf read as a number (`Number(value)`), as the SDK reads integers;
 * - `list`: `into[field]` becomes a new list, filled by its `member` children;
 * - `member`: a new object pushed onto the list `into[field]`, then filled by its children;
 * - `object`: `into[field]` becomes a new object, filled by its children.
 */
type Role = 'text' | 'number' | 'list' | 'member' | 'object';

/** An element the adapter reads: its name (and its UTF-8 bytes, which it is compared by), what reading it does, and the children it reads. */
interface ReadElement {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly role: Role;
  /** The SDK's output member it fills (`Reservations`, `InstanceId`). */
  readonly field: string;
  /**
   * Children read, by the length of their name (`childrenByLength[5]` holds those named in five
   * bytes); every other child is skipped with its subtree (a leaf's too). An instance has about
   * 45 children and the adapter reads 5, so most names are refused by their length alone.
   */
  readonly childrenByLength: readonly (readonly ReadElement[] | undefined)[];
  readonly isLeaf: boolean;
  /**
   * A leaf whose values repeat from instance to instance (tag keys, `dcm`, state names): read
   * through the scan's {@link RepeatedTexts}, so a page decodes each such value once, not once
   * an instance.
   */
  readonly repeats: boolean;
}

function byNameLength(children: readonly ReadElement[]): (readonly ReadElement[] | undefined)[] {
  const table: (ReadElement[] | undefined)[] = Array.from({ length: Math.max(0, ...children.map((child) => child.bytes.length)) + 1 }, () => undefined);
  for (const child of children) (table[child.bytes.length] ??= []).push(child);
  return table;
}

interface ElementOptions {
  readonly children?: readonly ReadElement[];
  readonly repeats?: boolean;
}

function element(name: string, role: Role, field: string, { children = [], repeats = false }: ElementOptions = {}): ReadElement {
  return { name, bytes: Buffer.from(name, 'latin1'), role, field, childrenByLength: byNameLength(children), isLeaf: role === 'text' || role === 'number', repeats };
}

/**
 * The element tree the adapter reads, as EC2's XML names it (the service
 * model's `locationName`s: reservationSet/item/instancesSet/item/…) and
 * into the SDK's output members. A member missing from this tree is
 * skipped, as the SDK skips what its schema does not name. The root's
 * name is not judged here (`answer-check.ts` did that on the raw bytes).
 */
const answerRoot: ReadElement = element('', 'object', '', {
  children: [
    element('reservationSet', 'list', 'Reservations', {
      children: [
        element('item', 'member', 'Reservations', {
          children: [
            element('reservationId', 'text', 'ReservationId'),
            element('instancesSet', 'list', 'Instances', {
              children: [
                element('item', 'member', 'Instances', {
                  children: [
                    element('instanceId', 'text', 'InstanceId'),
                    element('instanceState', 'object', 'State', { children: [element('code', 'number', 'Code', { repeats: true }), element('name', 'text', 'Name', { repeats: true })] }),
                    element('stateReason', 'object', 'StateReason', { children: [element('code', 'text', 'Code', { repeats: true }), element('message', 'text', 'Message', { repeats: true })] }),
                    element('reason', 'text', 'StateTransitionReason'),
                    element('tagSet', 'list', 'Tags', {
                      children: [element('item', 'member', 'Tags', { children: [element('key', 'text', 'Key', { repeats: true }), element('value', 'text', 'Value', { repeats: true })] })],
                    }),
                  ],
                }),
              ],
            }),
          ],
        }),
      ],
    }),
    element('nextToken', 'text', 'NextToken'),
  ],
});

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

/**
 * One open element the adapter reads. Frames are kept by depth and reused
 * from element to element (a page opens about 17 for each instance), so opening
 * one allocates nothing.
 */
interface Frame {
  /** Where its name starts in the answer, so its end tag is compared in place. */
  nameStart: number;
  nameLength: number;
  element: ReadElement;
  /** The object its children fill (containers); undefined for a leaf. */
  target: Record<string, unknown> | undefined;
  /** Text of a leaf so far: its text runs (entities decoded) and CDATA sections (as written), joined; undefined for a container. */
  text: string | undefined;
  /** A leaf with an element inside is no value (the SDK reads an object there); it is left unset. */
  mixed: boolean;
  /** Its text holds a printable ASCII character outside any entity, so it is not whitespace only: {@link finishedValue} need not look. */
  solid: boolean;
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
  for (; index < bytes.length; index++) {
    const byte = bytes[index] ?? 0;
    // Letters, the bulk of every name, sort above `>`: one comparison decides them.
    if (byte <= greaterThan && endsName(byte)) break;
  }
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

/** The child of `parent` named `bytes[nameStart, nameEnd)`, or undefined when the adapter skips it. */
function childNamed(parent: ReadElement, bytes: Uint8Array, nameStart: number, nameEnd: number): ReadElement | undefined {
  const length = nameEnd - nameStart;
  // Checked, not read past the end: a read out of an array's bounds takes V8's slower path.
  const candidates = length < parent.childrenByLength.length ? parent.childrenByLength[length] : undefined;
  if (candidates === undefined) return undefined;
  for (const child of candidates) if (bytesAt(bytes, nameStart, child.bytes)) return child;
  return undefined;
}

/** Sets a closed leaf's value on the object its parent fills, unless an element inside it made it no value. */
function setLeaf(leaf: ReadElement, frame: Pick<Frame, 'text' | 'mixed' | 'solid'>, into: Record<string, unknown> | undefined): void {
  if (frame.mixed || into === undefined) return;
  const text = frame.text ?? '';
  const value = frame.solid ? text : finishedValue(text);
  // Named stores, one site a member, as the objects of one kind share their shape; a store keyed by `leaf.field` is megamorphic.
  switch (leaf.field) {
    case 'ReservationId':
      into['ReservationId'] = value;
      break;
    case 'InstanceId':
      into['InstanceId'] = value;
      break;
    case 'Code':
      into['Code'] = leaf.role === 'number' ? Number(value) : value;
      break;
    case 'Name':
      into['Name'] = value;
      break;
    case 'Message':
      into['Message'] = value;
      break;
    case 'StateTransitionReason':
      into['StateTransitionReason'] = value;
      break;
    case 'Key':
      into['Key'] = value;
      break;
    case 'Value':
      into['Value'] = value;
      break;
    default:
      into[leaf.field] = leaf.role === 'number' ? Number(value) : value;
  }
}

/** A leaf closed as soon as opened (`<reason/>`): the SDK reads ''. */
const emptyLeaf = { text: '', mixed: false, solid: true } as const;

/** The object an opened container element fills (see {@link Role}), attached to `into`. */
function openContainer(container: ReadElement, into: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (into === undefined) return undefined;
  switch (container.role) {
    case 'list':
      into[container.field] = [];
      return into;
    case 'member': {
      const member: Record<string, unknown> = {};
      const list = into[container.field];
      if (Array.isArray(list)) list.push(member);
      return member;
    }
    default: {
      const object: Record<string, unknown> = {};
      into[container.field] = object;
      return object;
    }
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
  const scan: Scan = { bytes: buffer, output: {}, frames: [], depth: 0, skipped: [], rootSeen: false, repeatedTexts: new RepeatedTexts() };
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
  const unclosed = innermost(scan);
  if (unclosed !== undefined) fail(`a missing closing tag </${nameAt(scan, unclosed.nameStart, unclosed.nameLength)}>`, length);
  if (!scan.rootSeen) fail('no root element', 0);
  return scan.output;
}

/** One pass over a DescribeInstances answer: its bytes, the elements open, the output being filled. */
interface Scan {
  /** The answer's bytes (a Buffer, so that values can be decoded from them). */
  readonly bytes: Buffer;
  readonly output: ParsedDescribeInstances;
  /** Frames by depth; `frames[0, depth)` are the elements open, the rest are kept for reuse. */
  readonly frames: Frame[];
  depth: number;
  /** Start and length of each element open around the innermost one being skipped, pairwise (see {@link skipElement}). */
  readonly skipped: number[];
  rootSeen: boolean;
  /** The values of leaves that repeat ({@link ReadElement.repeats}), decoded once a page. */
  readonly repeatedTexts: RepeatedTexts;
}

/** The innermost open element, or undefined outside the root. */
function innermost(scan: Scan): Frame | undefined {
  return scan.depth === 0 ? undefined : scan.frames[scan.depth - 1];
}

/** Opens an element the adapter reads: the next frame, reused when there is one. */
function pushFrame(scan: Scan, nameStart: number, nameLength: number, read: ReadElement, target: Record<string, unknown> | undefined): void {
  const text = read.isLeaf ? '' : undefined;
  const frame = scan.frames[scan.depth];
  if (frame === undefined) {
    scan.frames.push({ nameStart, nameLength, element: read, target, text, mixed: false, solid: false });
  } else {
    frame.nameStart = nameStart;
    frame.nameLength = nameLength;
    frame.element = read;
    frame.target = target;
    frame.text = text;
    frame.mixed = false;
    frame.solid = false;
  }
  scan.depth++;
}

/** Text between tags: a leaf's value (a piece of it), or nothing but whitespace (or a byte order mark) outside the root element. */
function readText(scan: Scan, from: number, to: number): void {
  const { bytes } = scan;
  const top = innermost(scan);
  if (top === undefined) {
    const start = from === 0 && bytesAt(bytes, 0, byteOrderMark) ? byteOrderMark.length : from;
    for (let index = start; index < to; index++) {
      if (!isXmlWhitespace(bytes[index])) fail(scan.rootSeen ? 'content after the root element' : 'text before the root element', index);
    }
  } else if (top.text !== undefined) {
    top.text += leafText(scan, top, from, to);
  }
}

/**
 * A leaf's text `bytes[from, to)` decoded, line ends normalised and entities decoded; only text
 * holding `\r` or `&` takes the slower road. Marks the leaf `solid` when plain text shows a
 * printable ASCII character.
 */
function leafText(scan: Scan, leaf: Frame, from: number, to: number): string {
  const { bytes } = scan;
  let plain = true;
  let printable = false;
  for (let index = from; index < to; index++) {
    const byte = bytes[index] ?? 0;
    if (byte === ampersand || byte === carriageReturn) plain = false;
    else if (byte > 0x20 && byte < 0x7f) printable = true;
  }
  const text = plain && leaf.element.repeats ? scan.repeatedTexts.text(bytes, from, to) : bytes.toString('utf8', from, to);
  if (!plain) return decodeEntities(normalizeLineEnds(text));
  if (printable) leaf.solid = true;
  return text;
}

/** An end tag at `open`: closes the innermost element, which it must name, and sets its value if it is a leaf. Returns where the scan goes on. */
function closeElement(scan: Scan, open: number): number {
  const frame = innermost(scan);
  if (frame === undefined) fail(`an end tag </${endTagName(scan, open)}> with no element open`, open);
  const close = matchingEndTag(scan.bytes, open, frame.nameStart, frame.nameLength);
  if (close === -1) fail(`mismatched tags <${nameAt(scan, frame.nameStart, frame.nameLength)}> and </${endTagName(scan, open)}>`, open);
  scan.depth--;
  if (frame.text !== undefined) setLeaf(frame.element, frame, innermost(scan)?.target);
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
  const { bytes } = scan;
  const end = declarationEnd(bytes, open);
  if (bytesAt(bytes, open, cdataOpen)) {
    const top = innermost(scan);
    if (top === undefined) fail('a CDATA section outside the root element', open);
    if (top.text !== undefined) top.text += normalizeLineEnds(scan.bytes.toString('utf8', open + cdataOpen.length, end - cdataClose.length));
  }
  return end;
}

/** An opening (or empty-element) tag at `open`: a frame for it, pushed unless the tag closes itself; an element the adapter does not read is skipped whole. Returns where the scan goes on. */
function openElement(scan: Scan, open: number): number {
  const { bytes } = scan;
  const nameStart = open + 1;
  const afterName = nameEndAt(bytes, nameStart);
  if (afterName === nameStart) fail('a tag without a name', open);
  const close = startTagEnd(bytes, afterName);
  const selfClosing = bytes[close - 1] === slash;
  const parent = innermost(scan);
  if (parent === undefined) {
    if (scan.rootSeen) fail('a second root element', open);
    scan.rootSeen = true;
    if (!selfClosing) pushFrame(scan, nameStart, afterName - nameStart, answerRoot, scan.output as Record<string, unknown>);
    return close + 1;
  }
  if (parent.text !== undefined) parent.mixed = true;
  const child = childNamed(parent.element, bytes, nameStart, afterName);
  if (child === undefined) return selfClosing ? close + 1 : skipElement(scan, nameStart, afterName - nameStart, close + 1);
  if (child.isLeaf) {
    if (selfClosing) setLeaf(child, emptyLeaf, parent.target);
    else pushFrame(scan, nameStart, afterName - nameStart, child, undefined);
  } else {
    const target = openContainer(child, parent.target);
    if (!selfClosing) pushFrame(scan, nameStart, afterName - nameStart, child, target);
  }
  return close + 1;
}

/**
 * Skips the content of an element the adapter does not read, from `from` (just after its start
 * tag, whose name is at `nameStart`) up to and including its end tag; returns the index after
 * it. The markup inside is judged as the scan judges the rest (nested tags balanced and named
 * alike, comments, CDATA sections and processing instructions closed) with the open elements'
 * names kept as positions in the scan's one `skipped` list, so an ignored member costs one pass
 * over its bytes and allocates nothing.
 */
function skipElement(scan: Scan, nameStart: number, nameLength: number, from: number): number {
  // Empty on entry: every skip that returns has popped what it pushed, and one that fails ends the scan.
  const { bytes, skipped } = scan;
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
      if (skipped.length === 0) return close + 1;
      innermostLength = skipped.pop() ?? 0;
      innermostStart = skipped.pop() ?? 0;
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
        skipped.push(innermostStart, innermostLength);
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
