import type { DocumentHash, StateCache } from '../../cache/index.js';
import { BridgeError, ErrorCode, isBridgeError } from '../../errors/index.js';
import { isSealedValue, type SealedValue, type Sealer } from '../../secrets/index.js';

/**
 * An endpoint registered over the API, as its callers see it: the
 * configuration input (camelCase keys, name included, credentials in clear)
 * and its times. The input is kept rather than the validated endpoint so
 * that a merge patch applies to what the owner wrote, not to filled-in
 * defaults.
 */
export interface StoredRegistration {
  readonly input: Readonly<Record<string, unknown>>;
  /** RFC 3339. */
  readonly createTime: string;
  readonly updateTime: string;
}

/**
 * How the store keeps credentials: `encrypted` with `api.credentialKeys`;
 * `plaintext` when the operator set `api.allowPlaintextCredentials` without
 * keys; `refused` otherwise (registrations with credentials are refused).
 */
export type CredentialStorage = 'encrypted' | 'plaintext' | 'refused';

/** One stored registration as listed: readable, or the reason it is not (its key is gone, it was altered). */
export type ListedRegistration =
  | { readonly id: string; readonly registration: StoredRegistration; readonly error?: undefined; readonly sealedWithOtherKey: boolean }
  | { readonly id: string; readonly registration?: undefined; readonly error: BridgeError };

/**
 * Registrations in Redis, beside the state cache: one hash,
 * `<namespace>:v2:registrations` (field = id), so replicas registering at
 * once never lose each other's. Records an older version kept as keyv
 * documents (`doc:endpoint-registration:<id>`, id list
 * `docs:endpoint-registration`) are still read until their next write or
 * delete; the hash's record shadows them.
 */
export interface RegistrationStore {
  readonly credentialStorage: CredentialStorage;
  /** Id of the key that seals new writes; undefined without keys. */
  readonly currentKeyId: string | undefined;
  /**
   * Every stored registration. One that cannot be read (malformed, sealed
   * with a key that is not configured, altered) is listed with its error
   * rather than failing the list. `sealedWithOtherKey` marks readable ones
   * whose credentials are not sealed with the current key (an older key, or
   * stored in clear before keys were configured): `put` re-seals them.
   */
  list(): Promise<ListedRegistration[]>;
  /** Throws `FAILED_PRECONDITION` when the record cannot be opened, `CACHE_FAILED` when it is malformed. */
  get(id: string): Promise<StoredRegistration | undefined>;
  /** The record under `id` as {@link RegistrationStore.list} lists it (an unreadable one with its error); undefined when none is stored. */
  find(id: string): Promise<ListedRegistration | undefined>;
  /** True when a record is stored under `id`, readable or not. */
  has(id: string): Promise<boolean>;
  /**
   * Stores a registration, its credentials sealed with the current key
   * (`encrypted`) or as given (`plaintext`). Throws `INVALID_ARGUMENT` when
   * credentials are `refused`; {@link RegistrationStore.credentialRefusal}
   * says why, for callers that check first.
   */
  put(id: string, registration: StoredRegistration): Promise<void>;
  /**
   * {@link RegistrationStore.put} of a new registration: answers false,
   * storing nothing, when a record is already stored under `id` (by any
   * replica, at the same instant included).
   */
  putNew(id: string, registration: StoredRegistration): Promise<boolean>;
  delete(id: string): Promise<void>;
  /** Why credentials cannot be stored and how to allow them; undefined unless `credentialStorage` is `refused`. */
  credentialRefusal(): string | undefined;
}

/** Where registrations are kept: the hash every write goes to, and the documents an older version wrote (read and deleted only). */
export interface RegistrationRecords {
  readonly records: DocumentHash;
  readonly legacy?: Pick<StateCache, 'readDocument' | 'listDocuments' | 'deleteDocument'>;
}

/** Options of {@link createRegistrationStore}. */
export interface RegistrationStoreOptions {
  /** Seals credentials at rest; from `api.credentialKeys`. */
  readonly sealer?: Sealer;
  /** `api.allowPlaintextCredentials`: without a sealer, keep credentials in clear instead of refusing them. */
  readonly allowPlaintextCredentials?: boolean;
}

const kind = 'endpoint-registration';

/**
 * The record as persisted. Credentials leave `input` and are sealed into
 * `sealedCredentials` (with the id of their key) whenever a key is
 * configured; records written before that keep them in `input` until their
 * next write.
 */
interface PersistedRegistration {
  readonly input: Readonly<Record<string, unknown>>;
  readonly sealedCredentials?: SealedValue;
  readonly createTime: string;
  readonly updateTime: string;
}

const refusal =
  'cannot be stored: no encryption key is configured for registration credentials. The operator sets api.credentialKeys ' +
  '(a list of {id, key}, key = 32 random bytes in base64 from `openssl rand -base64 32`, written as ${file:...}), ' +
  'or api.allowPlaintextCredentials: true to keep them unencrypted in Redis';

