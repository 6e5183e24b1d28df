import { BridgeError, ErrorCode } from '../errors/index.js';
import type { CoordinationStore } from './state-cache.js';

/** What a subscriber of a channel is told. */
export interface ChannelListener {
  /** One message published on the channel (by this process or another sharing the cache). */
  onMessage(message: string): void;
  /**
   * The subscription is back after its connection was lost. Messages
   * published meanwhile are gone (pub/sub keeps nothing): re-read whatever
   * they would have announced. Called once the channel is subscribed again, so
   * nothing published after the call is missed.
   */
  onResubscribed(): void;
}

/** A live subscription; `close` stops its deliveries. */
export interface ChannelSubscription {
  close(): Promise<void>;
}

/**
 * Short notices between the processes sharing one cache: Redis pub/sub, or
 * in-process delivery for the memory cache. Delivery is at most once and
 * only to subscribers connected at the time: a notice says "re-read X",
 * never carries state. Channel names come from the cache's `ClusterKeys`.
 *
 * Subscriptions share one dedicated connection (a subscribed Redis
 * connection cannot send other commands), opened by the first `subscribe`.
 */
export interface CacheChannels {
  /** Throws `CACHE_FAILED` when the notice cannot be sent. */
  publish(channel: string, message: string): Promise<void>;
  /**
   * Resolves once the channel is subscribed. Throws `CACHE_FAILED` when the
   * subscriber connection cannot be opened or Redis refuses the channel
   * (an ACL without `&<namespace>:*` or `+@pubsub`); the caller may retry.
   */
  subscribe(channel: string, listener: ChannelListener): Promise<ChannelSubscription>;
  /** Closes the subscriber connection; further deliveries stop. */
  close(): Promise<void>;
}

/** What {@link redisChannels} needs of a node-redis client. */
export interface RedisChannelClient {
  publish(channel: string, message: string): Promise<unknown>;
  duplicate(overrides?: { name?: string }): RedisSubscriberClient;
}

/** The subset of a duplicated node-redis client the subscriber uses. */
export interface RedisSubscriberClient {
  connect(): Promise<unknown>;
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  unsubscribe(channel: string, listener?: (message: string) => void): Promise<void>;
  on(event: 'error' | 'ready' | 'end' | 'reconnecting', handler: (error?: unknown) => void): unknown;
  destroy(): void;
}

/**
 * The channels of a cache: over its Redis client when it has one, else in
 * this process. Each call makes its own subscriber connection; share one
 * per process (its owner closes it).
 */
export function openCacheChannels(coordination: Pick<CoordinationStore, 'redis'>, options: { readonly connectTimeoutMs?: number } = {}): CacheChannels {
  return coordination.redis ? redisChannels(coordination.redis as unknown as RedisChannelClient, { connectTimeoutMs: options.connectTimeoutMs ?? 5000 }) : memoryChannels();
}

/** Why Redis refused, in words that point at what to change. */
function refusal(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/^NOPERM\b/.test(message)) return `the Redis user may not use pub/sub channels (its ACL needs +@pubsub and &<namespace>:*): ${message}`;
  return message;
}

/**
 * Channels over Redis pub/sub. Publishing uses the cache's own connection;
 * subscribing a second one made with `duplicate()` (same URL, credentials,
 * TLS and reconnect policy), named `dcm-poll-bridge-subscriber` in `CLIENT LIST`.
 */
export function redisChannels(client: RedisChannelClient, options: { readonly connectTimeoutMs: number }): CacheChannels {
  const listeners = new Map<string, Set<ChannelListener>>();
  let subscriber: Promise<RedisSubscriberClient> | undefined;
  let closed = false;

  const open = async (): Promise<RedisSubscriberClient> => {
    const connection = client.duplicate({ name: 'dcm-poll-bridge-subscriber' });
    let ready = false;
    let lost = false;
    let lastError: unknown;
    connection.on('error', (error) => {
      // Without a listener node-redis would throw the error out of the process; it reconnects on its own.
      lastError = error;
      if (ready) lost = true;
    });
    connection.on('end', () => (lost = ready));
    connection.on('reconnecting', () => (lost = ready));
    connection.on('ready', () => {
      // node-redis re-sends SUBSCRIBE and awaits its replies before 'ready', so whoever re-reads now misses nothing later.
      const resubscribed = lost;
      ready = true;
      lost = false;
      if (!resubscribed || closed) return;
      for (const set of listeners.values()) for (const listener of set) listener.onResubscribed();
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no connection within ${options.connectTimeoutMs / 1000} s${lastError === undefined ? '' : ` (last error: ${refusal(lastError)})`}`)), options.connectTimeoutMs);
    });
    try {
      await Promise.race([connection.connect(), timeout]);
    } catch (error) {
      connection.destroy();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return connection;
  };

  const failed = (operation: string, error: unknown): BridgeError => new BridgeError(ErrorCode.CacheFailed, `state cache (redis) ${operation} failed: ${refusal(error)}`, { operation }, { cause: error });

  return {
    async publish(channel, message) {
      try {
        await client.publish(channel, message);
      } catch (error) {
        throw failed(`publish on ${channel}`, error);
      }
    },
    async subscribe(channel, listener) {
      if (closed) throw new BridgeError(ErrorCode.CacheFailed, `state cache (redis) is closed; cannot subscribe to ${channel}`, { operation: 'subscribe' });
      subscriber ??= open().catch((error: unknown) => {
        subscriber = undefined;
        throw error;
      });
      let connection: RedisSubscriberClient;
      try {
        connection = await subscriber;
      } catch (error) {
        throw failed(`subscriber connect for ${channel}`, error);
      }
      let set = listeners.get(channel);
      if (!set) {
        const fresh = new Set<ChannelListener>();
        try {
          await connection.subscribe(channel, (message) => {
            for (const each of fresh) each.onMessage(message);
          });
        } catch (error) {
          throw failed(`subscribe to ${channel}`, error);
        }
        set = listeners.get(channel) ?? fresh;
        listeners.set(channel, set);
      }
      set.add(listener);
      const subscribed = set;
      return {
        async close() {
          subscribed.delete(listener);
          if (subscribed.size > 0 || listeners.get(channel) !== subscribed) return;
          listeners.delete(channel);
          await connection.unsubscribe(channel).catch(() => undefined);
        },
      };
    },
    async close() {
      closed = true;
      listeners.clear();
      const pending = subscriber;
      subscriber = undefined;
      if (pending) (await pending.catch(() => undefined))?.destroy();
    },
  };
}

/** Channels inside one process (the memory cache): a publish reaches this cache's subscribers, asynchronously as over Redis. */
export function memoryChannels(): CacheChannels {
  const listeners = new Map<string, Set<ChannelListener>>();
  return {
    async publish(channel, message) {
      const set = listeners.get(channel);
      if (!set) return;
      for (const listener of [...set]) setImmediate(() => set.has(listener) && listener.onMessage(message));
    },
    async subscribe(channel, listener) {
      const set = listeners.get(channel) ?? new Set<ChannelListener>();
      listeners.set(channel, set);
      set.add(listener);
      return {
        close: async () => {
          set.delete(listener);
        },
      };
    },
    async close() {
      listeners.clear();
    },
  };
}
