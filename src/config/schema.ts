import type { Schema } from 'convict';
import { booleanValue, dnsLabel, integerAtLeast, numberBetween, oneOf, optionalString, requiredString, urlListWithScheme, urlWithScheme } from './formats.js';

/** Prefix of every environment variable that sets a configuration key. */
export const environmentPrefix = 'DCM_BRIDGE_';

export type PublisherKind = 'nats' | 'stdout';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The bridge-wide settings (everything but the endpoints). */
export interface BridgeSettings {
  readonly provider: { readonly name: string };
  readonly cache: { readonly url: string; readonly namespace: string };
  readonly publisher: {
    readonly kind: PublisherKind;
    readonly url: string;
    readonly jetstream: boolean;
    readonly createStream: boolean;
    readonly streamName: string;
    readonly maxInFlight: number;
    readonly ackTimeoutSeconds: number;
    readonly user: string | null;
    readonly password: string | null;
    readonly token: string | null;
  };
  readonly scheduler: {
    readonly maxConcurrentPolls: number;
    readonly jitterRatio: number;
    readonly backoffMaxSeconds: number;
    readonly pollTimeoutSeconds: number;
    readonly defaultIntervalSeconds: number;
  };
  readonly diff: {
    readonly deleteAfterMissedLists: number;
    readonly debounceSeconds: number;
    readonly resyncSeconds: number;
  };
  readonly log: { readonly level: LogLevel };
}

/**
 * The convict schema of {@link BridgeSettings}. Defaults here are the documented
 * defaults; `config/default.yaml` repeats them with comments for operators.
 */
export const settingsSchema: Schema<BridgeSettings> = {
  provider: {
    name: { doc: 'Provider name; CloudEvent source is dcm/providers/<name>.', format: dnsLabel, default: 'legacy-bridge' },
  },
  cache: {
    url: { doc: 'Redis URL of the state cache; empty uses an in-memory store (demo and tests only).', format: urlWithScheme(['redis', 'rediss'], true), default: 'redis://127.0.0.1:6379' },
    namespace: { doc: 'Key prefix in Redis, so several bridges can share one Redis.', format: requiredString, default: 'dcm-poll-bridge' },
  },
  publisher: {
    kind: { doc: 'nats publishes to NATS; stdout prints one event JSON per line.', format: oneOf(['nats', 'stdout']), default: 'nats' },
    url: { doc: 'NATS server URL(s), comma-separated.', format: urlListWithScheme(['nats', 'tls', 'ws', 'wss']), default: 'nats://127.0.0.1:4222' },
    jetstream: { doc: 'Publish through JetStream and wait for the ack (at-least-once); false uses core NATS (at-most-once).', format: booleanValue, default: true },
    createStream: { doc: 'Create the stream on dcm.* if missing. Only for a standalone setup without DCM.', format: booleanValue, default: false },
    streamName: { doc: 'Stream created when createStream is true.', format: requiredString, default: 'dcm-status' },
    maxInFlight: { doc: 'Most publishes awaiting an ack at once.', format: integerAtLeast(1), default: 256 },
    ackTimeoutSeconds: { doc: 'How long to wait for a JetStream ack before the publish counts as failed.', format: numberBetween(0.1, 600), default: 5 },
    user: { doc: 'NATS user name.', format: optionalString, default: null, nullable: true },
    password: { doc: 'NATS password (use ${env:...} or ${file:...}).', format: optionalString, default: null, nullable: true, sensitive: true },
    token: { doc: 'NATS token (use ${env:...} or ${file:...}).', format: optionalString, default: null, nullable: true, sensitive: true },
  },
  scheduler: {
    maxConcurrentPolls: { doc: 'Most endpoint polls running at once across the bridge.', format: integerAtLeast(1), default: 8 },
    jitterRatio: { doc: 'Each delay is lengthened by a random share of up to this ratio.', format: numberBetween(0, 1), default: 0.1 },
    backoffMaxSeconds: { doc: 'Cap of the exponential backoff after failed polls.', format: integerAtLeast(1), default: 300 },
    pollTimeoutSeconds: { doc: 'A listing that takes longer is aborted and counts as failed.', format: integerAtLeast(1), default: 120 },
    defaultIntervalSeconds: { doc: 'Interval of endpoints that do not set intervalSeconds.', format: integerAtLeast(1), default: 30 },
  },
  diff: {
    deleteAfterMissedLists: { doc: 'An instance absent from this many consecutive complete lists is reported DELETED.', format: integerAtLeast(1), default: 2 },
    debounceSeconds: { doc: 'At most one transition per instance in this window; the latest state wins. 0 turns it off.', format: integerAtLeast(0), default: 0 },
    resyncSeconds: { doc: 'Re-publish every current state this often (and at start-up); 0 only at start-up.', format: integerAtLeast(0), default: 600 },
  },
  log: {
    level: { doc: 'pino log level.', format: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), default: 'info' },
  },
};

/** `publisher.createStream` → `DCM_BRIDGE_PUBLISHER_CREATE_STREAM`. */
export function environmentNameOf(path: string): string {
  return environmentPrefix + path.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/\./g, '_').toUpperCase();
}