function isPersisted(value: unknown): value is PersistedRegistration {
  const candidate = value as Partial<PersistedRegistration> | null | undefined;
  return (
    typeof candidate?.input === 'object' &&
    candidate.input !== null &&
    typeof candidate.createTime === 'string' &&
    typeof candidate.updateTime === 'string' &&
    (candidate.sealedCredentials === undefined || isSealedValue(candidate.sealedCredentials))
  );
}

function hasCredentials(input: Readonly<Record<string, unknown>>): boolean {
  const credentials = input['credentials'];
  return credentials !== null && typeof credentials === 'object' && Object.keys(credentials).length > 0;
}

/**
 * A {@link RegistrationStore} over `where`. Sealed
 * credentials are bound to their record's id, so a sealed block copied onto
 * another registration does not open.
 */
export function createRegistrationStore(where: RegistrationRecords, options: RegistrationStoreOptions = {}): RegistrationStore {
  const { records, legacy } = where;
  const { sealer } = options;
  const credentialStorage: CredentialStorage = sealer ? 'encrypted' : options.allowPlaintextCredentials ? 'plaintext' : 'refused';
  const boundTo = (id: string): string => `${kind}:${id}`;

  const opened = (id: string, value: unknown): { registration: StoredRegistration; sealedWithOtherKey: boolean } => {
    if (!isPersisted(value)) throw new BridgeError(ErrorCode.CacheFailed, `the stored registration of endpoint ${id} is malformed`, { endpoint: id });
    const { input, sealedCredentials, createTime, updateTime } = value;
    if (sealedCredentials === undefined) {
      return { registration: { input, createTime, updateTime }, sealedWithOtherKey: sealer !== undefined && hasCredentials(input) };
    }
    if (!sealer) {
      throw new BridgeError(ErrorCode.FailedPrecondition, `the credentials of registration ${id} are encrypted with key "${sealedCredentials.keyId}", and api.credentialKeys is empty; configure that key to read them`, { endpoint: id, keyId: sealedCredentials.keyId });
    }
    let credentials: unknown;
    try {
      credentials = JSON.parse(sealer.open(sealedCredentials, boundTo(id)));
    } catch (error) {
      const reason = isBridgeError(error) ? error.message : 'do not decode';
      throw new BridgeError(ErrorCode.FailedPrecondition, `the credentials of registration ${id} cannot be decrypted: ${reason}`, { endpoint: id, keyId: sealedCredentials.keyId });
    }
    return { registration: { input: { ...input, credentials }, createTime, updateTime }, sealedWithOtherKey: sealedCredentials.keyId !== sealer.currentKeyId };
  };

  const persisted = (id: string, registration: StoredRegistration): PersistedRegistration => {
    const { input, createTime, updateTime } = registration;
    if (!hasCredentials(input)) return { input, createTime, updateTime };
    if (sealer) {
      const { credentials, ...rest } = input;
      return { input: rest, sealedCredentials: sealer.seal(JSON.stringify(credentials), boundTo(id)), createTime, updateTime };
    }
    if (credentialStorage === 'plaintext') return { input, createTime, updateTime };
    throw new BridgeError(ErrorCode.InvalidArgument, `the credentials of registration ${id} ${refusal}`, { endpoint: id, issues: [{ path: 'body.credentials', message: refusal }] });
  };

  const listed = (id: string, value: unknown): ListedRegistration => {
    try {
      return { id, ...opened(id, value) };
    } catch (error) {
      if (!isBridgeError(error)) throw error;
      return { id, error };
    }
  };
  const read = async (id: string): Promise<unknown> => {
    const value = await records.read(id);
    return value !== undefined || !legacy ? value : legacy.readDocument(kind, id);
  };

  return {
    credentialStorage,
    currentKeyId: sealer?.currentKeyId,
    async list() {
      const current = await records.list();
      const shadowed = new Set(current.map(({ id }) => id));
      const older = legacy ? (await legacy.listDocuments(kind)).filter(({ id }) => !shadowed.has(id)) : [];
      return [...current, ...older].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(({ id, value }) => listed(id, value));
    },
    async get(id) {
      const value = await read(id);
      return value === undefined ? undefined : opened(id, value).registration;
    },
    async find(id) {
      const value = await read(id);
      return value === undefined ? undefined : listed(id, value);
    },
    has: async (id) => (await read(id)) !== undefined,
    put: async (id, registration) => records.write(id, persisted(id, registration)),
    putNew: async (id, registration) => (legacy && (await legacy.readDocument(kind, id)) !== undefined ? false : records.writeNew(id, persisted(id, registration))),
    async delete(id) {
      // The older copy goes first: a failure in between leaves the record whole, and DELETE can be retried.
      if (legacy && (await legacy.readDocument(kind, id)) !== undefined) await legacy.deleteDocument(kind, id);
      await records.delete(id);
    },
    credentialRefusal: () => (credentialStorage === 'refused' ? refusal : undefined),
  };
}
