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
  const replica: ReplicaState = {
    options,
    held: new Map(),
    members: [],
    lastHeartbeatAt: undefined,
    stopped: false,
    timers: new Set(),
    // Rounds, heartbeats and renewals take turns: a release never races the take of the same endpoint.
    inTurn: createInTurn(),
  };
  const { held, inTurn } = replica;
  return {
    replicaId,
    async start() {
      const joined = await inTurn(() => join(replica));
      every(replica, options.memberTtlMs / 3, () => heartbeat(replica));
      every(replica, options.leaseTtlMs / 3, () => renew(replica));
      every(replica, options.retryMs ?? 1000, () => round(replica));
      return joined;
    },
    fenceOf: (endpoint) => held.get(endpoint)?.fence,
    held: () => [...held.keys()].sort(),
    members: () => replica.members,
    nudge() {
      if (!replica.stopped) void inTurn(() => round(replica)).catch((error: unknown) => logger.warn({ err: error }, 'cluster round failed'));
    },
    recheck() {
      if (!replica.stopped) void inTurn(() => renew(replica)).catch((error: unknown) => logger.warn({ err: error }, 'cluster lease check failed'));
    },
    holder: (endpoint) => leases.holder(endpoint),
    async stop() {
      replica.stopped = true;
      for (const handle of replica.timers) clock.cancel(handle);
      replica.timers.clear();
      await inTurn(async () => {
        for (const endpoint of [...held.keys()]) await release(replica, endpoint, 'stopping');
        await membership.leave(replicaId).catch((error: unknown) => logger.warn({ err: error }, 'leaving the membership set failed; the entry expires on its own'));
      });
    },
  };
}

/** One replica's view of the cluster: the leases it holds, the members it last saw, its housekeeping timers. */
interface ReplicaState {
  readonly options: ClusterCoordinatorOptions;
  readonly held: Map<string, HeldLease>;
  members: Members;
  lastHeartbeatAt: number | undefined;
  stopped: boolean;
  readonly timers: Set<TimerHandle>;
  readonly inTurn: ReturnType<typeof createInTurn>;
}

/** Runs `action` every `periodMs`, in turn with the others, until the replica stops; a failure is logged and the next one still comes. */
function every(replica: ReplicaState, periodMs: number, action: () => Promise<void>): void {
  const { clock, logger } = replica.options;
  const arm = (): void => {
    const handle = clock.schedule(periodMs, () => {
      replica.timers.delete(handle);
      if (replica.stopped) return;
      void replica
        .inTurn(action)
        .catch((error: unknown) => logger.warn({ err: error }, 'cluster housekeeping failed'))
        .finally(() => {
          if (!replica.stopped) arm();
        });
    });
    replica.timers.add(handle);
  };
  arm();
}

/** The first heartbeat and round: the members as they are when this replica joins. */
async function join(replica: ReplicaState): Promise<Members> {
  const { replicaId, clock, logger, membership } = replica.options;
  replica.members = await membership.heartbeat(replicaId, replica.options.memberTtlMs);
  replica.lastHeartbeatAt = clock.now();
  replica.options.onMembers?.(replica.members);
  logger.info({ members: replica.members, replica: replicaId }, `joined the cluster as ${replicaId}: ${replica.members.length} member(s)`);
  await round(replica);
  return replica.members;
}

/** Stops polling `endpoint` and, unless the lease is already lost, gives it back. */
async function release(replica: ReplicaState, endpoint: string, reason: ReleaseReason): Promise<void> {
  const { logger, leases } = replica.options;
  const lease = replica.held.get(endpoint);
  if (!lease) return;
  replica.held.delete(endpoint);
  await replica.options.onReleased(endpoint, reason).catch((error: unknown) => logger.error({ err: error, endpoint }, 'stopping the polls of an endpoint failed'));
  if (reason !== 'lost') await leases.release(endpoint, lease.fence).catch((error: unknown) => logger.warn({ err: error, endpoint }, 'releasing the lease failed; it expires on its own'));
  logger.info({ endpoint, reason, token: lease.fence.token }, `no longer polling ${endpoint} (${reason})`);
}

