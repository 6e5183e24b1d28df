import { readJsonBody, type Route, type SimRequest, type SimResponse } from '../common/index.js';
import { apiFlavor, restFlavor, vapiHandler, SESSION_HEADER, type Flavor } from './flavors.js';
import {
  changeAttachment,
  listAttachedObjects,
  listAttachedObjectsOnTags,
  listAttachedTags,
  listAttachedTagsOnObjects,
  listTagsForCategory,
  listVms,
  login,
  requireCategory,
  requireObjectBody,
  requireSession,
  requireTag,
  requireVm,
  sessionInfo,
  type RawVmFilter,
  type VsphereContext,
} from './operations.js';
import { categoryModel, powerInfo, tagModel, vmInfo } from './representations.js';
import type { SessionRecord } from './sessions.js';
import { vapiErrors } from './vapi-errors.js';

/** Query parameters that select a vCenter operation, in the `/api` and `/rest` spelling. */
export const ACTION_PARAMS = ['action', '~action'] as const;

/** One request to an operation, with the flavor it arrived in. */
interface OperationCall {
  readonly context: VsphereContext;
  readonly request: SimRequest;
  readonly flavor: Flavor;
  /** The caller's session; set for every operation except login. */
  readonly session: SessionRecord | undefined;
}

interface Endpoint {
  readonly method: string;
  readonly path: string;
  readonly action?: string;
}

/** One vCenter operation and where each flavor serves it (`/rest` pins `~action`, `/api` pins `action`). */
interface VcenterOperation {
  readonly api?: Endpoint;
  readonly rest?: Endpoint;
  /** Login is the only operation callable without a session. */
  readonly withoutSession?: boolean;
  readonly run: (call: OperationCall) => SimResponse;
}

function body(call: OperationCall): unknown {
  const parsed = readJsonBody(call.request);
  if (!parsed.ok) {
    throw vapiErrors.invalidArgument(`Request body is not valid JSON: ${parsed.problem}`);
  }
  return parsed.value;
}

function param(call: OperationCall, name: string): string {
  return call.request.params[name] ?? '';
}

/** `/api` spelling: `vms=a&vms=b`, and optionally `vms=a,b` (never for names, which may hold commas). */
function apiFilterValues(call: OperationCall, field: string): string[] {
  const values = call.request.url.searchParams.getAll(field);
  if (!call.context.acceptCommaSeparatedFilters || field === 'names') {
    return values;
  }
  return values.flatMap((value) => value.split(',')).filter((value) => value !== '');
}

/** `/rest` spelling: `filter.vms=a&filter.vms=b`, or indexed `filter.vms.1=a&filter.vms.2=b` as in the reference. */
function restFilterValues(call: OperationCall, field: string): string[] {
  const name = `filter.${field}`;
  const indexed = [...call.request.url.searchParams.entries()]
    .map(([key, value]) => ({ index: key.startsWith(`${name}.`) ? Number(key.slice(name.length + 1)) : Number.NaN, value }))
    .filter((entry) => Number.isInteger(entry.index))
    .sort((left, right) => left.index - right.index)
    .map((entry) => entry.value);
  return [...call.request.url.searchParams.getAll(name), ...indexed];
}

/** Reads the fields of `Vcenter.VM.FilterSpec` in the flavor's query spelling. */
function readVmFilter(call: OperationCall): RawVmFilter {
  const read = (field: string): string[] => (call.flavor.name === 'api' ? apiFilterValues(call, field) : restFilterValues(call, field));
  return {
    vms: read('vms'),
    names: read('names'),
    power_states: read('power_states'),
    folders: read('folders'),
    datacenters: read('datacenters'),
    hosts: read('hosts'),
    clusters: read('clusters'),
    resource_pools: read('resource_pools'),
  };
}

function createSession(call: OperationCall): SimResponse {
  const authorization = call.request.headers.authorization;
  const session = login(call.context, authorization);
  if (call.flavor.name === 'api') {
    return call.flavor.ok(session.token, 201);
  }
  const answer = call.flavor.ok(session.token);
  return { ...answer, headers: { ...answer.headers, 'set-cookie': `${SESSION_HEADER}=${session.token};Path=/rest` } };
}

/** The caller's session; operations other than login only run with one. */
function requireCallSession(call: OperationCall): SessionRecord {
  if (call.session === undefined) {
    throw vapiErrors.authenticationRequired();
  }
  return call.session;
}

function deleteSession(call: OperationCall): SimResponse {
  call.context.sessions.logout(requireCallSession(call).token);
  return call.flavor.done();
}

const TAGGING = '/com/vmware/cis/tagging';

/**
 * The operations served, both flavors side by side. Paths, actions and bodies follow
 * the vSphere Automation API reference (see test/fixtures/vsphere/README.md).
 */
