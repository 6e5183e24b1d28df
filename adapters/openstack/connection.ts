import type { AdapterContext, PlatformConnection } from '../../src/adapter/index.js';
import type { RequestGate } from '../../src/ratelimit/index.js';
import type { EndpointConfig } from '../../src/config/index.js';
import { BridgeError, ErrorCode, isBridgeError, validationError } from '../../src/errors/index.js';
import { createPlatformHttpClient, type PlatformHttpClient, type PlatformRequest, type PlatformResponse } from '../../src/platform-http/index.js';
import { selectComputeUrl } from './catalog.js';
import type { CloudsYamlSources } from './clouds-yaml.js';
import { absenceMicroversion, confirmServersAbsent, type AbsenceMemory } from './absence.js';
import { createErrorBodyReader, withBodyRetryAfter, type ErrorBodyReader } from './error-bodies.js';
import { createKeystoneSession, type KeystoneSession, type KeystoneToken } from './keystone.js';
import { listManagedServers, type ComputeGet, type ListingMemory } from './listing.js';
import { listAllWithCursor, listChangesSince, type ChangeListingOptions } from './changes.js';
import { openstackAccountKey } from './rate-account.js';
import { createScrubber } from './redact.js';
import { resolveOpenstackSettings, type OpenstackSettings } from './settings.js';

/** Tuning and sources of one connection; the adapter passes its own options through. */
export interface ConnectionOptions {
  readonly requestTimeoutMs: number | undefined;
  readonly pageSize: number;
  /** Confirmation GETs in flight at once. */
  readonly absenceConcurrency: number;
  readonly cloudsYaml: CloudsYamlSources;
  /** How far behind Nova's clock a `changes-since` cursor is put. */
  readonly changesSinceMarginSeconds: number;
}

/** What is built at the first listing: settings (clouds.yaml is read then), clients, the token session. */
interface Live {
  readonly settings: OpenstackSettings;
  readonly session: KeystoneSession;
  readonly get: ComputeGet;
}

/**
 * One endpoint's connection: a Keystone session (token reused across polls)
 * and keep-alive clients for Keystone and Nova, all created on the first
 * `list`, so `connect` does no I/O. The token is not revoked on `close`: see
 * README.md ("Tokens").
 */
export function createOpenstackConnection(endpoint: EndpointConfig, context: AdapterContext, options: ConnectionOptions, knownStates: Readonly<Record<string, unknown>>): PlatformConnection {
  const state: ConnectionState = {
    endpoint,
    context,
    options,
    knownStates,
    clients: new Map(),
    gate: undefined,
    live: undefined,
    closed: false,
    secrets: [],
    listingMemory: { novaPageLimit: undefined },
    absenceMemory: { microversion: absenceMicroversion },
    // Called only when an error body is described, by which time `state` is built.
    bodies: createErrorBodyReader(createScrubber(() => [...state.secrets, state.live?.session.currentTokenId() ?? ''])),
  };
  return {
    async *list(signal) {
      const live = liveConnection(state);
      yield* listManagedServers(listingOptions(state, live), signal);
    },
    async *listChanges(cursor, signal) {
      const live = liveConnection(state);
      return cursor === undefined ? yield* listAllWithCursor(listingOptions(state, live), signal) : yield* listChangesSince(listingOptions(state, live), cursor, signal);
    },
    async confirmAbsence(platformIds, signal) {
      refuseWhenClosed(state);
      if (platformIds.length === 0) return new Map();
      const { settings, get, session } = liveConnection(state);
      // Without a token nothing can be asked: the error tells the core every id is unknown.
      await session.token(signal);
      return confirmServersAbsent(
        platformIds,
        { get, concurrency: options.absenceConcurrency, memory: state.absenceMemory, logger: context.logger, endpoint: endpoint.name, managedByTag: settings.managedByTag, instanceIdSource: settings.instanceIdSource, instanceIdKey: settings.instanceIdKey },
        signal,
      );
    },
    close: () => closeConnection(state),
  };
}

/** One connection's inputs and what it has built and learnt so far. */
interface ConnectionState {
  readonly endpoint: EndpointConfig;
  readonly context: AdapterContext;
  readonly options: ConnectionOptions;
  readonly knownStates: Readonly<Record<string, unknown>>;
  /** One keep-alive client per base URL (Keystone's, and each compute URL the catalog names). */
  readonly clients: Map<string, PlatformHttpClient>;
  /** The project's request budget, known once the settings are (clouds.yaml may name the project). */
  gate: RequestGate | undefined;
  live: Live | undefined;
  closed: boolean;
  /** The settings' secrets, scrubbed from error bodies. */
  secrets: readonly string[];
  readonly listingMemory: ListingMemory;
  readonly absenceMemory: AbsenceMemory;
  readonly bodies: ErrorBodyReader;
}

