import type { Logger } from 'pino';
import type { Fence } from '../cache/index.js';
import type { Clock, TimerHandle } from '../clock/index.js';
import type { LeaseHolder, LeaseTable } from './lease-table.js';
import type { Members, MembershipTable } from './membership.js';
import { rendezvousOwner } from './rendezvous.js';
import { createInTurn } from '../concurrency/index.js';

/** Why this replica stops polling an endpoint. */
export type ReleaseReason =
  /** Another member owns it now (one joined, or this one is no member any more). */
  | 'moved'
  /** The lease is no longer this replica's (taken over after it expired, or not renewed in time). */
  | 'lost'
  /** The endpoint is no longer registered. */
  | 'removed'
  /** This replica stops. */
  | 'stopping';

export interface ClusterCoordinatorOptions {
  readonly replicaId: string;
  readonly memberTtlMs: number;
  readonly leaseTtlMs: number;
  readonly membership: MembershipTable;
  readonly leases: LeaseTable;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The endpoints to share out; read at every round. */
  endpoints(): readonly string[];
  /** This replica now owns `endpoint` and holds its lease: start polling it. Calls never overlap. */
  onAcquired(endpoint: string, fence: Fence): Promise<void>;
  /**
   * Stop polling `endpoint` and resolve once no poll of it runs (its
   * writes stay fenced by the token it began under). The lease is
   * released after, unless it was lost.
   */
  onReleased(endpoint: string, reason: ReleaseReason): Promise<void>;
  /** Told each new view of the live members. */
  onMembers?(members: Members): void;
  /** How often an owned endpoint whose lease another replica still holds is asked for again (default 1 s). */
  readonly retryMs?: number;
}

/**
 * One replica's part in the cluster: it heartbeats the membership set every
 * memberTtl/3, owns the endpoints rendezvous hashing gives it among the live
 * members, takes their leases (retrying every second, and at once when the
 * membership changes), renews them every leaseTtl/3, and gives back what it
 * no longer owns. It polls an endpoint only between `onAcquired` and
 * `onReleased`.
 */
export interface ClusterCoordinator {
  readonly replicaId: string;
  /**
   * Joins (first heartbeat) and runs the first round; resolves when the
   * endpoints this replica can take now are acquired. Answers the members
   * seen at joining (itself alone: the cluster starts with it).
   */
  start(): Promise<Members>;
  /** The lease this replica polls `endpoint` under, or undefined while it holds none. */
  fenceOf(endpoint: string): Fence | undefined;
  /** The endpoints it holds, sorted. */
  held(): readonly string[];
  /** The live members at the last heartbeat. */
  members(): Members;
  /** Runs a round soon (the registry changed). */
  nudge(): void;
  /** Renews every held lease soon (a write was refused: one may be lost), releasing those no longer held. */
  recheck(): void;
  /** Who holds `endpoint`'s lease, as the store says (any replica answers for any endpoint). */
  holder(endpoint: string): Promise<LeaseHolder | undefined>;
  /** Stops polling everything, releases every lease and leaves the membership set. */
  stop(): Promise<void>;
}

interface HeldLease {
  readonly fence: Fence;
  /** Local time the last take or renewal was sent: a lease not renewed for a TTL is gone. */
  renewedAt: number;
}

