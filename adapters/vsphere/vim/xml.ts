import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { isJsonObject } from '../../../src/values/index.js';

/**
 * Reading and writing the vim25 SOAP messages: a document is parsed into
 * plain objects by fast-xml-parser, with namespace prefixes dropped (vCenter
 * writes `soapenv:Envelope` and unprefixed vim25 elements, another server may
 * prefix both), every text kept as a string (a VM named `007` stays `007`),
 * attributes under `@`-names (`@type`: a reference's type and `xsi:type`
 * alike, as no element the adapter reads carries both).
 */

/** A SOAP answer that is not the message its operation documents. */
export class VimShapeError extends Error {
  override readonly name = 'VimShapeError';
}

/** An element as parsed: its children by local name, `@`-attributes, `#text` beside attributes. */
export type XmlNode = Record<string, unknown>;

/** A vim25 fault as a SOAP Fault carries it. */
export interface VimFault {
  /** The fault's type (`NotAuthenticated`, `ManagedObjectNotFound`, `InvalidLogin`…), from `xsi:type` or the detail element's name; `ServerFaultCode` style `faultcode` when there is no detail. */
  readonly type: string;
  /** `faultstring`, bounded. */
  readonly message: string;
  /** The detail element, for fields such as `obj` of ManagedObjectNotFound. */
  readonly detail: XmlNode | undefined;
}

/** What one SOAP answer holds: the body's first element, or a Fault. */
export type SoapAnswer = { readonly kind: 'body'; readonly element: string; readonly content: XmlNode } | { readonly kind: 'fault'; readonly fault: VimFault };

/** Elements that may repeat in the answers the adapter reads: always arrays, even with one item. */
const repeatedElements: ReadonlySet<string> = new Set(['objects', 'propSet', 'missingSet', 'CustomFieldValue', 'CustomFieldDef', 'filterSet', 'objectSet', 'changeSet']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // The five predefined entities only: a SOAP message may not carry a DTD (SOAP 1.1 §3), and one is refused below.
  processEntities: true,
  isArray: (name) => repeatedElements.has(name),
});

const messageLimit = 300;

/**
 * Parses a SOAP 1.1 envelope. Throws {@link VimShapeError} for bytes that are
 * not a well-formed XML document (cut off, HTML, JSON), a document with a
 * DTD, or one without `Envelope`/`Body`. The error names the problem, never
 * the content (an answer can hold session data).
 */
export function parseSoapEnvelope(bytes: Buffer): SoapAnswer {
  if (bytes.length === 0) throw new VimShapeError('the answer is empty');
  const text = bytes.toString('utf8');
  if (/<!DOCTYPE/i.test(text.slice(0, 2048))) throw new VimShapeError('the answer carries a document type declaration, which SOAP forbids');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new VimShapeError(`the answer is not well-formed XML (${valid.err.code} at line ${valid.err.line}${endsEarly(text) ? ', ending mid-document' : ''})`);
  const document = parser.parse(text) as XmlNode;
  const envelope = document['Envelope'];
  if (!isNode(envelope)) throw new VimShapeError('the answer is XML but not a SOAP envelope');
  if (envelope['Body'] === undefined) throw new VimShapeError('the SOAP envelope has no Body');
  const body = asNode(envelope['Body']);
  const fault = body['Fault'];
  if (fault !== undefined) return { kind: 'fault', fault: readFault(fault) };
  const element = Object.keys(body).find((key) => !key.startsWith('@'));
  if (element === undefined) throw new VimShapeError('the SOAP Body is empty');
  const content = body[element];
  return { kind: 'body', element, content: isNode(content) ? content : {} };
}

/** A Fault in an error body (vCenter answers faults with HTTP 500), or undefined when the bytes are not one. Never throws. */
export function soapFaultOf(bytes: Buffer): VimFault | undefined {
  try {
    const answer = parseSoapEnvelope(bytes);
    return answer.kind === 'fault' ? answer.fault : undefined;
  } catch {
    return undefined;
  }
}

function endsEarly(text: string): boolean {
  return !/Envelope>\s*$/.test(text);
}

function readFault(value: unknown): VimFault {
  const fault = isNode(value) ? value : {};
  const faultString = textOf(fault['faultstring']) ?? '';
  const message = faultString.length > messageLimit ? `${faultString.slice(0, messageLimit)}…` : faultString;
  const detailHolder = fault['detail'];
  const detailElement = isNode(detailHolder) ? Object.keys(detailHolder).find((key) => !key.startsWith('@')) : undefined;
  const detail = detailElement !== undefined && isNode(detailHolder) ? asNode(detailHolder[detailElement]) : undefined;
  // vCenter names the type twice: `xsi:type="NotAuthenticated"` on an element `NotAuthenticatedFault`.
  const declared = detail ? textOf(detail['@type']) : undefined;
  const type = localName(declared ?? detailElement?.replace(/Fault$/, '') ?? textOf(fault['faultcode']) ?? 'SOAP Fault');
  return { type, message, detail };
}

/** `xsd:string` → `string`. */
function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

/** True for a parsed element with children or attributes (the parser gives those as objects). */
export const isNode: (value: unknown) => value is XmlNode = isJsonObject;

/** An element with attributes but no children is an object holding only `@`-keys; without either it is `''`. */
function asNode(value: unknown): XmlNode {
  return isNode(value) ? value : {};
}

/** The text of a simple element, whether it carries attributes (`{'#text', '@type'}`) or not; undefined when absent. */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isNode(value)) {
    const text = value['#text'];
    return typeof text === 'string' ? text : typeof text === 'number' ? String(text) : '';
  }
  return undefined;
}

/** A ManagedObjectReference element (`<obj type="VirtualMachine">vm-42</obj>`). */
export interface MoRef {
  readonly type: string;
  readonly value: string;
}

/** Reads a ManagedObjectReference; undefined when the element is missing or is not one. */
export function moRefOf(value: unknown): MoRef | undefined {
  if (!isNode(value)) return undefined;
  const type = textOf(value['@type']);
  const id = textOf(value);
  return type && id ? { type, value: id } : undefined;
}

/** The items of a repeated element: a list whether it occurred once, many times or not at all. */
export function itemsOf(value: unknown): unknown[] {
  if (value === undefined || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

/** Escapes text for an XML element or attribute value. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => xmlEscapes[character] as string);
}

const xmlEscapes: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
