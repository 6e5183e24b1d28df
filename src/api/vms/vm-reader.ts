import type { InstanceRecord, StateCache } from '../../cache/index.js';
import type { EndpointConfig } from '../../config/index.js';
import type { VmStatus } from '../../normalize/index.js';
import type { PageKey } from '../pagination.js';

/** A VM as the API shows it. */
export interface VmResource {
  readonly id: string;
  readonly path: string;
  readonly status: VmStatus;
  readonly message: string;
  readonly endpoint: string;
  readonly platform: string;
  readonly platform_id: string;
  readonly observed_time: string;
  readonly last_transition_time: string;
}

export interface VmQuery {
  readonly endpoint?: string;
  /** Only these statuses; absent means every status but DELETED. */
  readonly statuses?: readonly VmStatus[];
  readonly pageSize: number;
  /** Resume after this `[endpoint, platform id]`. */
  readonly after?: PageKey;
}

/** Reads observed VMs from the state cache. */
export interface VmReader {
  /** One page ordered by endpoint, then platform id; `nextKey` when more remain. */
  list(query: VmQuery): Promise<{ results: VmResource[]; nextKey?: PageKey }>;
  /** The VM with this DCM instance id (a live record before a DELETED one); undefined when none. */
  get(id: string): Promise<VmResource | undefined>;
}

export interface VmReaderOptions {
  readonly cache: Pick<StateCache, 'readIndex' | 'readInstances'>;
  /** The endpoints whose VMs are visible (those currently configured or registered). */
  readonly endpoints: () => readonly EndpointConfig[];
  /** Records read per round trip (one MGET). */
  readonly batchSize?: number;
}

function resource(endpoint: EndpointConfig, record: InstanceRecord): VmResource {
  return {
    id: record.instanceId,
    path: `vms/${record.instanceId}`,
    status: record.status,
    message: record.message,
    endpoint: endpoint.name,
    platform: endpoint.platform,
    platform_id: record.platformId,
    observed_time: record.observedTime,
    last_transition_time: record.lastTransitionTime,
  };
}

/**
 * Walks the endpoints' indexes (the platform ids of each endpoint's last
 * complete lists) in order and reads their records in batches. A page
 * stops reading as soon as it is full, so a first page costs a few round
 * trips however many VMs there are; `get` has no index by DCM id and reads
 * everything until it finds one.
 */
export function createVmReader(options: VmReaderOptions): VmReader {
  const batchSize = options.batchSize ?? 500;
  const sortedEndpoints = (): EndpointConfig[] => [...options.endpoints()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  /** Yields every record of `endpoint` after `afterPlatformId`, in platform id order, a batch at a time. */
  async function* recordsOf(endpoint: EndpointConfig, afterPlatformId?: string): AsyncGenerator<InstanceRecord[]> {
    const index = await options.cache.readIndex(endpoint.name);
    const ids = [...index.members.keys()]
      .filter((id) => afterPlatformId === undefined || id > afterPlatformId)
      .sort();
    for (let start = 0; start < ids.length; start += batchSize) {
      const records = await options.cache.readInstances(endpoint.name, ids.slice(start, start + batchSize));
      yield records.filter((record): record is InstanceRecord => record !== undefined);
    }
  }

  return {
    async list(query) {
      const wanted = (status: VmStatus): boolean => (query.statuses && query.statuses.length > 0 ? query.statuses.includes(status) : status !== 'DELETED');
      const results: VmResource[] = [];
      for (const endpoint of sortedEndpoints()) {
        if (query.endpoint !== undefined && endpoint.name !== query.endpoint) continue;
        const [afterEndpoint, afterPlatformId] = query.after ?? [];
        if (afterEndpoint !== undefined && endpoint.name < afterEndpoint) continue;
        const resumeAt = afterEndpoint === endpoint.name ? afterPlatformId : undefined;
        for await (const batch of recordsOf(endpoint, resumeAt)) {
          for (const record of batch) {
            if (!wanted(record.status)) continue;
            // One more than a page tells whether a next page exists.
            if (results.length === query.pageSize) {
              const last = results[results.length - 1] as VmResource;
              return { results, nextKey: [last.endpoint, last.platform_id] };
            }
            results.push(resource(endpoint, record));
          }
        }
      }
      return { results };
    },

    async get(id) {
      let deleted: VmResource | undefined;
      for (const endpoint of sortedEndpoints()) {
        for await (const batch of recordsOf(endpoint)) {
          const found = batch.find((record) => record.instanceId === id && record.status !== 'DELETED');
          if (found) return resource(endpoint, found);
          const tombstone = batch.find((record) => record.instanceId === id);
          if (tombstone && !deleted) deleted = resource(endpoint, tombstone);
        }
      }
      return deleted;
    },
  };
}
