import type { Logger } from 'pino';
import type { Schema } from 'convict';
import type { Clock } from '../clock/index.js';
import type { ValidationIssue } from '../errors/index.js';
import type { StateTable } from '../normalize/state-table.js';
import type { ServiceType } from '../normalize/status.js';
import type { EndpointConfig } from '../config/endpoint.js';
import type { RequestGate } from '../ratelimit/index.js';

/**
 * One managed instance as a platform reported it, before normalization.
 * An adapter yields only instances that carry the managed-by selector; it
 * copies the `dcm-instance-id` label/tag value into `instanceId` untouched
 * (the core checks it is a valid DCM id).
 */
export interface RawInstance {
  /** The platform's own, stable id (vSphere VM moid, Nova server UUID, EC2 instance id). */
  readonly platformId: string;
  /** The value of the endpoint's `instanceIdKey` label/tag; undefined when absent. */
  readonly instanceId: string | undefined;
  /**
   * The platform's state, spelled as the adapter's state table keys it.
   * `undefined`/`null`/`''` mean "not reported yet" and normalize to PROVISIONING.
   */
  readonly rawState: string | null | undefined;
  /** Optional display name, used in event messages and logs. */
  readonly name?: string;
  /** Optional extra platform wording (a fault message, a task state) for the event message. */
  readonly detail?: string;
  /**
   * Set when the platform lists the instance but cannot report its state now
   * (a Nova server in a down cell, listed from microversion 2.69 as a partial
   * record with status `UNKNOWN`): the reason, for the logs. The core counts
   * the instance present and keeps the state DCM was last told; it publishes
   * nothing for it.
   */
  readonly stateUnavailable?: string;
}

/** What the core hands an adapter when it opens a connection for one endpoint. */
export interface AdapterContext {
  /** A child logger already bound to the endpoint; it redacts credentials. */
  readonly logger: Logger;
  readonly clock: Clock;
  /** Called once per platform HTTP request with its outcome, for the request metrics. */
  readonly onRequest?: (outcome: { readonly status: number | 'error'; readonly throttled: boolean }) => void;
  /**
   * Set for endpoints registered over the API, absent for the operator's own
   * (configuration-file) endpoints. When set, every socket the adapter opens
   * for the endpoint, to its `url` or to any URL it derives (a Keystone
   * catalog's compute URL), resolves its host through this check once and
   * connects only to addresses it allowed (`src/platform-http` builds both).
   */
  readonly targetCheck?: ConnectTargetCheck;
  /**
   * Where the adapter may keep what it learned about the endpoint across
   * restarts and replicas (names it would otherwise fetch again): Redis under
   * the cache's namespace, or memory when `cache.url` is empty. Absent → the
   * adapter keeps what it learns in memory, for the life of the connection.
   */
  readonly store?: EndpointStore;
  /**
   * The request budget of the platform account the endpoint belongs to
   * (`rateLimits.<platform>`), shared with every other endpoint of that
   * account on every replica. The adapter derives the account key (vCenter:
   * its URL origin; OpenStack: auth URL and project; EC2: account or access
   * key and region) and takes a token from its gate before every platform
   * request, retries included. Absent: the platform is not limited.
   */
  readonly rateLimit?: (accountKey: string) => RequestGate;
}

/**
 * Small string maps an adapter keeps for one endpoint, one per use
 * (`tag-names`), so uses never see each other's keys. The bridge drops them
 * all when the endpoint is removed. It is a cache of platform facts: the
 * adapter validates what it reads back and can always ask the platform
 * again, so a failing store slows a poll down but must not fail it.
 */
export interface EndpointStore {
  /** The map of one use; `use` is a short fixed name (`[a-z0-9-]+`). */
  map(use: string): EndpointStoreMap;
}

/**
 * One use's map of an {@link EndpointStore}. Every method throws a
 * `CACHE_FAILED` BridgeError when the store fails; none answers "empty"
 * because it could not read.
 */
export interface EndpointStoreMap {
  /** Every entry. */
  entries(): Promise<ReadonlyMap<string, string>>;
  /** The values of `keys`, in order; undefined where there is none. */
  getMany(keys: readonly string[]): Promise<ReadonlyArray<string | undefined>>;
  /** Sets every entry at once (one transaction on Redis). */
  setMany(entries: ReadonlyMap<string, string>): Promise<void>;
  /** Deletes these keys; absent ones are ignored. */
  deleteMany(keys: readonly string[]): Promise<void>;
}

