import { isJsonObject } from '../common/index.js';
import type { AccountView, VsphereQuirks } from './account-view.js';
import { InventoryError, type VmFilter, type VsphereInventory } from './inventory.js';
import { isPowerState, VIRTUAL_MACHINE_TYPE, type CategoryRecord, type TagRecord, type VmRecord } from './model.js';
import { vmDynamicId, vmSummary } from './representations.js';
import type { SessionRecord, SessionStore } from './sessions.js';
import { VapiError, vapiErrors } from './vapi-errors.js';

/** The one user the simulated vCenter knows. */
export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** Everything the operations of both flavors work on. */
export interface VsphereContext {
  readonly inventory: VsphereInventory;
  readonly sessions: SessionStore;
  readonly credentials: Credentials;
  /** Most VMs one list call may return (4,000 on vCenter 7+, 1,000 on 6.5). */
  readonly maxVmListResults: number;
  /** Also split `vms=a,b` (besides repeated `vms=a&vms=b`) in `/api` list filters. */
  readonly acceptCommaSeparatedFilters: boolean;
  /** Which VMs the logged-in account may read. */
  readonly account: AccountView;
  readonly quirks: VsphereQuirks;
}

/** The list filter as read from a query string, before validation. */
export interface RawVmFilter {
  readonly vms: readonly string[];
  readonly names: readonly string[];
  readonly power_states: readonly string[];
  readonly folders: readonly string[];
  readonly datacenters: readonly string[];
  readonly hosts: readonly string[];
  readonly clusters: readonly string[];
  readonly resource_pools: readonly string[];
}

/** Runs an inventory change, turning its refusals into vAPI errors. */
function asVapi<Result>(change: () => Result): Result {
  try {
    return change();
  } catch (error) {
    if (error instanceof InventoryError) {
      throw error.code === 'not_found' ? new VapiError('not_found', [{ id: 'vapi.simulator.not.found', default_message: error.message, args: [] }]) : vapiErrors.invalidArgument(error.message);
    }
    throw error;
  }
}

/** Checks HTTP Basic credentials and opens a session. */
export function login(context: VsphereContext, authorization: string | undefined): SessionRecord {
  const basic = /^Basic\s+(.+)$/i.exec(authorization ?? '');
  const decoded = basic?.[1] === undefined ? undefined : Buffer.from(basic[1], 'base64').toString('utf8');
  const separator = decoded?.indexOf(':') ?? -1;
  const username = decoded === undefined || separator < 0 ? undefined : decoded.slice(0, separator);
  const password = decoded === undefined || separator < 0 ? undefined : decoded.slice(separator + 1);
  if (username !== context.credentials.username || password !== context.credentials.password) {
    context.sessions.recordFailedLogin();
    throw vapiErrors.authenticationRequired();
  }
  const outcome = context.sessions.login(username);
  if (!outcome.ok) {
    throw vapiErrors.sessionLimitReached(outcome.limit, outcome.existing, username);
  }
  return outcome.session;
}

/** The live session of a token, or the unauthenticated error. */
export function requireSession(context: VsphereContext, token: string | undefined): SessionRecord {
  const session = token === undefined ? undefined : context.sessions.use(token);
  if (session === undefined) {
    throw vapiErrors.authenticationRequired();
  }
  return session;
}

/** `Cis.Session.Info`. */
export function sessionInfo(session: SessionRecord): Record<string, unknown> {
  return { user: session.user, created_time: new Date(session.createdAt).toISOString(), last_accessed_time: new Date(session.lastAccessedAt).toISOString() };
}

/** `GET /vcenter/vm`: validates the filter, applies the list limit, returns summaries. */
export function listVms(context: VsphereContext, raw: RawVmFilter): Record<string, unknown>[] {
  const invalid = raw.power_states.filter((state) => !isPowerState(state));
  if (invalid.length > 0) {
    throw vapiErrors.invalidArgument(`Unsupported power_states value(s): ${invalid.join(', ')}`);
  }
  const filter: VmFilter = {
    vms: raw.vms,
    names: raw.names,
    powerStates: raw.power_states.filter(isPowerState),
    folders: raw.folders,
    datacenters: raw.datacenters,
    hosts: raw.hosts,
    clusters: raw.clusters,
    resourcePools: raw.resource_pools,
  };
  const outcome = context.inventory.listVms(filter, context.maxVmListResults, context.account.canRead);
  if (!outcome.ok) {
    throw vapiErrors.tooManyVms();
  }
  return outcome.vms.map(vmSummary);
}

/** The VM of an id, vCenter's `not_found` error, or `unauthorized` when the account may not read it. */
export function requireVm(context: VsphereContext, vmId: string): VmRecord {
  const vm = context.inventory.getVm(vmId);
  if (vm === undefined) {
    throw vapiErrors.vmNotFound(vmId);
  }
  if (!context.account.canRead(vmId)) {
    throw vapiErrors.unauthorized();
  }
  return vm;
}

/** The category of an id, or `not_found`. */
export function requireCategory(context: VsphereContext, categoryId: string): CategoryRecord {
  const category = context.inventory.getCategory(categoryId);
  if (category === undefined) {
    throw vapiErrors.categoryNotFound(categoryId);
  }
  return category;
}

