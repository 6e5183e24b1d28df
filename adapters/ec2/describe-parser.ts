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

/** What an element is, given its parent's kind and its own name. Everything not named here is skipped with its subtree. */
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
  | 'nextToken'
  | 'skip';

/**
 * The element tree the adapter reads, as EC2's XML names it (the service
 * model's `locationName`s: reservationSet/item/instancesSet/item/…). A
 * member missing from this table is skipped, as the SDK skips what its
 * schema does not name.
 */
const childKinds: Readonly<Partial<Record<Kind, Readonly<Record<string, Kind>>>>> = {
  root: { reservationSet: 'reservations', nextToken: 'nextToken' },
  reservations: { item: 'reservation' },
  reservation: { reservationId: 'reservationId', instancesSet: 'instances' },
  instances: { item: 'instance' },
  instance: { instanceId: 'instanceId', instanceState: 'state', stateReason: 'stateReason', reason: 'transitionReason', tagSet: 'tags' },
  state: { code: 'stateCode', name: 'stateName' },
  stateReason: { code: 'reasonCode', message: 'reasonMessage' },
  tags: { item: 'tag' },
  tag: { key: 'tagKey', value: 'tagValue' },
};

/** Kinds whose text is a value. */
const leafKinds: ReadonlySet<Kind> = new Set(['reservationId', 'instanceId', 'stateCode', 'stateName', 'reasonCode', 'reasonMessage', 'transitionReason', 'tagKey', 'tagValue', 'nextToken']);

/** The five entities XML predefines; any other named entity reads as nothing, as in the SDK's parser. */
const namedEntities: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const entityPattern = /&(?:#x([0-9a-fA-F]{1,6})|#(\d{1,7})|([a-zA-Z][a-zA-Z0-9]{0,30}));/g;

function codePoint(value: number): string {
  return value <= 0x10ffff ? String.fromCodePoint(value) : '';
}

function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(entityPattern, (_match, hex: string | undefined, decimal: string | undefined, named: string | undefined) => {
    if (hex) return codePoint(parseInt(hex, 16));
    if (decimal) return codePoint(parseInt(decimal, 10));
    return namedEntities[named ?? ''] ?? '';
  });
}

