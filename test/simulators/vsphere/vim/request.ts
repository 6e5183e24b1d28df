import { XMLParser } from 'fast-xml-parser';
import type { MoRef } from './faults.js';

/**
 * One element of a parsed SOAP request: text, or an object whose keys are child element
 * names (each an array, in document order), `@_<attr>` attributes (namespace prefixes
 * removed, so `xsi:type` reads as `@_type`) and `#text`.
 */
export type XmlNode = string | { readonly [key: string]: unknown };

/** A SOAP request reduced to what dispatch needs. */
export interface SoapCall {
  /** The body's first element, e.g. `RetrievePropertiesEx`. */
  readonly method: string;
  /** The `_this` argument: the managed object called. */
  readonly target: MoRef;
  /** The method element, for reading its arguments. */
  readonly arguments: XmlNode;
}

/** Why a request body is not a SOAP call the simulator can dispatch. */
export class SoapRequestError extends Error {
  override readonly name = 'SoapRequestError';
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Every element becomes an array, so a repeated argument (pathSet, objectSet) never changes shape with its count.
  isArray: (_name, _path, _isLeaf, isAttribute) => !isAttribute,
  processEntities: true,
  htmlEntities: false,
});

const OPERATION_PATTERN = /<(?:[\w.-]+:)?Body\b[^>]*>\s*<(?:[\w.-]+:)?([A-Za-z]\w{0,63})[\s/>]/;

/**
 * The operation a SOAP body calls, read without parsing (requests are counted per
 * operation before anything else happens); undefined when the body does not look like SOAP.
 */
export function operationOf(body: Buffer): string | undefined {
  return OPERATION_PATTERN.exec(body.subarray(0, 8192).toString('utf8'))?.[1];
}

/** The children named `name` of a parsed element (empty when absent). */
export function children(node: XmlNode | undefined, name: string): XmlNode[] {
  if (node === undefined || typeof node === 'string') {
    return [];
  }
  const value = node[name];
  return Array.isArray(value) ? (value as XmlNode[]) : [];
}

/** The text of an element (`''` for an empty one). */
export function textOf(node: XmlNode | undefined): string {
  if (node === undefined) {
    return '';
  }
  if (typeof node === 'string') {
    return node;
  }
  const text = node['#text'];
  return typeof text === 'string' ? text : '';
}

/** An attribute of an element (namespace prefix removed). */
export function attributeOf(node: XmlNode | undefined, name: string): string | undefined {
  if (node === undefined || typeof node === 'string') {
    return undefined;
  }
  const value = node[`@_${name}`];
  return typeof value === 'string' ? value : undefined;
}

/** The text of the first child named `name`, or undefined when there is none. */
export function childText(node: XmlNode | undefined, name: string): string | undefined {
  const [first] = children(node, name);
  return first === undefined ? undefined : textOf(first);
}

/** A `ManagedObjectReference` element (`<obj type="VirtualMachine">vm-1001</obj>`). */
export function morefOf(node: XmlNode | undefined): MoRef | undefined {
  const type = attributeOf(node, 'type');
  return type === undefined ? undefined : { type, value: textOf(node) };
}

/** An `xsd:boolean` argument: `true`/`1` or `false`/`0`; undefined when unset. */
export function booleanOf(text: string | undefined): boolean | undefined {
  if (text === undefined) {
    return undefined;
  }
  return text === 'true' || text === '1';
}

/** Parses a SOAP 1.1 request: `Envelope/Body/<method>` with a `_this` argument. */
export function parseSoapCall(body: Buffer): SoapCall {
  let document: XmlNode;
  try {
    document = parser.parse(body, true) as XmlNode;
  } catch (error) {
    throw new SoapRequestError(`the request is not well-formed XML: ${error instanceof Error ? error.message : String(error)}`);
  }
  const [envelope] = children(document, 'Envelope');
  const [soapBody] = children(envelope, 'Body');
  if (soapBody === undefined || typeof soapBody === 'string') {
    throw new SoapRequestError('the request has no soapenv:Envelope/soapenv:Body');
  }
  const method = Object.keys(soapBody).find((key) => !key.startsWith('@_') && key !== '#text');
  const [argumentsNode] = method === undefined ? [] : children(soapBody, method);
  if (method === undefined || argumentsNode === undefined) {
    throw new SoapRequestError('the SOAP body holds no method element');
  }
  const target = morefOf(children(argumentsNode, '_this')[0]);
  if (target === undefined) {
    throw new SoapRequestError(`${method} has no _this argument with a type attribute`);
  }
  return { method, target, arguments: argumentsNode };
}
