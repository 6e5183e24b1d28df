import { createClusterCoordinator, leaseTableOf, memoryMembershipTable, redisMembershipTable, type ClusterCoordinator } from '../cluster/index.js';
import type { EndpointConfig } from '../config/index.js';
import type { EndpointEvent } from '../registry/index.js';
import type { BridgeContext } from './context.js';
import type { EndpointScheduling } from './endpoint-scheduling.js';
import { createKeyedTurns } from '../concurrency/index.js';

/** Schedule changes of one endpoint take turns: the registry and the cluster may both move it at once. */
export function createEndpointTurns(): <T>(name: string, action: () => Promise<T>) => Promise<T> {
  const turns = createKeyedTurns<string>();
  return (name, action) => turns.run(name, action);
}

/** Cluster mode's coordinator, and how registry changes reach it. */
export interface ClusterWiring {
  readonly coordinator: ClusterCoordinator;
  /** The registry says what exists, the cluster who polls it. */
  follow(event: EndpointEvent): Promise<void>;
}

/**
 * Cluster mode (`cluster.enabled`): an endpoint is scheduled here once this
 * replica owns it and holds its lease, and unscheduled when it loses either.
 * A replica that finds itself alone starts the cluster, and resyncs as a
 * lone bridge does at start-up, for as long as it stays alone: once it has
 * seen another member, what it takes is a take-over, which continues from
 * the shared cache (README, "Several replicas").
 */
export function createClusterWiring(context: BridgeContext & { readonly replicaId: string }, scheduling: EndpointScheduling, listingChanged: (before: EndpointConfig, after: EndpointConfig) => boolean): ClusterWiring {
  const { config, cache, clock, logger, metrics, registry, replicaId } = context;
  const { scheduler } = scheduling;
  const inEndpointTurn = createEndpointTurns();
  let joinedAlone: boolean | undefined;
  const coordinator: ClusterCoordinator = createClusterCoordinator({
    replicaId,
    memberTtlMs: config.cluster.memberTtlSeconds * 1000,
    leaseTtlMs: config.cluster.leaseTtlSeconds * 1000,
    membership: cache.coordination.redis ? redisMembershipTable(cache.coordination.redis, cache.coordination.keys.members) : memoryMembershipTable(() => clock.now()),
    leases: leaseTableOf(cache.coordination, () => clock.now()),
    clock,
    logger: logger.child({ component: 'cluster', replica: replicaId }),
    endpoints: () => registry.list().map((endpoint) => endpoint.name),
    onMembers: (members) => {
      joinedAlone = (joinedAlone ?? true) && members.length === 1 && members[0] === replicaId;
      metrics.clusterMembers.set(members.length);
    },
    onAcquired: (name) =>
      inEndpointTurn(name, async () => {
        metrics.ownedEndpoints.set({ replica: replicaId }, coordinator.held().length);
        const endpoint = registry.get(name);
        if (endpoint && !scheduler.has(name)) await scheduling.schedule(endpoint, joinedAlone === true);
      }),
    onReleased: (name, reason) =>
      inEndpointTurn(name, async () => {
        await scheduling.unschedule(name);
        context.pollFences.delete(name);
        metrics.ownedEndpoints.set({ replica: replicaId }, coordinator.held().length);
        if (reason === 'removed') await scheduling.forgetAdapterStore(name);
      }),
  });
  return {
    coordinator,
    async follow(event) {
      const name = event.endpoint.name;
      if (event.kind === 'removed' && event.replacedBy) await inEndpointTurn(name, () => scheduling.unschedule(name));
      else if (event.kind === 'added' && event.replacing && coordinator.fenceOf(name)) {
        const replacing = event.replacing;
        await inEndpointTurn(name, async () => {
          if (!scheduler.has(name)) await scheduling.schedule(event.endpoint, listingChanged(replacing, event.endpoint));
        });
      } else coordinator.nudge();
    },
  };
}
