import type { EndpointStore, EndpointStoreMap } from '../adapter/index.js';
import { BridgeError, ErrorCode } from '../errors/index.js';
import type { HotStore } from './hot-store.js';

/** Where an endpoint's adapter maps live. */
export interface EndpointStoreKeys {
  /** The hash of one use. */
  map(use: string): string;
  /** The hash naming every use written so far (use → `1`), so removing the endpoint finds them all without a SCAN. */
  readonly uses: string;
}

/** Runs one store operation, turning a failure into `CACHE_FAILED` (the state cache's own guard). */
export type StoreGuard = <T>(operation: string, action: () => Promise<T>) => Promise<T>;

const useName = /^[a-z0-9-]{1,64}$/;

/**
 * An endpoint's adapter maps over the hot store: each use is one hash, so a
 * whole map is one HGETALL and a batch of names one HMGET or one MULTI. The
 * use is recorded in the same MULTI as its first write, so
 * {@link forgetEndpointStore} never misses a map that holds entries.
 */
export function hotEndpointStore(hot: HotStore, keys: EndpointStoreKeys, guard: StoreGuard): EndpointStore {
  return {
    map(use): EndpointStoreMap {
      if (!useName.test(use)) throw new BridgeError(ErrorCode.Internal, `adapter store use ${JSON.stringify(use)} is not a short name of a-z, 0-9 and '-'`);
      const key = keys.map(use);
      return {
        entries: () => guard(`read ${use}`, () => hot.readHash(key)),
        getMany: (fields) =>
          guard(`read ${use}`, async () => (fields.length === 0 ? [] : (await hot.readFields(key, fields)).map((value) => value ?? undefined))),
        setMany: (entries) =>
          guard(`write ${use}`, async () => {
            if (entries.size === 0) return;
            await hot.apply([
              { op: 'setFields', key: keys.uses, fields: new Map([[use, '1']]) },
              { op: 'setFields', key, fields: entries },
            ]);
          }),
        deleteMany: (fields) =>
          guard(`delete ${use}`, async () => {
            if (fields.length > 0) await hot.apply([{ op: 'deleteFields', key, fields }]);
          }),
      };
    },
  };
}

/** Deletes every map of an endpoint (it was removed: what its adapter learned is of no use to anyone). */
export async function forgetEndpointStore(hot: HotStore, keys: EndpointStoreKeys): Promise<void> {
  const uses = [...(await hot.readHash(keys.uses)).keys()].filter((use) => useName.test(use));
  await hot.apply([...uses.map((use) => keys.map(use)), keys.uses].map((key) => ({ op: 'delete', key }) as const));
}
