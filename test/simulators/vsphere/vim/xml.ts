import type { SimResponse } from '../../common/index.js';

/**
 * The envelope vCenter wraps every answer in (SOAP 1.1): the same four namespace
 * declarations on `soapenv:Envelope`, the body element in `urn:vim25`. Copied in shape from
 * a vCenter answer kept as a test fixture in govmomi (vim25/methods/fault_test.go).
 */
const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"\n' +
  ' xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"\n' +
  ' xmlns:xsd="http://www.w3.org/2001/XMLSchema"\n' +
  ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n' +
  '<soapenv:Body>\n';
const ENVELOPE_CLOSE = '\n</soapenv:Body>\n</soapenv:Envelope>';

/** vCenter answers SOAP as `text/xml; charset=utf-8`. */
export const SOAP_CONTENT_TYPE = 'text/xml; charset=utf-8';

const XML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text for element content and attribute values. */
export function escapeXml(text: string): string {
  return /[&<>"']/.test(text) ? text.replace(/[&<>"']/g, (character) => XML_ESCAPES[character] ?? character) : text;
}

/** A `ManagedObjectReference` element: `<name type="Type">value</name>`. */
export function morefXml(element: string, type: string, value: string): string {
  return `<${element} type="${escapeXml(type)}">${escapeXml(value)}</${element}>`;
}

/** A full SOAP answer around a body element. */
export function soapEnvelope(bodyXml: string): string {
  return ENVELOPE_OPEN + bodyXml + ENVELOPE_CLOSE;
}

/** `<{method}Response xmlns="urn:vim25">…</…>` with status 200. */
export function soapResponse(method: string, innerXml: string, headers: Readonly<Record<string, string>> = {}): SimResponse {
  return {
    status: 200,
    headers: { 'content-type': SOAP_CONTENT_TYPE, ...headers },
    body: soapEnvelope(`<${method}Response xmlns="urn:vim25">${innerXml}</${method}Response>`),
  };
}
