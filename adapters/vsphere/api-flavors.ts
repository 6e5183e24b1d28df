/**
 * The two REST flavors of vCenter, as data. `/api` (7.0 U2+) answers bare
 * values; `/rest` (6.5–7.0) wraps every answer in `{"value": …}`, names ids
 * in paths as `id:<id>` and spells the action parameter `~action`.
 */

/** The flavor setting of an endpoint (`apiFlavor`). */
export const apiFlavorSettings = ['auto', 'api', 'rest'] as const;
export type ApiFlavorSetting = (typeof apiFlavorSettings)[number];
export type ApiFlavorName = Exclude<ApiFlavorSetting, 'auto'>;

/** The header carrying the session token in both flavors. */
export const sessionHeader = 'vmware-api-session-id';

/** One vCenter call, ready for the HTTP client. */
export interface VcenterCall {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string | readonly string[]>>;
  readonly json?: unknown;
}

/** How one flavor spells each call the adapter makes. */
export interface ApiFlavor {
  readonly name: ApiFlavorName;
  /** POST logs in (Basic auth), DELETE logs out. */
  readonly sessionPath: string;
  /** Answers come as `{"value": …}`. */
  readonly wrapsValues: boolean;
  readonly listCategories: () => VcenterCall;
  readonly getCategory: (categoryId: string) => VcenterCall;
  readonly listTagsForCategory: (categoryId: string) => VcenterCall;
  readonly getTag: (tagId: string) => VcenterCall;
  readonly listAttachedObjectsOnTags: (tagIds: readonly string[]) => VcenterCall;
  /** `GET /vcenter/vm` filtered to these VM ids. */
  readonly listVms: (vmIds: readonly string[]) => VcenterCall;
  /** `GET /vcenter/vm/{vm}`: one VM, or 404 `not_found` when vCenter has no such VM. */
  readonly getVm: (vmId: string) => VcenterCall;
  /** `list-attached-tags-on-objects` for these VMs. */
  readonly listAttachedTagsOnObjects: (vmIds: readonly string[]) => VcenterCall;
}

/** Ids are URNs (`urn:vmomi:InventoryServiceTag:…:GLOBAL`); ':' is legal in a path segment and kept readable. */
function segment(id: string): string {
  return encodeURIComponent(id).replace(/%3A/gi, ':');
}

const restTagging = '/rest/com/vmware/cis/tagging';

/** A VM as a tagging call names it (`vapi.std.DynamicID`). */
function vmDynamicId(vmId: string): { type: 'VirtualMachine'; id: string } {
  return { type: 'VirtualMachine', id: vmId };
}

export const apiFlavors: Readonly<Record<ApiFlavorName, ApiFlavor>> = {
  api: {
    name: 'api',
    sessionPath: '/api/session',
    wrapsValues: false,
    listCategories: () => ({ method: 'GET', path: '/api/cis/tagging/category' }),
    getCategory: (categoryId) => ({ method: 'GET', path: `/api/cis/tagging/category/${segment(categoryId)}` }),
    listTagsForCategory: (categoryId) => ({ method: 'POST', path: '/api/cis/tagging/tag', query: { action: 'list-tags-for-category' }, json: { category_id: categoryId } }),
    getTag: (tagId) => ({ method: 'GET', path: `/api/cis/tagging/tag/${segment(tagId)}` }),
    listAttachedObjectsOnTags: (tagIds) => ({ method: 'POST', path: '/api/cis/tagging/tag-association', query: { action: 'list-attached-objects-on-tags' }, json: { tag_ids: tagIds } }),
    // The documented spelling of a set filter is the repeated key (vms=a&vms=b).
    listVms: (vmIds) => ({ method: 'GET', path: '/api/vcenter/vm', query: { vms: vmIds } }),
    getVm: (vmId) => ({ method: 'GET', path: `/api/vcenter/vm/${segment(vmId)}` }),
    listAttachedTagsOnObjects: (vmIds) => ({ method: 'POST', path: '/api/cis/tagging/tag-association', query: { action: 'list-attached-tags-on-objects' }, json: { object_ids: vmIds.map(vmDynamicId) } }),
  },
  rest: {
    name: 'rest',
    sessionPath: '/rest/com/vmware/cis/session',
    wrapsValues: true,
    listCategories: () => ({ method: 'GET', path: `${restTagging}/category` }),
    getCategory: (categoryId) => ({ method: 'GET', path: `${restTagging}/category/id:${segment(categoryId)}` }),
    listTagsForCategory: (categoryId) => ({ method: 'POST', path: `${restTagging}/tag/id:${segment(categoryId)}`, query: { '~action': 'list-tags-for-category' } }),
    getTag: (tagId) => ({ method: 'GET', path: `${restTagging}/tag/id:${segment(tagId)}` }),
    listAttachedObjectsOnTags: (tagIds) => ({ method: 'POST', path: `${restTagging}/tag-association`, query: { '~action': 'list-attached-objects-on-tags' }, json: { tag_ids: tagIds } }),
    listVms: (vmIds) => ({ method: 'GET', path: '/rest/vcenter/vm', query: { 'filter.vms': vmIds } }),
    getVm: (vmId) => ({ method: 'GET', path: `/rest/vcenter/vm/${segment(vmId)}` }),
    listAttachedTagsOnObjects: (vmIds) => ({ method: 'POST', path: `${restTagging}/tag-association`, query: { '~action': 'list-attached-tags-on-objects' }, json: { object_ids: vmIds.map(vmDynamicId) } }),
  },
};
