/**
 * Decoders of the vCenter answers the adapter reads. Each checks only the
 * fields it uses and throws {@link PayloadShapeError} naming the first one
 * that is wrong; unknown extra fields are ignored (newer vCenters add some).
 */

import { BridgeError, ErrorCode } from '../../src/errors/index.js';
import type { VcenterCall } from './api-flavors.js';
import { isJsonObject } from '../../src/values/index.js';

/** A vCenter answer without the shape its operation documents. */
export class PayloadShapeError extends Error {
  override readonly name = 'PayloadShapeError';
}

/** The PLATFORM_PAYLOAD error of a {@link PayloadShapeError}, naming the endpoint and the call. */
export function payloadShapeFailure(endpoint: string, call: VcenterCall, error: PayloadShapeError): BridgeError {
  return new BridgeError(ErrorCode.PlatformPayload, `vsphere endpoint ${endpoint}: ${call.method} ${call.path} answered an unexpected payload: ${error.message}`, { endpoint, platform: 'vsphere', method: call.method, path: call.path }, { cause: error });
}

/** A tag or category as far as the adapter cares: its id and name. */
export interface NamedObject {
  readonly id: string;
  readonly name: string;
}

/** One entry of `list-attached-objects-on-tags`: a tag and the VMs carrying it. */
export interface TagAttachments {
  readonly tagId: string;
  readonly vmIds: readonly string[];
}

/** An item of `GET /vcenter/vm` (`VM.Summary`: `vm`, `name` and `power_state` are required fields). */
export interface VmSummary {
  readonly vm: string;
  readonly name: string;
  readonly powerState: string;
}

/** The part of `GET /vcenter/vm/{vm}` (`VM.Info`) the adapter reads. */
export interface VmInfo {
  readonly name: string;
  readonly powerState: string;
}

/** One entry of `list-attached-tags-on-objects`: a VM and the tags it carries. */
export interface ObjectTags {
  readonly vmId: string;
  readonly tagIds: readonly string[];
}

/** The object type of VMs in tag associations; tags can sit on hosts, folders… too. */
export const virtualMachineType = 'VirtualMachine';

/**
 * What a checked value is, for the error message: a function where the words
 * name an item of a long list, so they are put together only for the one
 * value that is wrong, not for each of 100k that are right.
 */
type What = string | (() => string);

function shapeError(what: What, problem: string): PayloadShapeError {
  return new PayloadShapeError(`${typeof what === 'string' ? what : what()} ${problem}`);
}

function list(value: unknown, what: What): unknown[] {
  if (!Array.isArray(value)) throw shapeError(what, 'is not a list');
  return value;
}

/**
 * A list where some vCenter builds send `null` for "none": `object_ids` of a
 * tag attached to nothing yet (DCM's provisioning creates the instance-id tag
 * before it attaches it). Anything else that is not a list is still refused.
 */
function listOrNull(value: unknown, what: What): unknown[] {
  return value === null ? [] : list(value, what);
}

function text(value: unknown, what: What): string {
  if (typeof value !== 'string' || value === '') throw shapeError(what, value === undefined ? 'is missing' : 'is not a non-empty string');
  return value;
}

/** A required string that may be empty (a VM name can be). */
function requiredText(value: unknown, what: What): string {
  if (typeof value !== 'string') throw shapeError(what, value === undefined ? 'is missing' : 'is not a string');
  return value;
}

/**
 * The JSON body of a 2xx answer, refusing one vCenter did not send as JSON:
 * a proxy's page or a maintenance notice can be valid JSON by accident (a
 * bare string), so the declared media type is checked too.
 */
export function jsonBody(answer: { readonly headers: Readonly<Record<string, string | string[] | undefined>>; readonly body: unknown }): unknown {
  if (answer.body === undefined) return undefined;
  const declared = answer.headers['content-type'];
  const contentType = (Array.isArray(declared) ? declared[0] : declared)?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (contentType !== 'application/json' && !/^application\/[\w.+-]*\+json$/.test(contentType)) {
    throw new PayloadShapeError(`the answer's content type is ${contentType === '' ? 'missing' : `"${contentType}"`}, not application/json`);
  }
  return answer.body;
}

/** `/rest` answers are `{"value": …}`; this takes the value out. */
export function unwrapValue(body: unknown): unknown {
  if (!isJsonObject(body) || !('value' in body)) throw new PayloadShapeError('the answer is not wrapped in {"value": …} as /rest answers are');
  return body['value'];
}