const OPERATIONS: readonly VcenterOperation[] = [
  {
    api: { method: 'POST', path: '/api/session' },
    rest: { method: 'POST', path: '/rest/com/vmware/cis/session' },
    withoutSession: true,
    run: createSession,
  },
  { api: { method: 'DELETE', path: '/api/session' }, rest: { method: 'DELETE', path: '/rest/com/vmware/cis/session' }, run: deleteSession },
  {
    api: { method: 'GET', path: '/api/session' },
    rest: { method: 'POST', path: '/rest/com/vmware/cis/session', action: 'get' },
    run: (call) => call.flavor.ok(sessionInfo(requireCallSession(call))),
  },
  {
    api: { method: 'GET', path: '/api/vcenter/vm' },
    rest: { method: 'GET', path: '/rest/vcenter/vm' },
    run: (call) => call.flavor.ok(listVms(call.context, readVmFilter(call))),
  },
  {
    api: { method: 'GET', path: '/api/vcenter/vm/{vm}' },
    rest: { method: 'GET', path: '/rest/vcenter/vm/{vm}' },
    run: (call) => call.flavor.ok(vmInfo(requireVm(call.context, param(call, 'vm')), call.flavor.name === 'api' ? 'map' : 'keyValueList')),
  },
  {
    api: { method: 'GET', path: '/api/vcenter/vm/{vm}/power' },
    rest: { method: 'GET', path: '/rest/vcenter/vm/{vm}/power' },
    run: (call) => call.flavor.ok(powerInfo(requireVm(call.context, param(call, 'vm')))),
  },
  {
    api: { method: 'GET', path: '/api/cis/tagging/category' },
    rest: { method: 'GET', path: `/rest${TAGGING}/category` },
    run: (call) => call.flavor.ok(call.context.inventory.listCategories().map((category) => category.id)),
  },
  {
    api: { method: 'GET', path: '/api/cis/tagging/category/{category_id}' },
    rest: { method: 'GET', path: `/rest${TAGGING}/category/id:{category_id}` },
    run: (call) => call.flavor.ok(categoryModel(requireCategory(call.context, param(call, 'category_id')))),
  },
  {
    api: { method: 'GET', path: '/api/cis/tagging/tag' },
    rest: { method: 'GET', path: `/rest${TAGGING}/tag` },
    run: (call) => call.flavor.ok(call.context.inventory.listTags().map((tag) => tag.id)),
  },
  {
    api: { method: 'GET', path: '/api/cis/tagging/tag/{tag_id}' },
    rest: { method: 'GET', path: `/rest${TAGGING}/tag/id:{tag_id}` },
    run: (call) => call.flavor.ok(tagModel(requireTag(call.context, param(call, 'tag_id')))),
  },
  {
    // /api names the category in the body; /rest in the path.
    api: { method: 'POST', path: '/api/cis/tagging/tag', action: 'list-tags-for-category' },
    rest: { method: 'POST', path: `/rest${TAGGING}/tag/id:{category_id}`, action: 'list-tags-for-category' },
    run: (call) => {
      const categoryId = call.flavor.name === 'api' ? requireObjectBody(body(call), 'category_id').category_id : param(call, 'category_id');
      if (typeof categoryId !== 'string') {
        throw vapiErrors.invalidArgument('Field category_id must be a string.');
      }
      return call.flavor.ok(listTagsForCategory(call.context, categoryId));
    },
  },
  {
    api: { method: 'POST', path: '/api/cis/tagging/tag-association', action: 'list-attached-objects-on-tags' },
    rest: { method: 'POST', path: `/rest${TAGGING}/tag-association`, action: 'list-attached-objects-on-tags' },
    run: (call) => call.flavor.ok(listAttachedObjectsOnTags(call.context, body(call))),
  },
  {
    api: { method: 'POST', path: '/api/cis/tagging/tag-association', action: 'list-attached-tags-on-objects' },
    rest: { method: 'POST', path: `/rest${TAGGING}/tag-association`, action: 'list-attached-tags-on-objects' },
    run: (call) => call.flavor.ok(listAttachedTagsOnObjects(call.context, body(call))),
  },
  {
    api: { method: 'POST', path: '/api/cis/tagging/tag-association', action: 'list-attached-tags' },
    rest: { method: 'POST', path: `/rest${TAGGING}/tag-association`, action: 'list-attached-tags' },
    run: (call) => call.flavor.ok(listAttachedTags(call.context, body(call))),
  },
  {
    api: { method: 'POST', path: '/api/cis/tagging/tag-association/{tag_id}', action: 'list-attached-objects' },
    rest: { method: 'POST', path: `/rest${TAGGING}/tag-association/id:{tag_id}`, action: 'list-attached-objects' },
    run: (call) => call.flavor.ok(listAttachedObjects(call.context, param(call, 'tag_id'))),
  },
  {
    api: { method: 'POST', path: '/api/cis/tagging/tag-association/{tag_id}', action: 'attach' },
    rest: { method: 'POST', path: `/rest${TAGGING}/tag-association/id:{tag_id}`, action: 'attach' },
    run: (call) => {
      changeAttachment(call.context, param(call, 'tag_id'), body(call), 'attach');
      return call.flavor.done();
    },
  },
  {
    api: { method: 'POST', path: '/api/cis/tagging/tag-association/{tag_id}', action: 'detach' },
    rest: { method: 'POST', path: `/rest${TAGGING}/tag-association/id:{tag_id}`, action: 'detach' },
    run: (call) => {
      changeAttachment(call.context, param(call, 'tag_id'), body(call), 'detach');
      return call.flavor.done();
    },
  },
];

function toRoute(context: VsphereContext, operation: VcenterOperation, flavor: Flavor, endpoint: Endpoint): Route {
  const actionParam = flavor.name === 'api' ? 'action' : '~action';
  return {
    method: endpoint.method,
    path: endpoint.path,
    ...(endpoint.action === undefined ? {} : { query: { [actionParam]: endpoint.action } }),
    handle: vapiHandler(flavor, (request) => {
      const session = operation.withoutSession === true ? undefined : requireSession(context, flavor.sessionToken(request));
      return operation.run({ context, request, flavor, session });
    }),
  };
}

/** The route table of both flavors over one context. */
export function vcenterRoutes(context: VsphereContext): Route[] {
  return OPERATIONS.flatMap((operation) => [
    ...(operation.api === undefined ? [] : [toRoute(context, operation, apiFlavor, operation.api)]),
    ...(operation.rest === undefined ? [] : [toRoute(context, operation, restFlavor, operation.rest)]),
  ]);
}
