import type { ApiFlavor, VcenterCall } from './api-flavors.js';
import { decodeIdList, decodeNamedObject, decodeTagAttachments, decodeVmSummaries, PayloadShapeError, payloadShapeFailure, type NamedObject, type TagAttachments, type VmSummary } from './payloads.js';
import type { VsphereSession } from './session.js';

/** The vCenter operations the adapter uses, flavor-independent and decoded. */
export interface VcenterApi {
  listCategoryIds(signal: AbortSignal): Promise<string[]>;
  getCategory(categoryId: string, signal: AbortSignal): Promise<NamedObject>;
  listTagIdsForCategory(categoryId: string, signal: AbortSignal): Promise<string[]>;
  getTag(tagId: string, signal: AbortSignal): Promise<NamedObject>;
  /** Tags vCenter does not know are left out of the answer (not an error). */
  listAttachedObjectsOnTags(tagIds: readonly string[], signal: AbortSignal): Promise<TagAttachments[]>;
  listVms(vmIds: readonly string[], signal: AbortSignal): Promise<VmSummary[]>;
}

/** Builds the operations over a session; shape errors become PLATFORM_PAYLOAD naming the endpoint and call. */
export function createVcenterApi(session: VsphereSession, endpoint: string): VcenterApi {
  const run = async <T>(build: (flavor: ApiFlavor) => VcenterCall, decode: (value: unknown) => T, signal: AbortSignal): Promise<T> => {
    const answer = await session.send(build, signal);
    try {
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
  };
}