/** A session token (`POST /api/session`). */
export function decodeToken(value: unknown): string {
  return text(value, 'the session token');
}

/** A list of ids (categories, tags of a category). */
export function decodeIdList(value: unknown): string[] {
  return list(value, 'the id list').map((id, index) => text(id, () => `id [${index}]`));
}

/** `CategoryModel` / `TagModel`. */
export function decodeNamedObject(value: unknown): NamedObject {
  if (!isJsonObject(value)) throw new PayloadShapeError('the object is not a map');
  return { id: text(value['id'], 'id'), name: text(value['name'], 'name') };
}

/** `list-attached-objects-on-tags`, keeping VM ids only. */
export function decodeTagAttachments(value: unknown): TagAttachments[] {
  return list(value, 'the association list').map((entry, index) => {
    if (!isJsonObject(entry)) throw new PayloadShapeError(`association [${index}] is not a map`);
    const objects = listOrNull(entry['object_ids'], () => `association [${index}].object_ids`);
    const vmIds: string[] = [];
    objects.forEach((object, objectIndex) => {
      if (!isJsonObject(object)) throw new PayloadShapeError(`association [${index}].object_ids[${objectIndex}] is not a map`);
      if (object['type'] === virtualMachineType) vmIds.push(text(object['id'], () => `association [${index}].object_ids[${objectIndex}].id`));
    });
    return { tagId: text(entry['tag_id'], () => `association [${index}].tag_id`), vmIds };
  });
}

/**
 * `GET /vcenter/vm`. Every field the reference marks required must be there:
 * a summary without its `power_state` would be published as PROVISIONING, one
 * without its `vm` could not be told apart from a deleted VM.
 */
export function decodeVmSummaries(value: unknown): VmSummary[] {
  return list(value, 'the VM list').map((entry, index) => {
    if (!isJsonObject(entry)) throw new PayloadShapeError(`VM [${index}] is not a map`);
    const vm = text(entry['vm'], () => `VM [${index}].vm`);
    return { vm, name: requiredText(entry['name'], () => `VM [${index}] (${vm}).name`), powerState: text(entry['power_state'], () => `VM [${index}] (${vm}).power_state`) };
  });
}

/** `GET /vcenter/vm/{vm}`; only the required fields the adapter reads are checked. */
export function decodeVmInfo(value: unknown): VmInfo {
  if (!isJsonObject(value)) throw new PayloadShapeError('the VM is not a map');
  return { name: requiredText(value['name'], 'name'), powerState: text(value['power_state'], 'power_state') };
}

/** `list-attached-tags-on-objects`, keeping VMs only; `tag_ids: null` reads as no tags, as `object_ids: null` does. */
export function decodeObjectTags(value: unknown): ObjectTags[] {
  return list(value, 'the object list').flatMap((entry, index) => {
    if (!isJsonObject(entry)) throw new PayloadShapeError(`object [${index}] is not a map`);
    const object = entry['object_id'];
    if (!isJsonObject(object)) throw new PayloadShapeError(`object [${index}].object_id is not a map`);
    const vmId = text(object['id'], () => `object [${index}].object_id.id`);
    const tagIds = listOrNull(entry['tag_ids'], () => `object [${index}] (${vmId}).tag_ids`).map((tagId, tagIndex) => text(tagId, () => `object [${index}] (${vmId}).tag_ids[${tagIndex}]`));
    return object['type'] === virtualMachineType ? [{ vmId, tagIds }] : [];
  });
}

/** The platform's words in a vAPI error body of either flavor, for error messages. */
export function describeVapiError(body: unknown): { code?: string; message?: string } | undefined {
  if (!isJsonObject(body)) return undefined;
  // /rest: {type, value: {error_type?, messages}}; /api: {error_type, messages}.
  const inner = isJsonObject(body['value']) ? body['value'] : body;
  const code = typeof inner['error_type'] === 'string' ? inner['error_type'] : typeof body['type'] === 'string' ? body['type'] : undefined;
  const messages = Array.isArray(inner['messages']) ? inner['messages'] : [];
  const first: unknown = messages[0];
  const message = isJsonObject(first) && typeof first['default_message'] === 'string' ? first['default_message'] : undefined;
  return code === undefined && message === undefined ? undefined : { ...(code ? { code } : {}), ...(message ? { message } : {}) };
}