function refuseWhenClosed(state: ConnectionState): void {
  const { name } = state.endpoint;
  if (state.closed) throw new BridgeError(ErrorCode.PollAborted, `openstack endpoint ${name}: the connection is closed`, { endpoint: name, platform: 'openstack' });
}

/** The live parts, built at the first use of an open connection. */
function liveConnection(state: ConnectionState): Live {
  refuseWhenClosed(state);
  return (state.live ??= startLive(state));
}

function clientFor(state: ConnectionState, baseUrl: string): PlatformHttpClient {
  const { endpoint, context, options, gate } = state;
  let client = state.clients.get(baseUrl);
  if (!client) {
    client = createPlatformHttpClient({
      endpoint: endpoint.name,
      platform: 'openstack',
      baseUrl,
      tls: endpoint.tls,
      logger: context.logger,
      clock: context.clock,
      ...(context.onRequest ? { onRequest: context.onRequest } : {}),
      // Keystone's URL and every compute URL its catalog names (which the registrant controls) alike.
      ...(context.targetCheck ? { targetCheck: context.targetCheck } : {}),
      // Keystone's requests too: a gateway that limits the project counts them alike.
      ...(gate ? { rateLimit: gate } : {}),
      ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
      // Pages run one after another; confirmations run absenceConcurrency at once; one spare covers a token renewal.
      connections: options.absenceConcurrency + 1,
      describeErrorBody: state.bodies.describe,
    });
    state.clients.set(baseUrl, client);
  }
  return client;
}

/** Sends a request; a `Retry-After` that only the error body carried rides on the error. */
async function send(bodies: ErrorBodyReader, client: PlatformHttpClient, request: PlatformRequest): Promise<PlatformResponse> {
  bodies.takeRetryAfterMs();
  try {
    return await client.request(request);
  } catch (error) {
    throw withBodyRetryAfter(error, bodies.takeRetryAfterMs());
  }
}

/** Resolves the settings (reading clouds.yaml now), takes the project's request budget, and opens the Keystone session and the compute GET. */
function startLive(state: ConnectionState): Live {
  const { endpoint, options, context } = state;
  const resolved = resolveOpenstackSettings(endpoint, options.cloudsYaml);
  // Validated at start-up; only a clouds.yaml changed since then lands here.
  if (!resolved.settings) throw validationError(`openstack endpoint ${endpoint.name}`, resolved.issues);
  const settings = resolved.settings;
  state.secrets = settings.secrets;
  state.gate = context.rateLimit?.(openstackAccountKey(settings));
  const keystone = clientFor(state, settings.authUrl);
  const session = createKeystoneSession({ send: (request) => send(state.bodies, keystone, request), auth: settings.auth, withCatalog: settings.computeUrl === undefined, clock: context.clock, logger: context.logger, endpoint: endpoint.name });
  return { settings, session, get: computeGet(state, settings, session) };
}

/** A GET of the compute API with the session's token; a 401 gets one new token and one retry. */
function computeGet(state: ConnectionState, settings: OpenstackSettings, session: KeystoneSession): ComputeGet {
  const computeUrlOf = (token: KeystoneToken): string => settings.computeUrl ?? selectComputeUrl(token.catalog, { interface: settings.interface, region: settings.region }, state.endpoint.name);
  const sendWith = (token: KeystoneToken, request: Parameters<ComputeGet>[0], signal: AbortSignal): Promise<PlatformResponse> =>
    send(state.bodies, clientFor(state, computeUrlOf(token)), { method: 'GET', path: request.path, query: request.query, headers: { ...request.headers, 'x-auth-token': token.id }, ...(request.listKey === undefined ? {} : { listKey: request.listKey }), signal });
  return async (request, signal) => {
    const token = await session.token(signal);
    try {
      return await sendWith(token, request, signal);
    } catch (error) {
      // A token revoked or expired early: one new token, one retry of this request.
      if (!isBridgeError(error, ErrorCode.PlatformAuth) || error.context.status !== 401) throw error;
      return sendWith(await session.renew(token, signal), request, signal);
    }
  };
}

function listingOptions(state: ConnectionState, { settings, get }: Live): ChangeListingOptions {
  const { endpoint, context, options } = state;
  return {
    get,
    pageSize: options.pageSize,
    memory: state.listingMemory,
    logger: context.logger,
    endpoint: endpoint.name,
    managedByTag: settings.managedByTag,
    instanceIdSource: settings.instanceIdSource,
    instanceIdKey: settings.instanceIdKey,
    knownStates: state.knownStates,
    clock: context.clock,
    marginSeconds: options.changesSinceMarginSeconds,
    maxAgeSeconds: settings.changesSinceMaxAgeSeconds,
  };
}

async function closeConnection(state: ConnectionState): Promise<void> {
  if (state.closed) return;
  state.closed = true;
  state.live?.session.close();
  const open = [...state.clients.values()];
  state.clients.clear();
  await Promise.all(open.map((client) => client.close()));
}
