import { computeUrl, type OpenstackContext } from './context.js';
import { atLeast, type Microversion } from './microversions.js';
import { databaseTime, reportedStatus, type ServerRecord } from './model.js';

/** The image and flavor every simulated server boots from (values of the reference samples). */
const IMAGE_ID = '70a599e0-31e7-49b7-b260-868f441e862b';
const FLAVOR = { id: '1', name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1 };

/** Nova's `created`/`updated` style: seconds and `Z` (`2013-09-03T04:01:32Z`). */
export function novaTime(milliseconds: number): string {
  return new Date(milliseconds).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Nova's `OS-SRV-USG:*` style: microseconds, no zone (`2017-02-14T19:24:43.891568`). */
function usageTime(milliseconds: number | null): string | null {
  return milliseconds === null ? null : new Date(milliseconds).toISOString().replace('Z', '000');
}

/** A small stable number per server, for addresses and host ids that repeat from run to run. */
function serverNumber(server: ServerRecord): number {
  let hash = 0;
  for (const character of server.id) {
    hash = (Math.imul(hash, 31) + character.charCodeAt(0)) >>> 0;
  }
  return hash;
}

function hostId(server: ServerRecord): string {
  return (serverNumber(server).toString(16).padStart(8, '0') + 'a5c2').repeat(5).slice(0, 56);
}

function addresses(server: ServerRecord): unknown {
  const number = serverNumber(server);
  const octets = [(number >>> 16) & 0xff, (number >>> 8) & 0xff, number & 0xff];
  const mac = ['fa', '16', '3e', ...octets.map((octet) => octet.toString(16).padStart(2, '0'))].join(':');
  return { private: [{ 'OS-EXT-IPS-MAC:mac_addr': mac, 'OS-EXT-IPS:type': 'fixed', addr: `10.${octets[0] ?? 0}.${octets[1] ?? 0}.${(octets[2] ?? 0) | 1}`, version: 4 }] };
}

/** `<compute>` without the version: where Nova's bookmark links point. */
function bookmarkBase(context: OpenstackContext): string {
  return `${context.publicUrl()}${context.paths.compute}`;
}

/** The `self` and `bookmark` links of a server. */
function serverLinks(context: OpenstackContext, server: ServerRecord): unknown[] {
  return [
    { href: `${computeUrl(context)}/servers/${server.id}`, rel: 'self' },
    { href: `${bookmarkBase(context)}/servers/${server.id}`, rel: 'bookmark' },
  ];
}

/** Before 2.47 a flavor reference with a link; from 2.47 the flavor's own fields. */
function flavorView(context: OpenstackContext, version: Microversion): unknown {
  if (atLeast(version, '2.47')) {
    return { disk: FLAVOR.disk, ephemeral: 0, extra_specs: {}, original_name: FLAVOR.name, ram: FLAVOR.ram, swap: 0, vcpus: FLAVOR.vcpus };
  }
  return { id: FLAVOR.id, links: [{ href: `${bookmarkBase(context)}/flavors/${FLAVOR.id}`, rel: 'bookmark' }] };
}

/** One server of `GET /servers`: id, links and name only. */
export function serverSummary(context: OpenstackContext, server: ServerRecord): Record<string, unknown> {
  return { id: server.id, links: serverLinks(context, server), name: server.name };
}

/**
 * One server of `GET /servers/detail` and `GET /servers/{id}` as a project member sees
 * it at the given microversion: `locked` from 2.9, `description` from 2.19, `tags` from
 * 2.26, the embedded flavor from 2.47. Admin-only fields (`OS-EXT-SRV-ATTR:*`,
 * `host_status`) are left out, as Nova's default policy does for non-admins.
 */
export function serverDetail(context: OpenstackContext, server: ServerRecord, version: Microversion): Record<string, unknown> {
  const view: Record<string, unknown> = {
    'OS-DCF:diskConfig': 'AUTO',
    'OS-EXT-AZ:availability_zone': 'nova',
    'OS-EXT-STS:power_state': server.powerState,
    'OS-EXT-STS:task_state': server.taskState,
    'OS-EXT-STS:vm_state': server.vmState,
    'OS-SRV-USG:launched_at': usageTime(server.launchedAt),
    'OS-SRV-USG:terminated_at': usageTime(server.deletedAt),
    accessIPv4: '',
    accessIPv6: '',
    addresses: addresses(server),
    config_drive: '',
    created: novaTime(server.createdAt),
    flavor: flavorView(context, version),
    hostId: hostId(server),
    id: server.id,
    image: { id: IMAGE_ID, links: [{ href: `${bookmarkBase(context)}/images/${IMAGE_ID}`, rel: 'bookmark' }] },
    key_name: null,
    links: serverLinks(context, server),
    metadata: { ...server.metadata },
    name: server.name,
    'os-extended-volumes:volumes_attached': [],
    progress: 0,
    security_groups: [{ name: 'default' }],
    status: reportedStatus(server),
    tenant_id: context.ids.projectId,
    updated: novaTime(databaseTime(server.updatedAt)),
    user_id: context.ids.userId,
  };
  // api-ref "Show Server Details": `fault` "Only displayed when the server status is ERROR or DELETED and a fault occurred";
  // `details` (the stack trace) reaches a non-admin only when the code is not 500.
  if (server.fault !== undefined && (view.status === 'ERROR' || view.status === 'DELETED')) {
    const { code, message, details, created } = server.fault;
    view.fault = { code, created: novaTime(created), message, ...(details !== undefined && code !== 500 ? { details } : {}) };
  }
  if (atLeast(version, '2.9')) {
    view.locked = server.locked;
  }
  if (atLeast(version, '2.19')) {
    view.description = server.description;
  }
  if (atLeast(version, '2.26')) {
    view.tags = [...server.tags];
  }
  return view;
}

/**
 * A server of a down cell in an unfiltered, unpaged list from 2.69 (api-guide "Handling
 * Down Cells"; `ViewBuilder.basic` and `_show_from_down_cell` in
 * `nova/api/openstack/compute/views/servers.py`): only what the API database knows.
 */
export function partialListEntry(context: OpenstackContext, server: ServerRecord, detailed: boolean): Record<string, unknown> {
  if (!detailed) {
    return { id: server.id, status: 'UNKNOWN', links: serverLinks(context, server) };
  }
  return { created: novaTime(server.createdAt), id: server.id, status: 'UNKNOWN', tenant_id: context.ids.projectId, links: serverLinks(context, server) };
}

/**
 * `GET /servers/{id}` of a server in a down cell from 2.69: the partial record built from
 * the instance mapping and request spec (`_show_from_down_cell` with a flavor): no name,
 * metadata, tags or task state; power state 0 (NOSTATE); `server_groups` from 2.71.
 */
export function partialShow(context: OpenstackContext, server: ServerRecord, version: Microversion): Record<string, unknown> {
  const view: Record<string, unknown> = {
    created: novaTime(server.createdAt),
    id: server.id,
    status: 'UNKNOWN',
    tenant_id: context.ids.projectId,
    user_id: context.ids.userId,
    image: { id: IMAGE_ID, links: [{ href: `${bookmarkBase(context)}/images/${IMAGE_ID}`, rel: 'bookmark' }] },
    flavor: flavorView(context, version),
    'OS-EXT-AZ:availability_zone': 'UNKNOWN',
    'OS-EXT-STS:power_state': 0,
    links: serverLinks(context, server),
  };
  if (atLeast(version, '2.71')) {
    view.server_groups = [];
  }
  return view;
}
