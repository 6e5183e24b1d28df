import type { StateCache } from '../../cache/index.js';
import { BridgeError, ErrorCode } from '../../errors/index.js';

/**
 * An endpoint registered over the API, as persisted: the configuration input
 * (camelCase keys, name included, credentials as given) and its times. The
 * input is kept rather than the validated endpoint so that a merge patch
 * applies to what the owner wrote, not to filled-in defaults.
 */
export interface StoredRegistration {
  readonly input: Readonly<Record<string, unknown>>;
  /** RFC 3339. */
  readonly createTime: string;
  readonly updateTime: string;
}

/** Registrations in Redis, beside the state cache (`doc:endpoint-registration:<id>`, id list `docs:endpoint-registration`). */
export interface RegistrationStore {
  list(): Promise<Array<{ readonly id: string; readonly registration: StoredRegistration }>>;
  get(id: string): Promise<StoredRegistration | undefined>;
  put(id: string, registration: StoredRegistration): Promise<void>;
  delete(id: string): Promise<void>;
}

const kind = 'endpoint-registration';

function isRegistration(value: unknown): value is StoredRegistration {
  const candidate = value as Partial<StoredRegistration> | null | undefined;
  return typeof candidate?.input === 'object' && candidate.input !== null && typeof candidate.createTime === 'string' && typeof candidate.updateTime === 'string';
}

/** A {@link RegistrationStore} over the state cache's documents. A malformed record is a `CACHE_FAILED` error naming its id. */
export function createRegistrationStore(cache: Pick<StateCache, 'readDocument' | 'listDocuments' | 'writeDocument' | 'deleteDocument'>): RegistrationStore {
  const checked = (id: string, value: unknown): StoredRegistration => {
    if (!isRegistration(value)) throw new BridgeError(ErrorCode.CacheFailed, `the stored registration of endpoint ${id} is malformed`, { endpoint: id });
    return value;
  };
  return {
    list: async () => (await cache.listDocuments(kind)).map(({ id, value }) => ({ id, registration: checked(id, value) })),
    async get(id) {
      const value = await cache.readDocument(kind, id);
      return value === undefined ? undefined : checked(id, value);
    },
    put: (id, registration) => cache.writeDocument(kind, id, registration),
    delete: (id) => cache.deleteDocument(kind, id),
  };
}
