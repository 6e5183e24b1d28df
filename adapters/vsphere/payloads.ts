/**
 * Decoders of the vCenter answers the adapter reads. Each checks only the
 * fields it uses and throws {@link PayloadShapeError} naming the first one
 * that is wrong; unknown extra fields are ignored (newer vCenters add some).
 */

import { BridgeError, ErrorCode } from '../../src/errors/index.js';
import type { VcenterCall } from './api-flavors.js';

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

/** An item of `GET /vcenter/vm` (`VM.Summary`). */
export interface VmSummary {
  readonly vm: string;
  readonly name: string | undefined;
  readonly powerState: string | undefined;
}

/** The object type of VMs in tag associations; tags can sit on hosts, folders… too. */
export const virtualMachineType = 'VirtualMachine';

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new PayloadShapeError(`${what} is not a list`);
  return value;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new PayloadShapeError(`${what} is not a non-empty string`);
  return value;
}

function optionalText(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new PayloadShapeError(`${what} is not a string`);
  return value;
}

/** `/rest` answers are `{"value": …}`; this takes the value out. */
export function unwrapValue(body: unknown): unknown {
  if (!isRecord(body) || !('value' in body)) throw new PayloadShapeError('the answer is not wrapped in {"value": …} as /rest answers are');
  return body['value'];
}

/** A session token (`POST /api/session`). */
export function decodeToken(value: unknown): string {
  return text(value, 'the session token');
}

/** A list of ids (categories, tags of a category). */
export function decodeIdList(value: unknown): string[] {
  return list(value, 'the id list').map((id, index) => text(id, `id [${index}]`));
}

/** `CategoryModel` / `TagModel`. */
export function decodeNamedObject(value: unknown): NamedObject {
  if (!isRecord(value)) throw new PayloadShapeError('the object is not a map');
  return { id: text(value['id'], 'id'), name: text(value['name'], 'name') };
}

/** `list-attached-objects-on-tags`, keeping VM ids only. */
export function decodeTagAttachments(value: unknown): TagAttachments[] {
  return list(value, 'the association list').map((entry, index) => {
    if (!isRecord(entry)) throw new PayloadShapeError(`association [${index}] is not a map`);
    const objects = list(entry['object_ids'], `association [${index}].object_ids`);
    const vmIds = objects.flatMap((object, objectIndex) => {
      if (!isRecord(object)) throw new PayloadShapeError(`association [${index}].object_ids[${objectIndex}] is not a map`);
      return object['type'] === virtualMachineType ? [text(object['id'], `association [${index}].object_ids[${objectIndex}].id`)] : [];
    });
    return { tagId: text(entry['tag_id'], `association [${index}].tag_id`), vmIds };
  });
}

/** `GET /vcenter/vm`. A missing power state is "not reported yet", not an error. */
export function decodeVmSummaries(value: unknown): VmSummary[] {
  return list(value, 'the VM list').map((entry, index) => {
    if (!isRecord(entry)) throw new PayloadShapeError(`VM [${index}] is not a map`);
    return { vm: text(entry['vm'], `VM [${index}].vm`), name: optionalText(entry['name'], `VM [${index}].name`), powerState: optionalText(entry['power_state'], `VM [${index}].power_state`) };
  });
}

/** The platform's words in a vAPI error body of either flavor, for error messages. */
export function describeVapiError(body: unknown): { code?: string; message?: string } | undefined {
  if (!isRecord(body)) return undefined;
  // /rest: {type, value: {error_type?, messages}}; /api: {error_type, messages}.
  const inner = isRecord(body['value']) ? body['value'] : body;
  const code = typeof inner['error_type'] === 'string' ? inner['error_type'] : typeof body['type'] === 'string' ? body['type'] : undefined;
  const messages = Array.isArray(inner['messages']) ? inner['messages'] : [];
  const first: unknown = messages[0];
  const message = isRecord(first) && typeof first['default_message'] === 'string' ? first['default_message'] : undefined;
  return code === undefined && message === undefined ? undefined : { ...(code ? { code } : {}), ...(message ? { message } : {}) };
}
