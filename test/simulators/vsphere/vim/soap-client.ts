// A minimal vim25 SOAP client for this folder's tests (not part of the simulator's surface):
// request envelopes as a client such as govmomi writes them, answers parsed with fast-xml-parser.
import { XMLParser } from 'fast-xml-parser';
import type { Credentials } from '../operations.js';
import { SOAP_SESSION_COOKIE } from './soap-sessions.js';
import { escapeXml } from './xml.js';

/** One SOAP answer: status, headers, raw text and the parsed body element (Envelope/Body). */
export interface SoapAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed `Body` (namespace prefixes removed, attributes as `@_name`). */
  readonly body: Record<string, unknown>;
}

/** What a SOAP fault answer holds. */
export interface ParsedFault {
  readonly faultcode: string;
  readonly faultstring: string;
  /** The detail's xsi:type (`NotAuthenticated`). */
  readonly type: string | undefined;
  readonly detail: Record<string, unknown>;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  isArray: (name) => ['objects', 'propSet', 'missingSet', 'returnval', 'CustomFieldDef', 'CustomFieldValue', 'filterSet', 'objectSet', 'changeSet'].includes(name),
});

/** The request envelope of a vim25 method; `argumentsXml` follows `_this`. */
export function envelope(method: string, thisType: string, thisValue: string, argumentsXml = ''): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<soapenv:Body><${method} xmlns="urn:vim25"><_this type="${thisType}">${escapeXml(thisValue)}</_this>${argumentsXml}</${method}></soapenv:Body></soapenv:Envelope>`
  );
}

/** Posts an envelope to `/sdk`, with the session cookie when given. */
export async function soapCall(baseUrl: string, xml: string, cookie?: string): Promise<SoapAnswer> {
  const headers: Record<string, string> = { 'content-type': 'text/xml; charset=utf-8', soapaction: 'urn:vim25/8.0.3.0' };
  if (cookie !== undefined) {
    headers.cookie = `${SOAP_SESSION_COOKIE}=${cookie}`;
  }
  const response = await fetch(`${baseUrl}/sdk`, { method: 'POST', headers, body: xml });
  const text = await response.text();
  const parsed = (text.startsWith('<?xml') ? parser.parse(text) : {}) as { Envelope?: { Body?: Record<string, unknown> } };
  return { status: response.status, headers: response.headers, text, body: parsed.Envelope?.Body ?? {} };
}

/** The fault of an answer, or undefined when it is not a fault. */
export function faultOf(answer: SoapAnswer): ParsedFault | undefined {
  const fault = answer.body.Fault as Record<string, unknown> | undefined;
  if (fault === undefined) {
    return undefined;
  }
  const detail = (fault.detail ?? {}) as Record<string, unknown>;
  const [detailElement] = Object.values(detail).filter((value): value is Record<string, unknown> => typeof value === 'object' && value !== null);
  return {
    faultcode: String(fault.faultcode),
    faultstring: String(fault.faultstring ?? ''),
    type: detailElement?.['@_type'] as string | undefined,
    detail: detailElement ?? {},
  };
}

/** Logs in; returns the session cookie's value (unquoted). */
export async function login(baseUrl: string, credentials: Credentials): Promise<string> {
  const answer = await soapCall(baseUrl, envelope('Login', 'SessionManager', 'SessionManager', `<userName>${escapeXml(credentials.username)}</userName><password>${escapeXml(credentials.password)}</password>`));
  const cookie = /vmware_soap_session="?([^";]+)"?/.exec(answer.headers.get('set-cookie') ?? '')?.[1];
  if (answer.status !== 200 || cookie === undefined) {
    throw new Error(`login failed: ${answer.status} ${answer.text}`);
  }
  return cookie;
}

/** Creates a recursive container view of VirtualMachine on the root folder; returns its id. */
export async function createVmView(baseUrl: string, cookie: string): Promise<string> {
  const answer = await soapCall(
    baseUrl,
    envelope('CreateContainerView', 'ViewManager', 'ViewManager', '<container type="Folder">group-d1</container><type>VirtualMachine</type><recursive>true</recursive>'),
    cookie,
  );
  const returnval = (answer.body.CreateContainerViewResponse as { returnval?: { '#text': string }[] } | undefined)?.returnval?.[0];
  if (answer.status !== 200 || returnval === undefined) {
    throw new Error(`CreateContainerView failed: ${answer.status} ${answer.text}`);
  }
  return returnval['#text'];
}

/** The propSet and objectSet of a PropertyFilterSpec over a container view's VMs, as govmomi builds them: the view skipped, its VMs traversed. */
function viewVmsSpec(viewId: string, paths: readonly string[]): string {
  return (
    '<propSet><type>VirtualMachine</type>' +
    paths.map((path) => `<pathSet>${escapeXml(path)}</pathSet>`).join('') +
    '</propSet>' +
    `<objectSet><obj type="ContainerView">${escapeXml(viewId)}</obj><skip>true</skip>` +
    '<selectSet xsi:type="TraversalSpec"><name>traverseEntities</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet>' +
    '</objectSet>'
  );
}

/** The specSet + options of a RetrievePropertiesEx over a container view, as govmomi's view.Retrieve builds it. */
export function viewRetrieval(viewId: string, paths: readonly string[], maxObjects?: number): string {
  return `<specSet>${viewVmsSpec(viewId, paths)}</specSet>` + (maxObjects === undefined ? '<options></options>' : `<options><maxObjects>${maxObjects}</maxObjects></options>`);
}

/** The specSet of a RetrievePropertiesEx naming objects directly. */
export function directRetrieval(type: string, ids: readonly string[], paths: readonly string[], reportMissingObjectsInResults?: boolean): string {
  return (
    `<specSet><propSet><type>${type}</type>` +
    paths.map((path) => `<pathSet>${escapeXml(path)}</pathSet>`).join('') +
    '</propSet>' +
    ids.map((id) => `<objectSet><obj type="${type}">${escapeXml(id)}</obj></objectSet>`).join('') +
    (reportMissingObjectsInResults === undefined ? '' : `<reportMissingObjectsInResults>${reportMissingObjectsInResults}</reportMissingObjectsInResults>`) +
    '</specSet><options></options>'
  );
}

/** One ObjectContent as read back: its id, its properties' raw `val` nodes, its missing paths. */
export interface ReadObject {
  readonly id: string;
  readonly props: Readonly<Record<string, unknown>>;
  readonly missing: readonly { path: string; faultType: string }[];
}

/** A RetrieveResult read back: objects and the token (undefined on the last page or without returnval). */
export interface ReadResult {
  readonly hasReturnval: boolean;
  readonly token: string | undefined;
  readonly objects: readonly ReadObject[];
}

/** Reads `<{method}Response><returnval>` of RetrievePropertiesEx / ContinueRetrievePropertiesEx. */
export function readResult(answer: SoapAnswer, method: string): ReadResult {
  const response = answer.body[`${method}Response`] as { returnval?: Record<string, unknown>[] } | undefined;
  if (response === undefined) {
    throw new Error(`${method} did not answer: ${answer.status} ${answer.text.slice(0, 500)}`);
  }
  const [returnval] = response.returnval ?? [];
  if (returnval === undefined) {
    return { hasReturnval: false, token: undefined, objects: [] };
  }
  const objects = ((returnval.objects ?? []) as Record<string, unknown>[]).map((content) => {
    const obj = content.obj as { '#text': string };
    const props = Object.fromEntries(((content.propSet ?? []) as { name: string; val: unknown }[]).map((property) => [property.name, property.val]));
    const missing = ((content.missingSet ?? []) as { path: string; fault: { fault: { '@_type': string } } }[]).map((entry) => ({ path: entry.path, faultType: entry.fault.fault['@_type'] }));
    return { id: obj['#text'], props, missing };
  });
  return { hasReturnval: true, token: typeof returnval.token === 'string' ? returnval.token : undefined, objects };
}

/** The text of a simple `val` (`<val xsi:type="xsd:string">x</val>`). */
export function valText(value: unknown): string | undefined {
  if (typeof value === 'string') {
    return value;
  }
  const text = (value as { '#text'?: unknown } | undefined)?.['#text'];
  return typeof text === 'string' ? text : undefined;
}

/** A `customValue` val as `{key: value}`. */
export function customValues(value: unknown): Record<string, string> {
  const entries = ((value as { CustomFieldValue?: { key: string; value: string; '@_type': string }[] } | undefined)?.CustomFieldValue ?? []);
  return Object.fromEntries(entries.map((entry) => [entry.key, entry.value]));
}

/** Pages through a view retrieval to its end; returns every page's objects and the number of calls. */
export async function retrieveAll(baseUrl: string, cookie: string, viewId: string, paths: readonly string[], maxObjects: number): Promise<{ pages: ReadResult[] }> {
  const first = readResult(await soapCall(baseUrl, envelope('RetrievePropertiesEx', 'PropertyCollector', 'propertyCollector', viewRetrieval(viewId, paths, maxObjects)), cookie), 'RetrievePropertiesEx');
  const pages = [first];
  let token = first.token;
  while (token !== undefined) {
    const page = readResult(
      await soapCall(baseUrl, envelope('ContinueRetrievePropertiesEx', 'PropertyCollector', 'propertyCollector', `<token>${escapeXml(token)}</token>`), cookie),
      'ContinueRetrievePropertiesEx',
    );
    pages.push(page);
    token = page.token;
  }
  return { pages };
}

/** The `spec` of a CreateFilter over a container view's VMs, as govmomi's view manager builds it. */
export function viewFilterSpec(viewId: string, paths: readonly string[]): string {
  return `<spec>${viewVmsSpec(viewId, paths)}</spec><partialUpdates>false</partialUpdates>`;
}

/** CreateFilter over the view; returns the filter's id. */
export async function createViewFilter(baseUrl: string, cookie: string, viewId: string, paths: readonly string[]): Promise<string> {
  const answer = await soapCall(baseUrl, envelope('CreateFilter', 'PropertyCollector', 'propertyCollector', viewFilterSpec(viewId, paths)), cookie);
  const returnval = (answer.body.CreateFilterResponse as { returnval?: { '#text': string }[] } | undefined)?.returnval?.[0];
  if (answer.status !== 200 || returnval === undefined) {
    throw new Error(`CreateFilter failed: ${answer.status} ${answer.text.slice(0, 500)}`);
  }
  return returnval['#text'];
}

/** A WaitForUpdatesEx envelope with `maxWaitSeconds` 0 (one calculation). */
export function waitForUpdates(version: string, maxObjectUpdates?: number): string {
  const max = maxObjectUpdates === undefined ? '' : `<maxObjectUpdates>${maxObjectUpdates}</maxObjectUpdates>`;
  return envelope('WaitForUpdatesEx', 'PropertyCollector', 'propertyCollector', `<version>${escapeXml(version)}</version><options><maxWaitSeconds>0</maxWaitSeconds>${max}</options>`);
}

/** One ObjectUpdate as read back. */
export interface ReadObjectUpdate {
  readonly filter: string;
  readonly kind: string;
  readonly id: string;
  /** Changed properties: name → op and raw `val`. */
  readonly changes: Readonly<Record<string, { op: string; val: unknown }>>;
  readonly missing: readonly string[];
}

/** An UpdateSet as read back; `version` undefined when the answer had no returnval (no update). */
export interface ReadUpdateSet {
  readonly version: string | undefined;
  readonly truncated: boolean;
  readonly updates: readonly ReadObjectUpdate[];
}

/** Reads a WaitForUpdatesExResponse; throws with the answer when it is something else. */
export function readUpdateSet(answer: SoapAnswer): ReadUpdateSet {
  const response = answer.body.WaitForUpdatesExResponse as { returnval?: Record<string, unknown>[] } | undefined;
  if (response === undefined) {
    throw new Error(`WaitForUpdatesEx did not answer: ${answer.status} ${answer.text.slice(0, 500)}`);
  }
  const [returnval] = response.returnval ?? [];
  if (returnval === undefined) {
    return { version: undefined, truncated: false, updates: [] };
  }
  const updates = ((returnval.filterSet ?? []) as Record<string, unknown>[]).flatMap((filterSet) =>
    ((filterSet.objectSet ?? []) as Record<string, unknown>[]).map((update) => ({
      filter: (filterSet.filter as { '#text': string })['#text'],
      kind: String(update.kind),
      id: (update.obj as { '#text': string })['#text'],
      changes: Object.fromEntries(((update.changeSet ?? []) as { name: string; op: string; val: unknown }[]).map((change) => [change.name, { op: change.op, val: change.val }])),
      missing: ((update.missingSet ?? []) as { path: string }[]).map((entry) => entry.path),
    })),
  );
  return { version: String(returnval.version), truncated: returnval.truncated === 'true', updates };
}

/** Calls WaitForUpdatesEx from `version` through every truncated part; returns the parts and the final version. */
export async function waitThrough(baseUrl: string, cookie: string, version: string, maxObjectUpdates?: number): Promise<{ parts: ReadUpdateSet[]; version: string }> {
  const parts: ReadUpdateSet[] = [];
  let current = version;
  for (;;) {
    const part = readUpdateSet(await soapCall(baseUrl, waitForUpdates(current, maxObjectUpdates), cookie));
    parts.push(part);
    current = part.version ?? current;
    if (!part.truncated) {
      return { parts, version: current };
    }
  }
}