/**
 * The target policy (SSRF guard) as the platform connections apply it: the
 * same resolver and the same rules as the check at registration.
 */
export interface ConnectTargetCheck {
  /** Every address `host` has now (A and AAAA); an empty list or a rejection (the resolver's error) when it has none. */
  resolve(host: string): Promise<readonly string[]>;
  /** Why `host` may not be reached at `address` (the host itself when it is a literal), or undefined when it may. */
  refusal(host: string, address: string): string | undefined;
}

/**
 * The platform's answer about one instance that a complete list left out
 * (invariant 3: absence from a list is not deletion).
 *
 * - `gone`: the platform confirms the instance no longer exists (vCenter 404,
 *   Nova 404 or its deleted record, EC2 `terminated` or not found). The only
 *   verdict that lets the core publish DELETED.
 * - `present`: it exists and still carries DCM's selector: the list was wrong
 *   (a down cell, a dropped page, tags missing from one answer). The core
 *   keeps the last state and counts it present.
 * - `unmanaged`: it exists but no longer carries `managed-by=dcm` or its
 *   instance id (retagged), or the account may no longer see it. It left
 *   DCM's scope without being deleted: the core publishes nothing DELETED and
 *   stops tracking it.
 * - `unknown`: the platform could not say now (5xx, timeout, down cell). The
 *   core keeps the last state and asks again after the next complete list.
 */
export type AbsenceVerdict = 'gone' | 'present' | 'unmanaged' | 'unknown';

/** One instance's {@link AbsenceVerdict}, with the platform's words for the logs and the DELETED message. */
export interface AbsenceFinding {
  readonly verdict: AbsenceVerdict;
  /** Short evidence, e.g. `GET /vcenter/vm/vm-42 answered 404` or `state terminated`. */
  readonly evidence: string;
}

/**
 * Why an absence confirmation stopped asking when the poll's signal aborted:
 * the words every adapter gives the ids left `unknown` then (see
 * {@link PlatformConnection.confirmAbsence}).
 */
export const pollStoppedReason = 'the poll was stopped (its time budget spent, or the endpoint removed)';

/**
 * One page of an incremental listing ({@link PlatformConnection.listChanges}).
 * On a full listing's behalf only `instances` is used.
 */
export interface ChangePage {
  /**
   * Managed instances that changed (or may have), with their current state,
   * exactly as {@link PlatformConnection.list} yields them.
   */
  readonly instances: readonly RawInstance[];
  /**
   * Instances the platform reports deleted, authoritatively (Nova's deleted
   * server records): the core publishes DELETED for the ones DCM tracks
   * without waiting for absences. Never a mere absence.
   */
  readonly deleted: readonly { readonly platformId: string; readonly evidence: string }[];
  /**
   * Instances that may have left DCM's scope without proof of deletion (left
   * the view, lost the managed-by mark, no longer visible): for the ones DCM
   * tracks the core asks `confirmAbsence` at once, as after a complete list.
   */
  readonly departed: readonly string[];
}

/** What an incremental-capable listing returns when it completes. */
export interface ListingEnd {
  /** Where the next incremental listing resumes; undefined when the platform gave none (the next poll lists in full). */
  readonly cursor: string | undefined;
}

/**
 * A live connection to one endpoint: it owns the platform session/token and
 * reuses it across polls.
 */
