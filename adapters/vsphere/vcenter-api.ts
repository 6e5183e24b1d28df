import type { ApiFlavor, VcenterCall } from './api-flavors.js';
import {
  decodeIdList,
  decodeNamedObject,
  decodeObjectTags,
  decodeTagAttachments,
  decodeVmInfo,
  decodeVmSummaries,
  PayloadShapeError,
  payloadShapeFailure,
  type NamedObject,
  type ObjectTags,
  type TagAttachments,
  type VmInfo,
  type VmSummary,
} from './payloads.js';
import type { VsphereSession } from './session.js';

/** The vCenter operations the adapter uses, flavor-independent and decoded. */
export interface VcenterApi {
  listCategoryIds(signal: AbortSignal): Promise<string[]>;
  getCategory(categoryId: string, signal: AbortSignal): Promise<NamedObject>;
  listTagIdsForCategory(categoryId: string, signal: AbortSignal): Promise<string[]>;
  getTag(tagId: string, signal: AbortSignal): Promise<NamedObject>;
  /** Tags vCenter does not know are left out of the answer (not an error); `object_ids: null` reads as none. */
  listAttachedObjectsOnTags(tagIds: readonly string[], signal: AbortSignal): Promise<TagAttachments[]>;
  listVms(vmIds: readonly string[], signal: AbortSignal): Promise<VmSummary[]>;
  /** One VM; vCenter answers 404 `not_found` (a PLATFORM_HTTP error) when it has no such VM, 403 when the account may not read it. */
  getVm(vmId: string, signal: AbortSignal): Promise<VmInfo>;
  /** The tags on each VM; VMs the account may not read are left out of the answer. */
  listAttachedTagsOnObjects(vmIds: readonly string[], signal: AbortSignal): Promise<ObjectTags[]>;
}

/** Builds the operations over a session; shape errors become PLATFORM_PAYLOAD naming the endpoint and call. */
export function createVcenterApi(session: VsphereSession, endpoint: string): VcenterApi {
  const run = async <T>(build: (flavor: ApiFlavor) => VcenterCall, decode: (value: unknown) => T, signal: AbortSignal): Promise<T> => {
    const answer = await session.send(build, signal);
    try {
      // Every call below documents a value; a 2xx without one is not the answer, whatever a decoder would make of `undefined`.
      if (answer.value === undefined) throw new PayloadShapeError('the answer is empty');
      return decode(answer.value);
    } catch (error) {
      throw error instanceof PayloadShapeError ? payloadShapeFailure(endpoint, answer.call, error) : error;
    }
  };
  return {
    listCategoryIds: (signal) => run((flavor) => flavor.listCategories(), decodeIdList, signal),
    getCategory: (categoryId, signal) => run((flavor) => flavor.getCategory(categoryId), decodeNamedObject, signal),
    listTagIdsForCategory: (categoryId, signal) => run((flavor) => flavor.listTagsForCategory(categoryId), decodeIdList, signal),
    getTag: (tagId, signal) => run((flavor) => flavor.getTag(tagId), decodeNamedObject, signal),
    listAttachedObjectsOnTags: (tagIds, signal) => run((flavor) => flavor.listAttachedObjectsOnTags(tagIds), decodeTagAttachments, signal),
    listVms: (vmIds, signal) => run((flavor) => flavor.listVms(vmIds), decodeVmSummaries, signal),
    getVm: (vmId, signal) => run((flavor) => flavor.getVm(vmId), decodeVmInfo, signal),
    listAttachedTagsOnObjects: (vmIds, signal) => run((flavor) => flavor.listAttachedTagsOnObjects(vmIds), decodeObjectTags, signal),
  };
}
