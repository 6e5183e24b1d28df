import type { RawInstance } from '../../src/adapter/index.js';
import { BridgeError, ErrorCode } from '../../src/errors/index.js';
import type { InstanceIdSource } from './config-schema.js';
import { isMap } from './json.js';
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

/** One server of a page, or why it is not DCM's or its id is unclear. */
export type ServerOutcome =
  | { readonly kind: 'instance'; readonly instance: RawInstance; readonly ambiguousId?: readonly string[] }
  | { readonly kind: 'untagged'; readonly platformId: string };

const faultDetailLimit = 200;

/**
 * Reads one entry of `servers` (microversion 2.26+, so `tags` is present).
 * A server without an id fails the whole listing: skipping it would make it
 * look deleted. Two different instance-id tags leave the id unset (guessing
 * could report one server under another instance's id).
 */
export function readServer(server: unknown, index: number, reading: ServerReading): ServerOutcome {
  const id = isMap(server) ? server['id'] : undefined;
  if (!isMap(server) || typeof id !== 'string' || id === '') {
    throw new BridgeError(ErrorCode.PlatformPayload, `openstack endpoint ${reading.endpoint}: GET /servers/detail returned a server without an id (entry ${index} of the page)`, { endpoint: reading.endpoint, platform: 'openstack' });
  }
  const tags = Array.isArray(server['tags']) ? (server['tags'] as unknown[]).filter((tag): tag is string => typeof tag === 'string') : [];
  if (!tags.includes(reading.managedByTag)) return { kind: 'untagged', platformId: id };

  const status = typeof server['status'] === 'string' ? server['status'] : undefined;
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
  return ids.length > 1 ? { kind: 'instance', instance, ambiguousId: ids } : { kind: 'instance', instance };
}

function instanceIds(server: Record<string, unknown>, tags: readonly string[], reading: ServerReading): string[] {
  if (reading.instanceIdSource === 'metadata') {
    const metadata = isMap(server['metadata']) ? server['metadata'] : {};
    const value = metadata[reading.instanceIdKey];
    return typeof value === 'string' && value !== '' ? [value] : [];
  }
  const prefix = `${reading.instanceIdKey}=`;
  return [...new Set(tags.filter((tag) => tag.startsWith(prefix) && tag.length > prefix.length).map((tag) => tag.slice(prefix.length)))];
}

/** Nova's fault text of an ERROR server, or the task state the key left out. */
function detailOf(server: Record<string, unknown>, status: string | undefined, taskState: string | undefined, rawState: string | undefined): string | undefined {
  const fault = isMap(server['fault']) ? server['fault'] : undefined;
  if (status === 'ERROR' && typeof fault?.['message'] === 'string' && fault['message'] !== '') {
    const message = fault['message'];
    return `fault: ${message.length > faultDetailLimit ? `${message.slice(0, faultDetailLimit)}…` : message}`;
  }
  return taskState !== undefined && rawState === status ? `task ${taskState}` : undefined;
}
