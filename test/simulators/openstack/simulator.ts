import { createSimulatorServer, type FaultSwitch, type RunningServer, type SimulatorStats, type StartOptions } from '../common/index.js';
import { computeRoutes } from './compute-routes.js';
import { computeUrl, identityUrl, type IdentityIds, type OpenstackContext, type OpenstackCredentials } from './context.js';
import { openstackControlRoutes } from './control-routes.js';
import { openstackErrorResponse } from './errors.js';
import { identityRoutes } from './identity.js';
import { advanceLifecycle, type LifecycleStep } from './lifecycle.js';
import { createListingFaults, type ListingFaultAction, type ListingFaults } from './listing-faults.js';
import { parseMicroversion } from './microversions.js';
import { createNovaQuirks, type NovaQuirks, type NovaQuirkSettings } from './quirks.js';
import { createServerStore, type SeedDcmOptions, type SeededServer, type ServerStore } from './servers.js';
import { createTokenStore, type TokenCounters } from './tokens.js';

/** The user, project and application credential the simulator accepts unless told otherwise. Not secrets: fixtures. */
export const DEFAULT_CREDENTIALS: OpenstackCredentials = {
  username: 'dcm-bridge',
  password: 'Simulator-Passw0rd!',
  userDomainName: 'Default',
  projectName: 'dcm',
  projectDomainName: 'Default',
  applicationCredentialId: '423f19a4ac1e4f48bbb4180756e6eb6c',
  applicationCredentialSecret: 'Simulator-AppCred-Secret',
};

/** Keystone ids of the default user and project. */
export const DEFAULT_IDS: IdentityIds = { userId: 'fd786d56402c4d1691372e7dee0d00b5', projectId: '231c62fb0fbd485b995e8b060c3f0d98', domainId: 'default' };

/** The newest microversion served unless told otherwise (Nova 2024.1 "Caracal"). */
export const DEFAULT_MAX_MICROVERSION = '2.96';

/** Options of {@link createOpenstackSimulator}; every one has a default. */
export interface OpenstackSimulatorOptions {
  /** The one user / project / application credential accepted. Default {@link DEFAULT_CREDENTIALS}. */
  readonly credentials?: OpenstackCredentials;
  readonly ids?: IdentityIds;
  /** Clock in milliseconds, for token expiry and server timestamps. Default `Date.now`. */
  readonly now?: () => number;
  /** Token lifetime. Default 3600 (Keystone's `[token] expiration`). */
  readonly tokenTtlSeconds?: number;
  /** Nova's `[api] max_limit`: the largest page; a larger or missing `limit` is clamped to it. Default 1000. */
  readonly maxLimit?: number;
  /** Newest compute microversion served (`2.x`); tags need 2.26. Default {@link DEFAULT_MAX_MICROVERSION}. */
  readonly maxMicroversion?: string;
  /** Keystone's root on the origin. Default `/identity` (so the auth URL is `<origin>/identity/v3`); `''` serves `/v3`. */
  readonly identityPath?: string;
  /** Nova's root on the origin. Default `/compute` (API at `<origin>/compute/v2.1`). */
  readonly computePath?: string;
  /** Region of the catalog's endpoints. Default `RegionOne`. */
  readonly region?: string;
  /** Origin written into catalogs and links; default the URL `start()` listens on. */
  readonly publicUrl?: string;
  /** Seed of the fault RNG. Default 1. */
  readonly seed?: number;
  /** How latency faults wait. Default a real timer. */
  readonly delay?: (milliseconds: number) => Promise<void>;
  /** Token id generator. Default Fernet-looking random strings. */
  readonly newToken?: () => string;
  /** Server id generator. Default UUID-shaped counters, so runs repeat. */
  readonly newServerId?: () => string;
  /** Quirk switches to start with (down cells, dropped next links, tags missing from lists); default all off. `reset()` returns to them. */
  readonly quirks?: Partial<NovaQuirkSettings>;
  /**
   * Seconds a deleted server's record stays visible to `changes-since` listings before it is
   * archived (purged from the API's view, checked at each list request). Nova keeps deleted
   * rows until an operator runs `nova-manage db archive_deleted_rows` (often from cron, with
   * `--before`) or `purge`; the api-guide warns that "implementations are not required to keep
   * track of deleted resources indefinitely". Default: kept until purged by hand.
   */
  readonly deletedRetentionSeconds?: number;
}