/** The tag of an id, or `not_found`. */
export function requireTag(context: VsphereContext, tagId: string): TagRecord {
  const tag = context.inventory.getTag(tagId);
  if (tag === undefined) {
    throw vapiErrors.tagNotFound(tagId);
  }
  return tag;
}

/** Reads a required JSON object body. */
export function requireObjectBody(body: unknown, expected: string): Record<string, unknown> {
  if (!isJsonObject(body)) {
    throw vapiErrors.invalidArgument(`Request body must be a JSON object with ${expected}.`);
  }
  return body;
}

function readStringArray(body: Record<string, unknown>, field: string): string[] {
  const value = body[field];
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) {
    throw vapiErrors.invalidArgument(`Field ${field} must be an array of strings.`);
  }
  return value;
}

function readDynamicId(value: unknown, field: string): { type: string; id: string } {
  if (!isJsonObject(value) || typeof value.type !== 'string' || typeof value.id !== 'string') {
    throw vapiErrors.invalidArgument(`Field ${field} must be an object {"type": string, "id": string}.`);
  }
  return { type: value.type, id: value.id };
}

/** The VM a DynamicID names, if it names an existing VM. */
function vmOf(context: VsphereContext, object: { type: string; id: string }): VmRecord | undefined {
  return object.type === VIRTUAL_MACHINE_TYPE ? context.inventory.getVm(object.id) : undefined;
}

/** The VM a DynamicID names, if it exists and the account may read it. */
function readableVmOf(context: VsphereContext, object: { type: string; id: string }): VmRecord | undefined {
  const vm = vmOf(context, object);
  return vm !== undefined && context.account.canRead(vm.id) ? vm : undefined;
}

/** The VMs carrying a tag that the account may read. */
function readableVmsWithTag(context: VsphereContext, tagId: string): string[] {
  return [...context.inventory.vmsWithTag(tagId)].filter(context.account.canRead);
}

/** `list-attached-objects-on-tags`: body `{tag_ids}`; unknown tags and unreadable objects are left out. */
export function listAttachedObjectsOnTags(context: VsphereContext, body: unknown): Record<string, unknown>[] {
  const tagIds = readStringArray(requireObjectBody(body, 'tag_ids'), 'tag_ids');
  return [...new Set(tagIds)]
    .filter((tagId) => context.inventory.getTag(tagId) !== undefined)
    .map((tagId) => {
      const vmIds = readableVmsWithTag(context, tagId);
      return { tag_id: tagId, object_ids: vmIds.length === 0 && context.quirks.nullObjectIdsForUnattachedTags ? null : vmIds.map(vmDynamicId) };
    });
}

/** `list-attached-tags-on-objects`: body `{object_ids}`; unknown and unreadable objects are left out. */
export function listAttachedTagsOnObjects(context: VsphereContext, body: unknown): Record<string, unknown>[] {
  const objects = requireObjectBody(body, 'object_ids').object_ids;
  if (!Array.isArray(objects)) {
    throw vapiErrors.invalidArgument('Field object_ids must be an array.');
  }
  return objects
    .map((object, index) => readDynamicId(object, `object_ids[${index}]`))
    .filter((object) => readableVmOf(context, object) !== undefined)
    .map((object) => ({ object_id: object, tag_ids: [...context.inventory.tagsOnVm(object.id)] }));
}

/** Refuses an object the account may not read, as `list-attached-tags`, `attach` and `detach` document. */
function requireReadable(context: VsphereContext, object: { type: string; id: string }): void {
  if (vmOf(context, object) !== undefined && !context.account.canRead(object.id)) {
    throw vapiErrors.unauthorized();
  }
}

/** `list-attached-tags`: body `{object_id}`. */
export function listAttachedTags(context: VsphereContext, body: unknown): string[] {
  const object = readDynamicId(requireObjectBody(body, 'object_id').object_id, 'object_id');
  requireReadable(context, object);
  return vmOf(context, object) === undefined ? [] : [...context.inventory.tagsOnVm(object.id)];
}

/** `list-attached-objects` of one tag: only the objects the account may read. */
export function listAttachedObjects(context: VsphereContext, tagId: string): Record<string, unknown>[] {
  requireTag(context, tagId);
  return readableVmsWithTag(context, tagId).map(vmDynamicId);
}

/** `attach` / `detach` of one tag: body `{object_id}`. */
export function changeAttachment(context: VsphereContext, tagId: string, body: unknown, change: 'attach' | 'detach'): void {
  requireTag(context, tagId);
  const object = readDynamicId(requireObjectBody(body, 'object_id').object_id, 'object_id');
  if (vmOf(context, object) === undefined) {
    throw vapiErrors.invalidArgument(`Object ${object.type}:${object.id} is not valid.`);
  }
  requireReadable(context, object);
  asVapi(() => (change === 'attach' ? context.inventory.attachTag(tagId, object.id) : context.inventory.detachTag(tagId, object.id)));
}

/** `list-tags-for-category`. */
export function listTagsForCategory(context: VsphereContext, categoryId: string): string[] {
  requireCategory(context, categoryId);
  return context.inventory.listTagsForCategory(categoryId).map((tag) => tag.id);
}