/** Renews this replica's membership; a change of members runs a round at once. */
async function heartbeat(replica: ReplicaState): Promise<void> {
  const { replicaId, clock, logger, membership, memberTtlMs } = replica.options;
  let seen: Members;
  try {
    seen = await membership.heartbeat(replicaId, memberTtlMs);
    replica.lastHeartbeatAt = clock.now();
  } catch (error) {
    // Unseen for a TTL, the others count this replica out and share its endpoints: it must own nothing either.
    if (replica.lastHeartbeatAt !== undefined && clock.now() - replica.lastHeartbeatAt < memberTtlMs) throw error;
    seen = [];
    logger.warn({ err: error }, 'cannot heartbeat the membership set for a member TTL: owning no endpoint until it can');
  }
  if (seen.join('\n') !== replica.members.join('\n')) {
    logger.info({ members: seen, replica: replicaId }, `cluster members: ${seen.length}`);
    replica.members = seen;
    replica.options.onMembers?.(replica.members);
    await round(replica);
  }
}

/** Releases what this replica no longer owns (rendezvous over the members), then takes the leases of what it newly owns. */
async function round(replica: ReplicaState): Promise<void> {
  const { replicaId } = replica.options;
  const registered = new Set(replica.options.endpoints());
  const member = replica.members.includes(replicaId);
  const owned = [...registered].filter((endpoint) => member && rendezvousOwner(replica.members, endpoint) === replicaId);
  const ownedSet = new Set(owned);
  for (const endpoint of [...replica.held.keys()]) if (!ownedSet.has(endpoint)) await release(replica, endpoint, registered.has(endpoint) ? 'moved' : 'removed');
  await takeLeases(replica, owned.filter((endpoint) => !replica.held.has(endpoint)));
}

/** Tries every wanted lease at once; each one taken starts its polls (a failed take is tried again next round). */
async function takeLeases(replica: ReplicaState, wanted: readonly string[]): Promise<void> {
  const { replicaId, clock, logger, leases, leaseTtlMs } = replica.options;
  const takes = await Promise.all(
    wanted.map(async (endpoint) => {
      const sentAt = clock.now();
      try {
        return { endpoint, sentAt, outcome: await leases.take(endpoint, replicaId, leaseTtlMs) };
      } catch (error) {
        logger.warn({ err: error, endpoint }, 'taking the lease failed; retrying');
        return undefined;
      }
    }),
  );
  for (const take of takes) {
    if (!take?.outcome.taken || replica.stopped) continue;
    replica.held.set(take.endpoint, { fence: take.outcome.fence, renewedAt: take.sentAt });
    logger.info({ endpoint: take.endpoint, token: take.outcome.fence.token }, `polling ${take.endpoint} (lease token ${take.outcome.fence.token})`);
    await replica.options.onAcquired(take.endpoint, take.outcome.fence);
  }
}

/** Renews every held lease; one refused, or not renewed for a TTL, is released as lost. */
async function renew(replica: ReplicaState): Promise<void> {
  const { clock, logger, leases, leaseTtlMs } = replica.options;
  const renewals = await Promise.all(
    [...replica.held].map(async ([endpoint, lease]) => {
      const sentAt = clock.now();
      try {
        return { endpoint, lease, sentAt, kept: await leases.renew(endpoint, lease.fence, leaseTtlMs) };
      } catch (error) {
        logger.warn({ err: error, endpoint }, 'renewing the lease failed');
        return { endpoint, lease, sentAt, kept: undefined };
      }
    }),
  );
  for (const { endpoint, lease, sentAt, kept } of renewals) {
    if (replica.held.get(endpoint) !== lease) continue;
    if (kept === true) lease.renewedAt = sentAt;
    // Not renewed for a TTL: the store may have let it go; stop before another replica starts.
    else if (kept === false || clock.now() - lease.renewedAt >= leaseTtlMs) await release(replica, endpoint, 'lost');
  }
}