/** A simulated Keystone v3 + Nova v2.1, driven in process or over `/_sim/`. */
export interface OpenstackSimulator {
  /** Starts listening (default `http://127.0.0.1:<free port>`); pass `tls` for HTTPS. */
  start(options?: StartOptions): Promise<RunningServer>;
  close(): Promise<void>;
  readonly credentials: OpenstackCredentials;
  readonly ids: IdentityIds;
  /** The servers of the project. */
  readonly servers: ServerStore;
  /** Kit fault switches (5xx, 429, latency, truncation, drop). */
  readonly faults: FaultSwitch;
  /** Faults aimed at page N of a listing (`revokeToken`, `proxyAnswer` or a kit fault). */
  readonly listingFaults: ListingFaults;
  /** Nova behaviours that leave existing servers out of complete lists (see `quirks.ts`). */
  readonly quirks: NovaQuirks;
  /** Keystone's auth URL, `<origin><identityPath>/v3` (what the bridge's `url` holds). Needs `start()` or `publicUrl`. */
  authUrl(): string;
  /** Nova's endpoint, `<origin><computePath>/v2.1`, as the catalog lists it. */
  computeUrl(): string;
  /** Request counts per route, fault firings, and `platform.tokens` / `platform.serverCount`. */
  stats(): SimulatorStats;
  resetStats(): void;
  /** Clears faults, counters, listing faults, servers and tokens; quirks return to the options'. */
  reset(): void;
  /** Shortcut of `servers.seedDcmServers`. */
  seedDcmServers(options: SeedDcmOptions): SeededServer[];
  /** Moves a server one step along BUILD → ACTIVE → powering-off → SHUTOFF → deleting → DELETED. */
  advanceLifecycle(serverId: string): LifecycleStep;
  /** Shortcut of `listingFaults.arm({ page, action })`. */
  failListingPage(page: number, action: ListingFaultAction): void;
  /** Changes how long deleted records stay visible (undefined: until purged by hand); `reset()` returns to the option's value. */
  setDeletedRetention(seconds: number | undefined): void;
  /** Expires every token now; their next Nova call answers 401. */
  expireAllTokens(): number;
  /** Revokes every token now. */
  revokeAllTokens(): number;
  tokenCounters(): TokenCounters;
}

function checkedRetention(seconds: number | undefined): number | undefined {
  if (seconds !== undefined && !(Number.isFinite(seconds) && seconds >= 0)) {
    throw new Error(`deletedRetentionSeconds must be a non-negative number, got ${seconds}`);
  }
  return seconds;
}

function trimSlash(path: string): string {
  return path.replace(/\/+$/, '');
}

/** Creates an OpenStack (Keystone + Nova) simulator with no servers. */
export function createOpenstackSimulator(options: OpenstackSimulatorOptions = {}): OpenstackSimulator {
  const now = options.now ?? Date.now;
  const maxMicroversion = parseMicroversion(options.maxMicroversion ?? DEFAULT_MAX_MICROVERSION);
  if (maxMicroversion === undefined) {
    throw new Error(`maxMicroversion must look like 2.96, got ${options.maxMicroversion ?? ''}`);
  }
  const paths = { identity: trimSlash(options.identityPath ?? '/identity'), compute: trimSlash(options.computePath ?? '/compute') };
  const tokens = createTokenStore({ now, ttlSeconds: options.tokenTtlSeconds ?? 3600, ...(options.newToken === undefined ? {} : { newToken: options.newToken }) });
  const servers = createServerStore({ now, ...(options.newServerId === undefined ? {} : { newServerId: options.newServerId }) });
  let listeningUrl: string | undefined;
  // The kit server is built from the routes, and the listing faults arm faults on it: read it lazily.
  const listingFaults = createListingFaults(() => server.faults, tokens);
  const quirks = createNovaQuirks(options.quirks);

  const context: OpenstackContext = {
    servers,
    tokens,
    credentials: options.credentials ?? DEFAULT_CREDENTIALS,
    ids: options.ids ?? DEFAULT_IDS,
    paths,
    region: options.region ?? 'RegionOne',
    maxLimit: options.maxLimit ?? 1000,
    maxMicroversion,
    now,
    publicUrl: () => {
      const url = options.publicUrl ?? listeningUrl;
      if (url === undefined) {
        throw new Error('the simulator has no URL yet: start() it or pass publicUrl');
      }
      return url;
    },
    listingFaults,
    quirks,
    retention: { deletedSeconds: checkedRetention(options.deletedRetentionSeconds) },
  };
  const identityRoot = paths.identity === '' ? '/v3' : paths.identity;
  const server = createSimulatorServer({
    routes: [...identityRoutes(context), ...computeRoutes(context)],
    controlRoutes: openstackControlRoutes(context),
    errorResponse: openstackErrorResponse((path) => path === identityRoot || path.startsWith(`${identityRoot}/`)),
    platformStats: () => ({ tokens: tokens.counters(), serverCount: servers.liveCount(), pendingListingFaults: listingFaults.pending().length }),
    onReset: () => {
      listingFaults.clear();
      quirks.reset();
      context.retention.deletedSeconds = checkedRetention(options.deletedRetentionSeconds);
      servers.clear();
      tokens.clear();
    },
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.delay === undefined ? {} : { delay: options.delay }),
  });

  return {
    async start(startOptions) {
      const running = await server.start(startOptions);
      listeningUrl = running.url;
      return running;
    },
    close: () => server.close(),
    credentials: context.credentials,
    ids: context.ids,
    servers,
    faults: server.faults,
    listingFaults,
    quirks,
    authUrl: () => `${identityUrl(context)}/v3`,
    computeUrl: () => computeUrl(context),
    stats: () => server.stats(),
    resetStats: () => server.resetStats(),
    reset: () => server.reset(),
    seedDcmServers: (seed) => servers.seedDcmServers(seed),
    advanceLifecycle: (serverId) => advanceLifecycle(servers, serverId),
    failListingPage: (page, action) => listingFaults.arm({ page, action }),
    setDeletedRetention: (seconds) => {
      context.retention.deletedSeconds = checkedRetention(seconds);
    },
    expireAllTokens: () => tokens.expireAll(),
    revokeAllTokens: () => tokens.revokeAll(),
    tokenCounters: () => tokens.counters(),
  };
}
