import type { Logger } from 'pino';
import type { Bridge } from '../bridge/index.js';
import type { Clock } from '../clock/index.js';
import { openCacheChannels, openDocumentHash, registrationsHashKey } from '../cache/index.js';
import type { AdapterLookup, BridgeConfig } from '../config/index.js';
import { createHealthProbe } from '../health/index.js';
import { createSealer, credentialKeysOf } from '../secrets/index.js';
import { createEndpointService, createRegistrationStore, followRegistrations, registrationAnnouncer, type EndpointService, type RegistrationFollower } from './endpoints/index.js';
import { loadOpenApiDocument, type OpenApiDocument } from './openapi.js';
import { createApiServer, type ApiServer } from './server.js';
import { createTargetPolicy, type Resolver, type TargetPolicy } from './targets/index.js';
import { createVmReader } from './vms/index.js';

/** What wiring the API to a bridge needs. */
export interface BridgeApiDependencies {
  readonly config: BridgeConfig;
  readonly bridge: Pick<Bridge, 'endpoints' | 'cache' | 'publisher' | 'metrics' | 'status' | 'releaseHeldDeletions'> & Partial<Pick<Bridge, 'ownerOf'>>;
  readonly adapters: AdapterLookup;
  readonly clock: Clock;
  readonly logger: Logger;
  /** DNS for the target policy (tests pass their own). */
  readonly resolver?: Resolver;
  /** The target policy, when the caller shares it with the bridge's poll preflight; default: one from `config.api` and `resolver`. */
  readonly targets?: TargetPolicy;
  readonly newId?: () => string;
}

/** The endpoint registrations of a bridge, and how they follow the other replicas'. */
export interface BridgeEndpoints extends EndpointService {
  /**
   * Subscribes to the registration notices of the replicas sharing the
   * cache (see `followRegistrations`); `stop()` the result before the
   * bridge stops. Each change made through this API is announced whether or
   * not this replica follows.
   */
  follow(options?: { readonly reconcileIntervalMs?: number; readonly resubscribeDelayMs?: number }): Promise<RegistrationFollower>;
}

/**
 * The endpoint registrations of a bridge, persisted beside its state in
 * Redis. Call `load()` before the bridge starts, so registered endpoints are
 * polled from the first round (the `once` command polls them too); a
 * replica that serves the API calls `follow()` first, so a change another
 * replica makes while it loads is not missed.
 */
export function createBridgeEndpoints(dependencies: BridgeApiDependencies): BridgeEndpoints {
  const { config, bridge } = dependencies;
  const keys = credentialKeysOf(config.api.credentialKeys);
  const logger = dependencies.logger.child({ component: 'api' });
  const { coordination } = bridge.cache;
  // One set of channels per bridge: the announcer and the follower share it (in-process delivery for a memory cache).
  const channels = openCacheChannels(coordination);
  const channel = coordination.keys.registrations;
  const records = { records: openDocumentHash(coordination, registrationsHashKey(config.cache.namespace)), legacy: bridge.cache };
  const service = createEndpointService({
    registry: bridge.endpoints,
    store: createRegistrationStore(records, { ...(keys.length > 0 ? { sealer: createSealer(keys) } : {}), allowPlaintextCredentials: config.api.allowPlaintextCredentials }),
    adapters: dependencies.adapters,
    targets: dependencies.targets ?? createTargetPolicy(config.api, dependencies.resolver),
    defaultIntervalSeconds: config.scheduler.defaultIntervalSeconds,
    clock: dependencies.clock,
    logger,
    ...(dependencies.newId ? { newId: dependencies.newId } : {}),
    onChange: registrationAnnouncer({ channels, channel, logger }),
  });
  return {
    ...service,
    async follow(options = {}) {
      const follower = await followRegistrations({ service, channels, channel, clock: dependencies.clock, logger, ...options });
      return {
        get subscribed() {
          return follower.subscribed;
        },
        async stop() {
          await follower.stop();
          await channels.close();
        },
      };
    },
  };
}

/** The HTTP API of a bridge (not yet listening). */
export function createBridgeApi(
  dependencies: Omit<BridgeApiDependencies, 'adapters' | 'resolver' | 'targets' | 'newId'> & { readonly endpoints: EndpointService; readonly version: string; readonly document?: OpenApiDocument },
): Promise<ApiServer> {
  const { config, bridge, clock } = dependencies;
  const endpoints = (): ReturnType<typeof bridge.endpoints.list> => bridge.endpoints.list();
  return createApiServer({
    listen: config.api.listen,
    tokens: { writeToken: config.api.writeToken, readToken: config.api.readToken },
    maxBodyBytes: config.api.maxBodyBytes,
    providerName: config.provider.name,
    version: dependencies.version,
    document: dependencies.document ?? loadOpenApiDocument(),
    endpoints: dependencies.endpoints,
    statusOf: (name) => bridge.status(name),
    ...(bridge.ownerOf ? { ownerOf: bridge.ownerOf } : {}),
    releaseHeldDeletions: (name) => bridge.releaseHeldDeletions(name),
    vms: createVmReader({ cache: bridge.cache, endpoints }),
    // Readiness checks only what this configuration connects to: Redis when cache.url is set, NATS unless events go to stdout.
    probe: createHealthProbe({ ...(config.cache.url ? { cache: bridge.cache } : {}), ...(bridge.publisher.guarantee === 'stdout' ? {} : { publisher: bridge.publisher }), endpoints, statusOf: (name) => bridge.status(name), clock }),
    metrics: bridge.metrics,
    clock,
    logger: dependencies.logger.child({ component: 'api' }),
  });
}
