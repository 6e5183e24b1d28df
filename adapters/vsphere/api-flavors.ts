/**
 * The two REST flavors of vCenter, as data. `/api` (7.0 U2+) answers bare
 * values; `/rest` (6.5–7.0) wraps every answer in `{"value": …}`, names ids
 * in paths as `id:<id>` and spells the action parameter `~action`.
 */

/** The flavor setting of an endpoint (`apiFlavor`): a REST flavor, `vim` (the Web Services API, SOAP at `/sdk`), or `auto`. */
export const apiFlavorSettings = ['auto', 'api', 'rest', 'vim'] as const;
export type ApiFlavorSetting = (typeof apiFlavorSettings)[number];
/** The two REST flavors. */
export type ApiFlavorName = 'api' | 'rest';
/** What the REST session is given: a REST flavor, or `auto` (probe `/api`, fall back to `/rest`). */
export type RestFlavorSetting = 'auto' | ApiFlavorName;

/** How an endpoint finds DCM's VMs (`selector.source`): custom attributes (vim25) or tags (REST tagging API). */
export const selectorSources = ['customAttribute', 'tag'] as const;
export type SelectorSource = (typeof selectorSources)[number];

/** The API an endpoint is polled through, decided from `apiFlavor` and `selector.source` by {@link vsphereProtocolOf}. */
export type VsphereProtocol = { readonly api: 'vim'; readonly source: 'customAttribute' } | { readonly api: 'rest'; readonly source: 'tag'; readonly flavor: RestFlavorSetting };

/**
 * The rule, as data: each source is read through one API.
 *
 * - `selector.source` unset: `customAttribute` with `apiFlavor: vim`, `tag` otherwise;
 * - `customAttribute` is read through the Web Services API: `vim`, or `auto` (which then picks vim);
 * - `tag` is read through the REST tagging API: `api`, `rest`, or `auto` (which probes /api, then /rest).
 *
 * Returns the problem with the combination, keyed by the setting to change, when it cannot work.
 */
export function vsphereProtocolOf(apiFlavor: ApiFlavorSetting, source: string | undefined): VsphereProtocol | { readonly problem: string; readonly path: 'selector.source' | 'apiFlavor' } {
  const chosen = source ?? (apiFlavor === 'vim' ? 'customAttribute' : 'tag');
  if (chosen === 'customAttribute') {
    if (apiFlavor === 'vim' || apiFlavor === 'auto') return { api: 'vim', source: 'customAttribute' };
    return { path: 'selector.source', problem: `customAttribute is read through the Web Services API: it needs apiFlavor vim (or auto), not ${apiFlavor}, whose REST API has no custom attributes; use selector.source: tag with ${apiFlavor}` };
  }
  if (chosen === 'tag') {
    if (apiFlavor !== 'vim') return { api: 'rest', source: 'tag', flavor: apiFlavor };
    return { path: 'selector.source', problem: 'tag is read through the REST tagging API: it needs apiFlavor api, rest or auto, not vim; with vim, use selector.source: customAttribute (the default)' };
  }
  return { path: 'selector.source', problem: `must be one of ${selectorSources.join(', ')}` };
}

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
