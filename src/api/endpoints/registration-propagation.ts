import type { Logger } from 'pino';
import type { CacheChannels, ChannelSubscription } from '../../cache/index.js';
import type { Clock, TimerHandle } from '../../clock/index.js';
import type { EndpointService, RegistrationAction } from './endpoint-service.js';

/**
 * What a replica announces after its API wrote or deleted a registration.
 * It carries no content: every replica re-reads the registration from
 * Redis, so a late, repeated or reordered notice cannot install stale state.
 */
export interface RegistrationNotice {
  readonly id: string;
  readonly action: RegistrationAction;
}

/** Reads a notice off the channel; undefined when it is not one. */
export function parseRegistrationNotice(message: string): RegistrationNotice | undefined {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  const { id, action } = (value ?? {}) as Partial<Record<string, unknown>>;
  if (typeof id !== 'string' || id === '' || id.length > 253 || (action !== 'put' && action !== 'delete')) return undefined;
  return { id, action };
}

/**
 * The `onChange` of an {@link EndpointService}: publishes a
 * {@link RegistrationNotice} on `channel`. A failed publish is logged, not
 * thrown (the registration is stored and applied here; the other replicas
 * pick it up at their next full re-read).
 */
export function registrationAnnouncer(options: { readonly channels: Pick<CacheChannels, 'publish'>; readonly channel: string; readonly logger: Logger }): (id: string, action: RegistrationAction) => Promise<void> {
  const { channels, channel, logger } = options;
  return async (id, action) => {
    try {
      await channels.publish(channel, JSON.stringify({ id, action } satisfies RegistrationNotice));
    } catch (error) {
      logger.error({ endpoint: id, err: error, channel }, `the other replicas were not told that registration ${id} changed; each picks it up at its next full re-read of the registrations`);
    }
  };
}

/** Options of {@link followRegistrations}. */
export interface RegistrationFollowerOptions {
  readonly service: Pick<EndpointService, 'refresh' | 'refreshAll'>;
  readonly channels: Pick<CacheChannels, 'subscribe'>;
  readonly channel: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * Every registration is re-read this often whatever the channel said
   * (default 60 s): the one path that also covers a notice whose publish
   * failed, or a subscription Redis refuses.
   */
  readonly reconcileIntervalMs?: number;
  /** How soon a refused or failed subscribe is tried again (default 5 s). */
  readonly resubscribeDelayMs?: number;
}

/** A running {@link followRegistrations}. */
export interface RegistrationFollower {
  /** True while the channel is subscribed. */
  readonly subscribed: boolean;
  /** Unsubscribes, stops the periodic re-read and waits for re-reads under way. */
  stop(): Promise<void>;
}

/**
 * Keeps this replica's registry in step with the registrations other
 * replicas write: each notice on `channel` re-reads its registration
 * (`service.refresh`); a subscription that comes back after its connection
 * was lost, or that is made only after failing, re-reads them all
 * (`service.refreshAll`), since pub/sub kept nothing meanwhile; and a full
 * re-read runs every `reconcileIntervalMs` regardless. Resolves once the
 * first subscribe attempt is over; a failed one is logged and retried.
 */
export async function followRegistrations(options: RegistrationFollowerOptions): Promise<RegistrationFollower> {
  const { service, channels, channel, clock, logger } = options;
  const reconcileMs = options.reconcileIntervalMs ?? 60_000;
  const resubscribeMs = options.resubscribeDelayMs ?? 5_000;
  let subscription: ChannelSubscription | undefined;
  let stopped = false;
  let reconcileTimer: TimerHandle | undefined;
  let resubscribeTimer: TimerHandle | undefined;
  let lastFailure: string | undefined;
  const underWay = new Set<Promise<void>>();

  const track = (what: string, work: () => Promise<void>): void => {
    if (stopped) return;
    const running = work()
      .catch((error: unknown) => logger.error({ err: error, channel }, `registrations: ${what} failed; the next notice or full re-read tries again`))
      .finally(() => underWay.delete(running));
    underWay.add(running);
  };
  const rereadAll = (why: string): void => {
    logger.info({ channel }, `re-reading every registration: ${why}`);
    track('re-reading every registration', () => service.refreshAll());
  };

  const subscribe = async (): Promise<void> => {
    try {
      subscription = await channels.subscribe(channel, {
        onMessage: (message) => {
          const notice = parseRegistrationNotice(message);
          if (notice) track(`re-reading registration ${notice.id}`, () => service.refresh(notice.id));
          else rereadAll(`an unreadable notice arrived on ${channel}`);
        },
        onResubscribed: () => rereadAll('the subscription is back after its connection was lost; notices sent meanwhile are gone'),
      });
    } catch (error) {
      const message = (error as Error).message;
      if (message !== lastFailure) logger.error({ err: error, channel }, `registrations made through other replicas reach this one only by the full re-read every ${reconcileMs / 1000} s until ${channel} is subscribed; retrying every ${resubscribeMs / 1000} s`);
      lastFailure = message;
      if (!stopped) resubscribeTimer = clock.schedule(resubscribeMs, () => void subscribe());
      return;
    }
    if (stopped) {
      await subscription.close();
      return;
    }
    if (lastFailure !== undefined) {
      lastFailure = undefined;
      rereadAll(`${channel} is subscribed after failing`);
    }
  };
  const reconcileEvery = (): void => {
    reconcileTimer = clock.schedule(reconcileMs, () => {
      track('the periodic re-read of every registration', () => service.refreshAll());
      if (!stopped) reconcileEvery();
    });
  };

  await subscribe();
  reconcileEvery();
  return {
    get subscribed() {
      return subscription !== undefined && !stopped;
    },
    async stop() {
      stopped = true;
      if (reconcileTimer) clock.cancel(reconcileTimer);
      if (resubscribeTimer) clock.cancel(resubscribeTimer);
      await subscription?.close();
      await Promise.all(underWay);
    },
  };
}