/** XML line-end handling (XML 1.0 §2.11), applied to raw text before entities are decoded. */
function normalizeLineEnds(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

/** A value of only whitespace that spans lines is indentation, not a value (the SDK reads it as ''). */
function finishedValue(text: string): string {
  return text.includes('\n') && text.trim() === '' ? '' : text;
}

/** One open element: its name, what it is, and the object it fills. */
interface Frame {
  readonly name: string;
  readonly kind: Kind;
  readonly target: Record<string, unknown> | undefined;
  /** Text of a leaf, in pieces (text runs, entities decoded; CDATA as written). */
  text: string[] | undefined;
  /** A leaf with an element inside is no value (the SDK reads an object there); it is left unset. */
  mixed: boolean;
}

class XmlShapeError extends Error {}

function fail(problem: string, at: number): never {
  throw new XmlShapeError(`${problem} at character ${at}`);
}

/** End of an opening tag starting at `from` (just after its name): the index of its `>`, quotes in attribute values respected. */
function tagEnd(xml: string, from: number): number {
  let index = from;
  for (;;) {
    const close = xml.indexOf('>', index);
    if (close === -1) fail('an unclosed tag', from);
    const quote = xml.slice(index, close).search(/["']/);
    if (quote === -1) return close;
    const quoteAt = index + quote;
    const endQuote = xml.indexOf(xml[quoteAt] ?? '"', quoteAt + 1);
    if (endQuote === -1) fail('an unclosed attribute value', quoteAt);
    index = endQuote + 1;
  }
}

function skipTo(xml: string, from: number, stop: string, what: string): number {
  const end = xml.indexOf(stop, from);
  if (end === -1) fail(`an unclosed ${what}`, from);
  return end + stop.length;
}

function skipDoctype(xml: string, from: number): number {
  let depth = 0;
  for (let index = from; index < xml.length; index++) {
    const char = xml[index];
    if (char === '[') depth++;
    else if (char === ']') depth--;
    else if (char === '>' && depth === 0) return index + 1;
  }
  return fail('an unclosed DOCTYPE', from);
}

const nameEnd = /[\s/>]/g;

function setLeaf(frame: Frame, parent: Frame): void {
  if (frame.mixed || parent.target === undefined) return;
  const value = finishedValue(frame.text === undefined ? '' : frame.text.length === 1 ? (frame.text[0] ?? '') : frame.text.join(''));
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
 * Reads a DescribeInstances answer (`DescribeInstancesResponse` XML) into
 * the members the adapter uses — reservation ids, and per instance its id,
 * `instanceState` code and name, `stateReason` code and message, `reason`
 * (StateTransitionReason) and `tagSet` keys and values — plus `nextToken`,
 * in the SDK's output shape and with the SDK's reading of values: the five
 * XML entities and numeric character references decoded (other named
 * entities read as nothing), CDATA kept as written, CR LF read as LF, a
 * whitespace-only value spanning lines read as '', an empty element as '',
 * a missing one left unset. Everything else (attributes, comments,
 * processing instructions, members it does not name) is skipped in one
 * pass of `indexOf` scans, without building a tree.
 *
 * The root element's name is not judged here (`answer-check.ts` did that
 * on the raw bytes).
 * @throws Error naming the problem when the text is not well-formed XML
 * (unclosed or mismatched tags, no root element, content after it).
 */
export function parseDescribeInstancesXml(xml: string): ParsedDescribeInstances {
  const scan: Scan = { xml, output: {}, stack: [], rootSeen: false };
  const length = xml.length;
  let index = 0;
  while (index < length) {
    const open = xml.indexOf('<', index);
    const textEnd = open === -1 ? length : open;
    if (textEnd > index) readText(scan, index, textEnd);
    if (open === -1) break;
    const next = xml.charCodeAt(open + 1);
    if (next === 0x2f /* / */) index = closeElement(scan, open);
    else if (next === 0x3f /* ? */) index = skipTo(xml, open + 2, '?>', 'processing instruction');
    else if (next === 0x21 /* ! */) index = readDeclaration(scan, open);
    else index = openElement(scan, open);
  }
  const unclosed = scan.stack[scan.stack.length - 1];
  if (unclosed !== undefined) fail(`a missing closing tag </${unclosed.name}>`, length);
  if (!scan.rootSeen) fail('no root element', 0);
  return scan.output;
}

/** One pass over a DescribeInstances answer: the text, the elements open, the output being filled. */
interface Scan {
  readonly xml: string;
  readonly output: ParsedDescribeInstances;
  readonly stack: Frame[];
  rootSeen: boolean;
}

/** Text between tags: a leaf's value (a piece of it), or nothing but whitespace (or a BOM) outside the root element. */
function readText(scan: Scan, from: number, to: number): void {
  const { xml, stack } = scan;
  const top = stack[stack.length - 1];
  if (top === undefined) {
    if (xml.slice(from, to).trim() !== '' && xml.slice(from, to) !== '\uFEFF') fail(scan.rootSeen ? 'content after the root element' : 'text before the root element', from);
  } else if (top.text !== undefined) {
    top.text.push(decodeEntities(normalizeLineEnds(xml.slice(from, to))));
  }
}

/** An end tag at `open`: closes the innermost element, which it must name, and sets its value if it is a leaf. Returns where the scan goes on. */
function closeElement(scan: Scan, open: number): number {
  const { xml, stack } = scan;
  const close = xml.indexOf('>', open + 2);
  if (close === -1) fail('an unclosed end tag', open);
  const name = xml.slice(open + 2, close).trim();
  const frame = stack.pop();
  if (frame === undefined) fail(`an end tag </${name}> with no element open`, open);
  if (frame.name !== name) fail(`mismatched tags <${frame.name}> and </${name}>`, open);
  const parent = stack[stack.length - 1];
  if (parent !== undefined && frame.text !== undefined) setLeaf(frame, parent);
  return close + 1;
}

/** A `<!` at `open`: a comment or a DOCTYPE (skipped) or a CDATA section (a piece of a leaf's value, as written). Returns where the scan goes on. */
function readDeclaration(scan: Scan, open: number): number {
  const { xml, stack } = scan;
  if (xml.startsWith('<!--', open)) return skipTo(xml, open + 4, '-->', 'comment');
  if (xml.startsWith('<![CDATA[', open)) {
    const end = xml.indexOf(']]>', open + 9);
    if (end === -1) fail('an unclosed CDATA section', open);
    const top = stack[stack.length - 1];
    if (top === undefined) fail('a CDATA section outside the root element', open);
    top.text?.push(normalizeLineEnds(xml.slice(open + 9, end)));
    return end + 3;
  }
  if (xml.slice(open, open + 9).toUpperCase() === '<!DOCTYPE') return skipDoctype(xml, open + 9);
  return fail('an unknown markup declaration', open);
}

/** An opening (or empty-element) tag at `open`: a frame for it, pushed unless the tag closes itself. Returns where the scan goes on. */
function openElement(scan: Scan, open: number): number {
  const { xml, stack } = scan;
  nameEnd.lastIndex = open + 1;
  const nameMatch = nameEnd.exec(xml);
  if (nameMatch === null) fail('an unclosed tag', open);
  const name = xml.slice(open + 1, nameMatch.index);
  if (name === '') fail('a tag without a name', open);
  const close = xml.charCodeAt(nameMatch.index) === 0x3e /* > */ ? nameMatch.index : tagEnd(xml, nameMatch.index);
  const selfClosing = xml.charCodeAt(close - 1) === 0x2f /* / */;
  const parent = stack[stack.length - 1];
  let frame: Frame;
  if (parent === undefined) {
    if (scan.rootSeen) fail('a second root element', open);
    scan.rootSeen = true;
    frame = { name, kind: 'root', target: scan.output as Record<string, unknown>, text: undefined, mixed: false };
  } else {
    if (parent.text !== undefined) parent.mixed = true;
    const kind: Kind = parent.kind === 'skip' ? 'skip' : (childKinds[parent.kind]?.[name] ?? 'skip');
    const isLeaf = leafKinds.has(kind);
    frame = { name, kind, target: isLeaf || kind === 'skip' ? undefined : openContainer(kind, parent), text: isLeaf ? [] : undefined, mixed: false };
  }
  if (selfClosing) {
    if (parent !== undefined && frame.text !== undefined) setLeaf(frame, parent);
  } else {
    stack.push(frame);
  }
  return close + 1;
}

/** True when `error` came from {@link parseDescribeInstancesXml} finding the text not well-formed. */
export function isXmlShapeError(error: unknown): error is Error {
  return error instanceof XmlShapeError;
}
