import type { RawInstance } from '../../src/adapter/index.js';
import { BridgeError, ErrorCode } from '../../src/errors/index.js';
import type { InstanceIdSource } from './config-schema.js';
import { isJsonObject } from '../../src/values/index.js';
import { rawStateKey } from './state-table.js';

/** How servers of one endpoint are read. */
export interface ServerReading {
  /** `<managedByKey>=<managedByValue>`. */
  readonly managedByTag: string;
  readonly instanceIdSource: InstanceIdSource;
  readonly instanceIdKey: string;
  /** Table entries and overrides: decides whether a task state is keyed (`task:…`). */
  readonly knownStates: Readonly<Record<string, unknown>>;
  readonly endpoint: string;
}

/**
 * One server of a page, or why it is not DCM's. `tagsMissing`: the answer left
 * out the server's `tags`, so the server-side tag filter is trusted for it.
 * `partial`: a down cell's partial record, yielded with `stateUnavailable`.
 */
export type ServerOutcome =
  | { readonly kind: 'instance'; readonly instance: RawInstance; readonly ambiguousId?: readonly string[]; readonly tagsMissing?: true; readonly partial?: true }
  | { readonly kind: 'untagged'; readonly platformId: string };

const faultDetailLimit = 200;

/** Why a partial record's state is not reported; the core logs it. */
export const downCellReason = 'Nova answers a partial record (status UNKNOWN): the cell holding the server is down';

/**
 * A down cell's partial record (api-guide "Handling Down Cells", microversion
 * 2.69+): status `UNKNOWN` and none of the keys only the cell database knows.
 * Nova's own test is the missing display name (`views/servers.py`, `basic`).
 */
export function isPartialRecord(server: Record<string, unknown>): boolean {
  return server['status'] === 'UNKNOWN' && !('name' in server);
}

/**
 * Reads one entry of `servers` from a `tags`-filtered list at 2.26+. A server
 * without an id or without a status fails the whole listing: skipping it would
 * make it look deleted. A server whose `tags` the answer left out is yielded
 * (Nova filtered on the tag; dropping it would make it look deleted); one whose
 * `tags` lack the managed-by tag is `untagged`. A down cell's partial record
 * is yielded with `stateUnavailable`. Two different instance-id tags leave the
 * id unset (guessing could report one server under another instance's id).
 */
export function readServer(server: unknown, index: number, reading: ServerReading): ServerOutcome {
  const id = isJsonObject(server) ? server['id'] : undefined;
  if (!isJsonObject(server) || typeof id !== 'string' || id === '') {
    throw new BridgeError(ErrorCode.PlatformPayload, `openstack endpoint ${reading.endpoint}: GET /servers/detail returned a server without an id (entry ${index} of the page)`, { endpoint: reading.endpoint, platform: 'openstack' });
  }
  const status = server['status'];
  if (typeof status !== 'string' || status === '') {
    throw new BridgeError(ErrorCode.PlatformPayload, `openstack endpoint ${reading.endpoint}: GET /servers/detail returned server ${id} without a status (entry ${index} of the page)`, { endpoint: reading.endpoint, platform: 'openstack' });
  }
  if (isPartialRecord(server)) {
    return { kind: 'instance', instance: { platformId: id, instanceId: undefined, rawState: undefined, stateUnavailable: downCellReason }, partial: true };
  }
  const tagsMissing = !Array.isArray(server['tags']);
  const tags = tagsMissing ? [] : (server['tags'] as unknown[]).filter((tag): tag is string => typeof tag === 'string');
  if (!tagsMissing && !tags.includes(reading.managedByTag)) return { kind: 'untagged', platformId: id };

  const taskState = typeof server['OS-EXT-STS:task_state'] === 'string' ? server['OS-EXT-STS:task_state'] : undefined;
  const rawState = rawStateKey(status, taskState, reading.knownStates);
  const name = typeof server['name'] === 'string' ? server['name'] : undefined;
  const detail = detailOf(server, status, taskState, rawState);
  const ids = instanceIds(server, tags, reading);
  const instance: RawInstance = {
    platformId: id,
    instanceId: ids.length === 1 ? ids[0] : undefined,
    rawState,
    ...(name ? { name } : {}),
    ...(detail ? { detail } : {}),
  };
  return { kind: 'instance', instance, ...(ids.length > 1 ? { ambiguousId: ids } : {}), ...(tagsMissing ? { tagsMissing: true } : {}) };
}

/** The instance ids a server carries under the endpoint's `instanceIdSource` (metadata value, or `<key>=<id>` tags). */
export function instanceIds(server: Record<string, unknown>, tags: readonly string[], reading: Pick<ServerReading, 'instanceIdSource' | 'instanceIdKey'>): string[] {
  if (reading.instanceIdSource === 'metadata') {
    const metadata = isJsonObject(server['metadata']) ? server['metadata'] : {};
    const value = metadata[reading.instanceIdKey];
    return typeof value === 'string' && value !== '' ? [value] : [];
  }
  const prefix = `${reading.instanceIdKey}=`;
  return [...new Set(tags.filter((tag) => tag.startsWith(prefix) && tag.length > prefix.length).map((tag) => tag.slice(prefix.length)))];
}

/** Nova's fault text of an ERROR server, or the task state the key left out. */
function detailOf(server: Record<string, unknown>, status: string | undefined, taskState: string | undefined, rawState: string | undefined): string | undefined {
  const fault = isJsonObject(server['fault']) ? server['fault'] : undefined;
  if (status === 'ERROR' && typeof fault?.['message'] === 'string' && fault['message'] !== '') {
    const message = fault['message'];
    return `fault: ${message.length > faultDetailLimit ? `${message.slice(0, faultDetailLimit)}…` : message}`;
  }
  return taskState !== undefined && rawState === status ? `task ${taskState}` : undefined;
}