export interface PlatformConnection {
  /**
   * Lists every managed instance of the endpoint, one page at a time.
   *
   * Contract: the iteration completes normally only when the listing was
   * complete. Any failure, truncation or abort throws a `BridgeError`
   * (a `PLATFORM_*`, `LIST_INCOMPLETE` or `POLL_ABORTED` code, with
   * `retryAfterMs` when the platform gave one; `CONFIG_INVALID` when the
   * platform shows the endpoint's settings cannot work, e.g. no compute
   * endpoint in the region asked for); it never ends early with a short list.
   * Each page yielded must be whole and true on its own: the core publishes
   * a page's changes while the following page is asked for (one page ahead),
   * before the list is known complete. An instance may come on several
   * pages (paging over a changing listing repeats some): the core counts and
   * diffs the first of them.
   */
  list(signal: AbortSignal): AsyncIterable<readonly RawInstance[]>;
  /**
   * Incremental listing, for platforms that can say what changed since a
   * point (Nova's `changes-since`, vCenter's `WaitForUpdatesEx`). Optional:
   * without it every poll is a full {@link list}.
   *
   * `cursor` is `undefined` on a full list's behalf: the adapter then lists
   * every managed instance exactly as {@link list} does and, at the end,
   * returns the cursor from which the next incremental listing resumes. With
   * a cursor it yields only what changed since it, and returns the next one.
   * A returned cursor must cover everything the platform may change after
   * the listing began (it may repeat changes: the core diffs them away).
   *
   * The same contract as {@link list} for failures (throw, never end early);
   * a cursor the platform will not take any more (expired, unknown, older
   * than it keeps deleted records) throws `CURSOR_REJECTED` before anything
   * is yielded, and the core runs a full listing instead.
   */
  listChanges?(cursor: string | undefined, signal: AbortSignal): AsyncGenerator<ChangePage, ListingEnd>;
  /**
   * Asks the platform about instances a complete list left out, by platform
   * id, in as few requests as the platform allows (batched where it can).
   * Answers a finding for every id asked; an id left out of the map counts
   * as `unknown`. When `signal` aborts (the poll's time budget spent, or
   * the poll stopped) it answers what the platform already said, the rest
   * `unknown`: a poll whose budget cannot cover every confirmation must
   * still settle some, or the same ids would be asked, and lost, poll after
   * poll, and no DELETED would ever be published. It throws only when
   * nothing could be asked at all (no session, the platform unreachable):
   * the core then treats every id as `unknown`. Each adapter README states
   * the request budget of this call.
   */
  confirmAbsence(platformIds: readonly string[], signal: AbortSignal): Promise<ReadonlyMap<string, AbsenceFinding>>;
  /** Releases the platform session (logout) and sockets. Idempotent. */
  close(): Promise<void>;
}

/**
 * A platform adapter: everything the core knows about one kind of platform.
 * Adapters live in `adapters/<platform>/` and reach the core only through the
 * adapter registry (`src/registry`).
 */
export interface PlatformAdapter {
  /** The value of `platform:` in endpoint configs (`vsphere`, `openstack`, `ec2`). */
  readonly platform: string;
  /** No endpoint of this platform is polled more often than this; configs below it are rejected. */
  readonly minimumIntervalSeconds: number;
  /** The service types this adapter can report (today always `vm`). */
  readonly serviceTypes: readonly ServiceType[];
  /** Raw state → DCM status, as data. */
  readonly stateTable: StateTable;
  /**
   * Convict schema of the platform's own endpoint keys (top level, beside the
   * common ones) and of its `credentials` block. Unknown keys are rejected.
   */
  readonly configSchema: {
    readonly options: Schema<Record<string, unknown>>;
    readonly credentials: Schema<Record<string, unknown>>;
  };
  /** Whether `url` is required for this platform (EC2 derives it from the region). */
  readonly urlRequired: boolean;
  /**
   * The values `selector.source` may take, for a platform that can find DCM's
   * resources in more than one place (vSphere: custom attributes or tags);
   * `validate` checks the combination with the other keys. Absent: the key is
   * rejected for this platform.
   */
  readonly selectorSources?: readonly string[];
  /**
   * Whether this endpoint's connections offer `listChanges`, decided from its
   * configuration alone (vSphere: only on the Web Services API path), so a
   * bridge that loads the adapter's code on demand knows it before the first
   * poll. Absent: only the loaded connection says.
   */
  listsChanges?(endpoint: EndpointConfig): boolean;
  /** Cross-field checks the schema cannot express; paths are relative to the endpoint. */
  validate?(endpoint: EndpointConfig): readonly ValidationIssue[];
  /** Opens a connection for one endpoint. Must not do I/O before the first `list`. */
  connect(endpoint: EndpointConfig, context: AdapterContext): PlatformConnection;
}

/**
 * What the configuration needs of an adapter (platform name, floor, schemas,
 * checks), without the code that talks to the platform. Each adapter keeps
 * it in a module of its own (`adapters/<platform>/platform.ts`) that imports
 * nothing heavy, so the registry can validate endpoints of every platform
 * and load an adapter's code only when an endpoint of its platform polls.
 */
export type AdapterDescription = Omit<PlatformAdapter, 'connect'>;

/**
 * What adapters may know of the host the bridge runs on: its environment,
 * working directory and home directory (OpenStack's clouds.yaml lookup reads
 * all three). The CLI hands it in; adapters never read `process` themselves.
 */
export interface AdapterHost {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly homeDir: string;
}
