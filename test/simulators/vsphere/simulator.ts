import {
  createSimulatorServer,
  type FaultSwitch,
  type RunningServer,
  type SimulatorStats,
  type StartOptions,
} from '../common/index.js';
import { createAccountView, type AccountView, type VsphereQuirks } from './account-view.js';
import { vsphereControlRoutes } from './control-routes.js';
import { vsphereErrorResponse } from './flavors.js';
import { createInventory, type SeedDcmOptions, type SeededVm, type VsphereInventory } from './inventory.js';
import { createMalformedAnswers, type MalformedAnswerSpec } from './malformed-answers.js';
import type { TagRecord, TagReference } from './model.js';
import type { Credentials, VsphereContext } from './operations.js';
import { createSessionStore, type SessionCounters } from './sessions.js';
import { ACTION_PARAMS, vcenterRoutes } from './vcenter-routes.js';
import { createSoapSessionRegistry, DEFAULT_ABOUT, DEFAULT_MAX_OBJECT_UPDATES_POLICY, isSdkRequest, sdkRoute, vimErrorResponse, type AboutSettings, type PagingConsistency, type VimContext, type VimSettings } from './vim/index.js';

/** The test user the simulator accepts unless told otherwise. Not a secret: a fixture. */
export const DEFAULT_CREDENTIALS: Credentials = { username: 'administrator@vsphere.local', password: 'Simulator-Passw0rd!' };

/** Options of {@link createVsphereSimulator}; every one has a default. */
export interface VsphereSimulatorOptions {
  /** The one user accepted by `POST /api/session` (Basic auth). Default {@link DEFAULT_CREDENTIALS}. */
  readonly credentials?: Credentials;
  /** Clock in milliseconds, for session idle expiry. Default `Date.now`. */
  readonly now?: () => number;
  /** A session unused this long answers 401 on its next use. Default 1800 (30 minutes). */
  readonly sessionIdleSeconds?: number;
  /** Concurrent sessions per user before login answers 503. Default 550, as vCenter 7. */
  readonly maxSessionsPerUser?: number;
  /** Most VMs one list call returns before answering `unable_to_allocate_resource`. Default 4000 (vCenter 7+; 6.5 had 1000). */
  readonly maxVmListResults?: number;
  /** Accept `vms=a,b` besides `vms=a&vms=b` on `/api` list calls. Default true; set false to insist on the documented repeated form. */
  readonly acceptCommaSeparatedFilters?: boolean;
  /** Seed of the fault RNG. Default 1. */
  readonly seed?: number;
  /** How latency faults wait. Default a real timer. */
  readonly delay?: (milliseconds: number) => Promise<void>;
  /** Session token generator. Default 32 random hex characters. */
  readonly newSessionToken?: () => string;
  /** Start with `quirks.nullObjectIdsForUnattachedTags` on (see {@link VsphereQuirks}). Default false. */
  readonly nullObjectIdsForUnattachedTags?: boolean;
  /** The Web Services API (`POST /sdk`): what `ServiceContent.about` says and how paged retrievals read later pages. */
  readonly vim?: { readonly about?: Partial<AboutSettings>; readonly pagingConsistency?: PagingConsistency; readonly maxObjectUpdatesPolicy?: number };
}

/** A simulated vCenter serving the `/api` and `/rest` flavors, driven in process or over `/_sim/`. */
export interface VsphereSimulator {
  /** Starts listening (default `http://127.0.0.1:<free port>`); pass `tls` for HTTPS. */
  start(options?: StartOptions): Promise<RunningServer>;
  close(): Promise<void>;
  readonly credentials: Credentials;
  /** VMs, categories, tags and associations. */
  readonly inventory: VsphereInventory;
  /** Fault switches (5xx, 429, latency, truncation, drop). */
  readonly faults: FaultSwitch;
  /** Request counts per route, fault firings, and `platform.sessions` / `platform.vmCount`. */
  stats(): SimulatorStats;
  resetStats(): void;
  /** Clears faults, counters, inventory and sessions. */
  reset(): void;
  /** Shortcut of `inventory.tagVm`: attaches category/tag by name, creating them on first use. */
  tagVm(vmId: string, reference: TagReference): TagRecord;
  /** Shortcut of `inventory.seedDcmVms`. */
  seedDcmVms(options: SeedDcmOptions): SeededVm[];
  /** Ends every session now; their next call answers 401. */
  expireAllSessions(): number;
  sessionCounters(): SessionCounters;
  /** Which VMs the account may read: hide some to model a permission change. */
  readonly account: AccountView;
  /** Behaviours of some vCenter builds; mutable, reset to the options by `reset()`. */
  readonly quirks: VsphereQuirks;
  /** Arms a one-shot answer that is not the documented one (HTML, empty, wrong content type, a field missing). */
  malformAnswer(spec: MalformedAnswerSpec): void;
  /** Switches of the Web Services API slice (`POST /sdk`); mutable, reset to the options by `reset()`. */
  readonly vimSettings: VimSettings;
}

