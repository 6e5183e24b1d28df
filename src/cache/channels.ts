import { BridgeError, ErrorCode } from '../errors/index.js';
import type { CoordinationStore } from './state-cache.js';
import { followRedisLink } from './link-watch.js';

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
  const state: RedisChannelsState = { client, connectTimeoutMs: options.connectTimeoutMs, listeners: new Map(), subscriber: undefined, closed: false };
  return {
    async publish(channel, message) {
      try {
        await client.publish(channel, message);
      } catch (error) {
        throw channelFailure(`publish on ${channel}`, error);
      }
    },
    subscribe: (channel, listener) => subscribe(state, channel, listener),
    async close() {
      state.closed = true;
      state.listeners.clear();
      const pending = state.subscriber;
      state.subscriber = undefined;
      if (pending) (await pending.catch(() => undefined))?.destroy();
    },
  };
}

/** One set of Redis channels: its listeners by channel and its one subscriber connection, made on first use. */
interface RedisChannelsState {
  readonly client: RedisChannelClient;
  readonly connectTimeoutMs: number;
  readonly listeners: Map<string, Set<ChannelListener>>;
  subscriber: Promise<RedisSubscriberClient> | undefined;
  closed: boolean;
}

function channelFailure(operation: string, error: unknown): BridgeError {
  return new BridgeError(ErrorCode.CacheFailed, `state cache (redis) ${operation} failed: ${refusal(error)}`, { operation }, { cause: error });
}

/** Adds `listener` to `channel`, subscribing the shared connection on the channel's first listener. */
async function subscribe(state: RedisChannelsState, channel: string, listener: ChannelListener): Promise<{ close(): Promise<void> }> {
  const { listeners } = state;
  if (state.closed) throw new BridgeError(ErrorCode.CacheFailed, `state cache (redis) is closed; cannot subscribe to ${channel}`, { operation: 'subscribe' });
  state.subscriber ??= openSubscriber(state).catch((error: unknown) => {
    state.subscriber = undefined;
    throw error;
  });
  let connection: RedisSubscriberClient;
  try {
    connection = await state.subscriber;
  } catch (error) {
    throw channelFailure(`subscriber connect for ${channel}`, error);
  }
  let set = listeners.get(channel);
  if (!set) {
    const fresh = new Set<ChannelListener>();
    try {
      await connection.subscribe(channel, (message) => {
        for (const each of fresh) each.onMessage(message);
      });
    } catch (error) {
      throw channelFailure(`subscribe to ${channel}`, error);
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
}

/** The subscriber connection, connected within the timeout; its listeners hear when a lost link came back. */
async function openSubscriber(state: RedisChannelsState): Promise<RedisSubscriberClient> {
  const connection = state.client.duplicate({ name: 'dcm-poll-bridge-subscriber' });
  const link = watchSubscriberLink(state, connection);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no connection within ${state.connectTimeoutMs / 1000} s${link.lastError === undefined ? '' : ` (last error: ${refusal(link.lastError)})`}`)), state.connectTimeoutMs);
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
}

/** Follows the subscriber's link: keeps its last error, and tells every listener to re-read once a lost link is ready again. */
function watchSubscriberLink(state: RedisChannelsState, connection: RedisSubscriberClient): { readonly lastError: unknown } {
  const link = { lastError: undefined as unknown };
  followRedisLink(
    connection,
    () => {
      // Resubscribed before 'ready': whoever re-reads now misses nothing later.
      if (state.closed) return;
      for (const set of state.listeners.values()) for (const listener of set) listener.onResubscribed();
    },
    (error) => (link.lastError = error),
  );
  return link;
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