/** Creates a replica's {@link ClusterCoordinator}. */
export function createClusterCoordinator(options: ClusterCoordinatorOptions): ClusterCoordinator {
  const { replicaId, clock, logger, leases, membership } = options;
  const retryMs = options.retryMs ?? 1000;
  const held = new Map<string, HeldLease>();
  let members: Members = [];
  let lastHeartbeatAt: number | undefined;
  let stopped = false;
  const timers = new Set<TimerHandle>();

  // Rounds, heartbeats and renewals take turns: a release never races the take of the same endpoint.
  const inTurn = createInTurn();

  const every = (periodMs: number, action: () => Promise<void>): void => {
    const arm = (): void => {
      const handle = clock.schedule(periodMs, () => {
        timers.delete(handle);
        if (stopped) return;
        void inTurn(action)
          .catch((error: unknown) => logger.warn({ err: error }, 'cluster housekeeping failed'))
          .finally(() => {
            if (!stopped) arm();
          });
      });
      timers.add(handle);
    };
    arm();
  };

  const release = async (endpoint: string, reason: ReleaseReason): Promise<void> => {
    const lease = held.get(endpoint);
    if (!lease) return;
    held.delete(endpoint);
    await options.onReleased(endpoint, reason).catch((error: unknown) => logger.error({ err: error, endpoint }, 'stopping the polls of an endpoint failed'));
    if (reason !== 'lost') await leases.release(endpoint, lease.fence).catch((error: unknown) => logger.warn({ err: error, endpoint }, 'releasing the lease failed; it expires on its own'));
    logger.info({ endpoint, reason, token: lease.fence.token }, `no longer polling ${endpoint} (${reason})`);
  };

  const heartbeat = async (): Promise<void> => {
    let seen: Members;
    try {
      seen = await membership.heartbeat(replicaId, options.memberTtlMs);
      lastHeartbeatAt = clock.now();
    } catch (error) {
      // Unseen for a TTL, the others count this replica out and share its endpoints: it must own nothing either.
      if (lastHeartbeatAt !== undefined && clock.now() - lastHeartbeatAt < options.memberTtlMs) throw error;
      seen = [];
      logger.warn({ err: error }, 'cannot heartbeat the membership set for a member TTL: owning no endpoint until it can');
    }
    if (seen.join('\n') !== members.join('\n')) {
      logger.info({ members: seen, replica: replicaId }, `cluster members: ${seen.length}`);
      members = seen;
      options.onMembers?.(members);
      await round();
    }
  };

  const round = async (): Promise<void> => {
    const registered = new Set(options.endpoints());
    const member = members.includes(replicaId);
    const owned = [...registered].filter((endpoint) => member && rendezvousOwner(members, endpoint) === replicaId);
    const ownedSet = new Set(owned);
    for (const endpoint of [...held.keys()]) if (!ownedSet.has(endpoint)) await release(endpoint, registered.has(endpoint) ? 'moved' : 'removed');
    const wanted = owned.filter((endpoint) => !held.has(endpoint));
    const takes = await Promise.all(
      wanted.map(async (endpoint) => {
        const sentAt = clock.now();
        try {
          return { endpoint, sentAt, outcome: await leases.take(endpoint, replicaId, options.leaseTtlMs) };
        } catch (error) {
          logger.warn({ err: error, endpoint }, 'taking the lease failed; retrying');
          return undefined;
        }
      }),
    );
    for (const take of takes) {
      if (!take?.outcome.taken || stopped) continue;
      held.set(take.endpoint, { fence: take.outcome.fence, renewedAt: take.sentAt });
      logger.info({ endpoint: take.endpoint, token: take.outcome.fence.token }, `polling ${take.endpoint} (lease token ${take.outcome.fence.token})`);
      await options.onAcquired(take.endpoint, take.outcome.fence);
    }
  };

  const renew = async (): Promise<void> => {
    const renewals = await Promise.all(
      [...held].map(async ([endpoint, lease]) => {
        const sentAt = clock.now();
        try {
          return { endpoint, lease, sentAt, kept: await leases.renew(endpoint, lease.fence, options.leaseTtlMs) };
        } catch (error) {
          logger.warn({ err: error, endpoint }, 'renewing the lease failed');
          return { endpoint, lease, sentAt, kept: undefined };
        }
      }),
    );
    for (const { endpoint, lease, sentAt, kept } of renewals) {
      if (held.get(endpoint) !== lease) continue;
      if (kept === true) lease.renewedAt = sentAt;
      // Not renewed for a TTL: the store may have let it go; stop before another replica starts.
      else if (kept === false || clock.now() - lease.renewedAt >= options.leaseTtlMs) await release(endpoint, 'lost');
    }
  };

  return {
    replicaId,
    async start() {
      const joined = await inTurn(async () => {
        members = await membership.heartbeat(replicaId, options.memberTtlMs);
        lastHeartbeatAt = clock.now();
        options.onMembers?.(members);
        logger.info({ members, replica: replicaId }, `joined the cluster as ${replicaId}: ${members.length} member(s)`);
        await round();
        return members;
      });
      every(options.memberTtlMs / 3, heartbeat);
      every(options.leaseTtlMs / 3, renew);
      every(retryMs, round);
      return joined;
    },
    fenceOf: (endpoint) => held.get(endpoint)?.fence,
    held: () => [...held.keys()].sort(),
    members: () => members,
    nudge() {
      if (!stopped) void inTurn(round).catch((error: unknown) => logger.warn({ err: error }, 'cluster round failed'));
    },
    recheck() {
      if (!stopped) void inTurn(renew).catch((error: unknown) => logger.warn({ err: error }, 'cluster lease check failed'));
    },
    holder: (endpoint) => leases.holder(endpoint),
    async stop() {
      stopped = true;
      for (const handle of timers) clock.cancel(handle);
      timers.clear();
      await inTurn(async () => {
        for (const endpoint of [...held.keys()]) await release(endpoint, 'stopping');
        await membership.leave(replicaId).catch((error: unknown) => logger.warn({ err: error }, 'leaving the membership set failed; the entry expires on its own'));
      });
    },
  };
}