/** Creates a vCenter simulator with an empty inventory. */
export function createVsphereSimulator(options: VsphereSimulatorOptions = {}): VsphereSimulator {
  const credentials = options.credentials ?? DEFAULT_CREDENTIALS;
  const inventory = createInventory();
  const account = createAccountView();
  const initialQuirks: VsphereQuirks = { nullObjectIdsForUnattachedTags: options.nullObjectIdsForUnattachedTags ?? false };
  const quirks: VsphereQuirks = { ...initialQuirks };
  const malformed = createMalformedAnswers();
  const sessions = createSessionStore({
    now: options.now ?? Date.now,
    idleSeconds: options.sessionIdleSeconds ?? 1800,
    maxSessionsPerUser: options.maxSessionsPerUser ?? 550,
    ...(options.newSessionToken === undefined ? {} : { newToken: options.newSessionToken }),
  });
  const initialVimSettings: VimSettings = { pagingConsistency: options.vim?.pagingConsistency ?? 'snapshot', maxObjectUpdatesPolicy: options.vim?.maxObjectUpdatesPolicy ?? DEFAULT_MAX_OBJECT_UPDATES_POLICY };
  const vimSettings: VimSettings = { ...initialVimSettings };
  const soapSessions = createSoapSessionRegistry(sessions);
  const vimContext: VimContext = {
    inventory,
    sessions,
    soapSessions,
    credentials,
    account,
    now: options.now ?? Date.now,
    about: { ...DEFAULT_ABOUT, ...options.vim?.about },
    settings: vimSettings,
  };
  const context: VsphereContext = {
    inventory,
    sessions,
    credentials,
    maxVmListResults: options.maxVmListResults ?? 4000,
    acceptCommaSeparatedFilters: options.acceptCommaSeparatedFilters ?? true,
    account,
    quirks,
  };
  // Applied after each operation, so counters and inventory see the real call.
  const routes = [
    ...vcenterRoutes(context).map((route) => ({ ...route, handle: async (request: Parameters<typeof route.handle>[0]) => malformed.apply(request, await route.handle(request)) })),
    sdkRoute(vimContext),
  ];
  const server = createSimulatorServer({
    routes,
    controlRoutes: vsphereControlRoutes({ inventory, sessions, account, quirks, malformed, vimSettings }),
    discriminatorParams: ACTION_PARAMS,
    errorResponse: (request, status) => (isSdkRequest(request) ? vimErrorResponse(status) : vsphereErrorResponse(request, status)),
    platformStats: () => ({ sessions: sessions.counters(), soapSessions: soapSessions.count(), vmCount: inventory.vmCount() }),
    onReset: () => {
      inventory.clear();
      sessions.clear();
      soapSessions.clear();
      Object.assign(vimSettings, initialVimSettings);
      account.clear();
      Object.assign(quirks, initialQuirks);
      malformed.clear();
    },
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.delay === undefined ? {} : { delay: options.delay }),
  });

  return {
    start: (startOptions) => server.start(startOptions),
    close: () => server.close(),
    credentials,
    inventory,
    faults: server.faults,
    stats: () => server.stats(),
    resetStats: () => server.resetStats(),
    reset: () => server.reset(),
    tagVm: (vmId, reference) => inventory.tagVm(vmId, reference),
    seedDcmVms: (seedOptions) => inventory.seedDcmVms(seedOptions),
    expireAllSessions: () => sessions.expireAll(),
    sessionCounters: () => sessions.counters(),
    account,
    quirks,
    malformAnswer: (spec) => malformed.arm(spec),
    vimSettings,
  };
}
