import type { AdapterContext, PlatformConnection } from '../../src/adapter/index.js';
import type { RequestGate } from '../../src/ratelimit/index.js';
import type { EndpointConfig } from '../../src/config/index.js';
import { BridgeError, ErrorCode, isBridgeError, validationError } from '../../src/errors/index.js';
import { createPlatformHttpClient, type PlatformHttpClient, type PlatformRequest, type PlatformResponse } from '../../src/platform-http/index.js';
import { selectComputeUrl } from './catalog.js';
import type { CloudsYamlSources } from './clouds-yaml.js';
import { absenceMicroversion, confirmServersAbsent, type AbsenceMemory } from './absence.js';
import { createErrorBodyReader, withBodyRetryAfter } from './error-bodies.js';
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
  const { logger, clock } = context;
  const clients = new Map<string, PlatformHttpClient>();
  /** The project's request budget, known once the settings are (clouds.yaml may name the project). */
  let gate: RequestGate | undefined;
  let live: Live | undefined;
  let closed = false;
  let secrets: readonly string[] = [];
  const listingMemory: ListingMemory = { novaPageLimit: undefined };
  const absenceMemory: AbsenceMemory = { microversion: absenceMicroversion };
  const scrub = createScrubber(() => [...secrets, live?.session.currentTokenId() ?? '']);
  const bodies = createErrorBodyReader(scrub);

  const clientFor = (baseUrl: string): PlatformHttpClient => {
    let client = clients.get(baseUrl);
    if (!client) {
      client = createPlatformHttpClient({
        endpoint: endpoint.name,
        platform: 'openstack',
        baseUrl,
        tls: endpoint.tls,
        logger,
        clock,
        ...(context.onRequest ? { onRequest: context.onRequest } : {}),
        // Keystone's URL and every compute URL its catalog names (which the registrant controls) alike.
        ...(context.targetCheck ? { targetCheck: context.targetCheck } : {}),
        // Keystone's requests too: a gateway that limits the project counts them alike.
        ...(gate ? { rateLimit: gate } : {}),
        ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
        // Pages run one after another; confirmations run absenceConcurrency at once; one spare covers a token renewal.
        connections: options.absenceConcurrency + 1,
        describeErrorBody: bodies.describe,
      });
      clients.set(baseUrl, client);
    }
    return client;
  };

  const send = async (client: PlatformHttpClient, request: PlatformRequest): Promise<PlatformResponse> => {
    bodies.takeRetryAfterMs();
    try {
      return await client.request(request);
    } catch (error) {
      throw withBodyRetryAfter(error, bodies.takeRetryAfterMs());
    }
  };

  const start = (): Live => {
    const resolved = resolveOpenstackSettings(endpoint, options.cloudsYaml);
    // Validated at start-up; only a clouds.yaml changed since then lands here.
    if (!resolved.settings) throw validationError(`openstack endpoint ${endpoint.name}`, resolved.issues);
    const settings = resolved.settings;
    secrets = settings.secrets;
    gate = context.rateLimit?.(openstackAccountKey(settings));
    const keystone = clientFor(settings.authUrl);
    const session = createKeystoneSession({ send: (request) => send(keystone, request), auth: settings.auth, withCatalog: settings.computeUrl === undefined, clock, logger, endpoint: endpoint.name });
    const computeUrlOf = (token: KeystoneToken): string => settings.computeUrl ?? selectComputeUrl(token.catalog, { interface: settings.interface, region: settings.region }, endpoint.name);
    const sendWith = (token: KeystoneToken, request: Parameters<ComputeGet>[0], signal: AbortSignal): Promise<PlatformResponse> =>
      send(clientFor(computeUrlOf(token)), { method: 'GET', path: request.path, query: request.query, headers: { ...request.headers, 'x-auth-token': token.id }, signal });
    const get: ComputeGet = async (request, signal) => {
      const token = await session.token(signal);
      try {
        return await sendWith(token, request, signal);
      } catch (error) {
        // A token revoked or expired early: one new token, one retry of this request.
        if (!isBridgeError(error, ErrorCode.PlatformAuth) || error.context.status !== 401) throw error;
        return sendWith(await session.renew(token, signal), request, signal);
      }
    };
    return { settings, session, get };
  };

  const listingOptions = ({ settings, get }: Live): ChangeListingOptions => ({
    get,
    pageSize: options.pageSize,
    memory: listingMemory,
    logger,
    endpoint: endpoint.name,
    managedByTag: settings.managedByTag,
    instanceIdSource: settings.instanceIdSource,
    instanceIdKey: settings.instanceIdKey,
    knownStates,
    clock,
    marginSeconds: options.changesSinceMarginSeconds,
    maxAgeSeconds: settings.changesSinceMaxAgeSeconds,
  });

  return {
    async *list(signal) {
      if (closed) throw new BridgeError(ErrorCode.PollAborted, `openstack endpoint ${endpoint.name}: the connection is closed`, { endpoint: endpoint.name, platform: 'openstack' });
      live ??= start();
      yield* listManagedServers(listingOptions(live), signal);
    },
    async *listChanges(cursor, signal) {
      if (closed) throw new BridgeError(ErrorCode.PollAborted, `openstack endpoint ${endpoint.name}: the connection is closed`, { endpoint: endpoint.name, platform: 'openstack' });
      live ??= start();
      return cursor === undefined ? yield* listAllWithCursor(listingOptions(live), signal) : yield* listChangesSince(listingOptions(live), cursor, signal);
    },
    async confirmAbsence(platformIds, signal) {
      if (closed) throw new BridgeError(ErrorCode.PollAborted, `openstack endpoint ${endpoint.name}: the connection is closed`, { endpoint: endpoint.name, platform: 'openstack' });
      if (platformIds.length === 0) return new Map();
      live ??= start();
      const { settings, get, session } = live;
      // Without a token nothing can be asked: the error tells the core every id is unknown.
      await session.token(signal);
      return confirmServersAbsent(
        platformIds,
        { get, concurrency: options.absenceConcurrency, memory: absenceMemory, logger, endpoint: endpoint.name, managedByTag: settings.managedByTag, instanceIdSource: settings.instanceIdSource, instanceIdKey: settings.instanceIdKey },
        signal,
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      live?.session.close();
      const open = [...clients.values()];
      clients.clear();
      await Promise.all(open.map((client) => client.close()));
    },
  };
}
