import { readFileSync } from 'node:fs';
import { AuthorizationError, connect, credsAuthenticator, headers, nkeyAuthenticator, PermissionViolationError, type Authenticator, type NatsConnection, type TlsOptions } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { createSlotLimiter, type SlotLimiter } from '../concurrency/index.js';
import { BridgeError, ErrorCode } from '../errors/index.js';
import type { EventPublisher, PublishOutcome } from './publisher.js';
import type { OutgoingEvent } from './status-event.js';
import { createStreamAcks, StreamAckError, type StreamAcks } from './stream-acks.js';
import { createStreamHistory } from './stream-history.js';

export interface NatsPublisherOptions {
  /** One or more server URLs, comma-separated. */
  readonly url: string;
  readonly jetstream: boolean;
  /** Create `streamName` on `dcm.*` when missing (standalone setups only). */
  readonly createStream: boolean;
  readonly streamName: string;
  readonly maxInFlight: number;
  /** How long a publish waits for its ack, and for a connection while there is none. */
  readonly ackTimeoutMs: number;
  readonly user?: string | null;
  readonly password?: string | null;
  readonly token?: string | null;
  /** A NATS `.creds` file (user JWT and nkey seed), read again at every connect so a rotated file is picked up. */
  readonly credsFile?: string | null;
  /** A file holding only an nkey seed (`SU…`), read again at every connect. */
  readonly nkeySeedFile?: string | null;
  /** PEM files for TLS. When given, TLS is required: a server that does not offer it is refused. */
  readonly tls?: { readonly caFile?: string | null; readonly certFile?: string | null; readonly keyFile?: string | null } | null;
  readonly connectionName: string;
  /**
   * With JetStream: read DCM's stream (`streamName`) back when the cache
   * cannot vouch for its contents, counting this provider's events only.
   * Undefined turns the recall off.
   */
  readonly recall?: { readonly providerName: string };
  readonly logger: Logger;
  /** Wait between attempts while the first connection cannot be made (default 1000 ms). */
  readonly retryDelayMs?: number;
  /** How long `close()` lets the connection drain before closing it regardless (default 2000 ms). */
  readonly drainTimeoutMs?: number;
}

/** Subjects DCM's own stream captures; the bridge never creates a stream on them unless told to. */
export const dcmSubjects = 'dcm.*';

/**
 * Publishes to NATS. With `jetstream` each event goes out with
 * `Nats-Msg-Id` = its CloudEvent id and counts only once the stream acks it;
 * otherwise core NATS publishes are confirmed by a flush (at-most-once).
 *
 * The connection is made in the background and retried until `close()`, so
 * a bridge whose NATS is down keeps running: its publishes fail after
 * `ackTimeoutMs` with an error naming the broker, its polls back off, and
 * nothing is committed until the broker is back. Once connected, a dropped
 * link fails the publishes awaiting their acks at once, and every publish,
 * announcement and stream read until the client has reconnected: the client
 * would discard them unsent.
 * `close()` is bounded whatever the broker does: a connection that never
 * came up is abandoned, and one that does not drain within `drainTimeoutMs`
 * is closed.
 */
export function createNatsPublisher(options: NatsPublisherOptions): EventPublisher {
  const servers = options.url.split(',').map((server) => server.trim()).filter(Boolean);
  const link: NatsLink = {
    options,
    servers,
    broker: servers.map(withoutUserInfo).join(', '),
    retryDelayMs: options.retryDelayMs ?? 1000,
    tls: tlsOptions(options.tls, servers),
    pauseBeforeRetry: createInterruptiblePause(),
    connection: undefined,
    acks: undefined,
    closed: false,
    closing: undefined,
    reconnecting: false,
    lastConnectError: undefined,
    linkUpListeners: new Set(),
    linkLostListeners: new Set(),
  };
  /** Publishes awaiting their acks, across every batch of every endpoint: `maxInFlight` bounds the whole publisher. */
  const ackWindow = createSlotLimiter(options.maxInFlight);
  const ready = establish(link).catch((error: unknown) => {
    link.lastConnectError = error;
    options.logger.error({ err: error, broker: link.broker }, `setting up the NATS connection to ${link.broker} failed`);
    return undefined;
  });
  const connection = (): Promise<NatsConnection> => connected(link, ready);

  return {
    guarantee: options.jetstream ? 'jetstream' : 'core',
    ...(options.jetstream && options.recall
      ? {
          history: createStreamHistory({
            connection,
            streamName: options.streamName,
            providerName: options.recall.providerName,
            stallTimeoutMs: Math.max(options.ackTimeoutMs, 10_000),
            onLinkLost: (listener: (reason: string) => void) => {
              link.linkLostListeners.add(listener);
              return () => void link.linkLostListeners.delete(listener);
            },
            logger: options.logger,
          }),
        }
      : {}),

    async publish(events) {
      if (events.length === 0) return [];
      let established: NatsConnection;
      try {
        established = await connection();
      } catch (error) {
        const failure = error instanceof BridgeError ? error : publishFailure(error, events[0]?.subject ?? 'dcm.*');
        return events.map(() => ({ ok: false, error: failure }) as const);
      }
      if (options.jetstream && link.acks) return publishToStream(link.acks, ackWindow, options.ackTimeoutMs, events);
      return publishCore(established, options.ackTimeoutMs, events);
    },

    async announce(subject, body) {
      const established = await connection();
      established.publish(subject, body, { headers: headers() });
    },

    isConnected: () => link.connection !== undefined && !link.connection.isClosed() && !link.reconnecting,

    onLinkUp: (listener) => void link.linkUpListeners.add(listener),

    close: () => close(link, options.drainTimeoutMs ?? 2000),
  };
}

/** One publisher's broker connection: how it is made, and where it stands. */
interface NatsLink {
  readonly options: NatsPublisherOptions;
  readonly servers: readonly string[];
  /** The servers as logs and errors name them (no user info). */
  readonly broker: string;
  readonly retryDelayMs: number;
  readonly tls: TlsOptions | undefined;
  readonly pauseBeforeRetry: ReturnType<typeof createInterruptiblePause>;
  connection: NatsConnection | undefined;
  /** With JetStream: the acks of the connection's publishes. */
  acks: StreamAcks | undefined;
  closed: boolean;
  closing: Promise<void> | undefined;
  /** The client lost the link and is reconnecting. */
  reconnecting: boolean;
  lastConnectError: unknown;
  /** Told each time the link comes up (see {@link EventPublisher.onLinkUp}). */
  readonly linkUpListeners: Set<() => void>;
  /** Told each time the client loses the link; they must not throw (they run in the client's status loop). */
  readonly linkLostListeners: Set<(reason: string) => void>;
}

function connectOnce(link: NatsLink): Promise<NatsConnection> {
  const { options, tls } = link;
  return connect({
    servers: [...link.servers],
    name: options.connectionName,
    // First attempts are retried here, not inside the client, so close() can stop them;
    // once connected the client reconnects by itself, for as long as the bridge runs.
    waitOnFirstConnect: false,
    maxReconnectAttempts: -1,
    reconnectTimeWait: link.retryDelayMs,
    timeout: options.ackTimeoutMs,
    // The client gives up reconnecting after two refusals in a row; a rotated credentials file must still get its turn.
    ignoreAuthErrorAbort: true,
    // Otherwise every request (the recall's JetStream API calls; events are not requests, see stream-acks.ts)
    // builds error objects for async stack traces up front, used or not; the bridge's own errors name the subject.
    noAsyncTraces: true,
    ...(options.user ? { user: options.user } : {}),
    ...(options.password ? { pass: options.password } : {}),
    ...(options.token ? { token: options.token } : {}),
    ...(tls ? { tls } : {}),
    ...fileAuthenticator(options),
  });
}

/** Resolves to the first connection, or to undefined when the publisher closed before there was one. */
async function establish(link: NatsLink): Promise<NatsConnection | undefined> {
  const { broker, retryDelayMs } = link;
  const { logger } = link.options;
  for (let attempt = 1; !link.closed; attempt++) {
    let made: NatsConnection;
    try {
      made = await connectOnce(link);
    } catch (error) {
      link.lastConnectError = error;
      if (link.closed) return undefined;
      // One error line, not one per second for as long as the broker is down.
      if (attempt === 1) logger.error({ err: error, broker }, `cannot connect to NATS at ${broker}: ${describe(error)}; retrying every ${retryDelayMs / 1000} s`);
      else logger.debug({ err: error, broker, attempt }, 'NATS connection attempt failed');
      await link.pauseBeforeRetry(retryDelayMs);
      continue;
    }
    return adoptConnection(link, made, attempt);
  }
  return undefined;
}

/** Takes a new connection into use (its stream ensured when asked, its status watched), or closes it when the publisher closed meanwhile. */
async function adoptConnection(link: NatsLink, made: NatsConnection, attempt: number): Promise<NatsConnection | undefined> {
  const { options } = link;
  const { logger } = options;
  if (options.jetstream && options.createStream && !link.closed) {
    await ensureStream(made, options.streamName, logger).catch((error: unknown) => logger.error({ err: error, stream: options.streamName }, `cannot create JetStream stream ${options.streamName}`));
  }
  if (link.closed) {
    await made.close().catch(() => undefined);
    return undefined;
  }
  link.lastConnectError = undefined;
  logger.info({ server: made.getServer(), attempts: attempt }, 'connected to NATS');
  const acks = options.jetstream ? createStreamAcks(made) : undefined;
  void watchStatus(made, logger, (up) => {
    link.reconnecting = !up;
    // Not one of their acks can come any more: the poll fails now and backs off, instead of at ackTimeoutMs.
    if (!up) {
      acks?.linkLost(`the connection to NATS at ${link.broker} dropped before JetStream acknowledged the publish`);
      for (const listener of link.linkLostListeners) listener(`the connection to NATS at ${link.broker} dropped`);
    } else tellLinkUp(link);
  }, acks);
  // A connection closes only when the publisher closes it (the client reconnects for as long as it runs).
  void made.closed().then(() => acks?.close(`the NATS connection to ${link.broker} is closed`));
  link.acks = acks;
  link.connection = made;
  tellLinkUp(link);
  return made;
}

/** Its listeners must not throw: they run inside the connect and the client's status loop. */
function tellLinkUp(link: NatsLink): void {
  for (const listener of link.linkUpListeners) listener();
}

/**
 * The open connection; else waits up to `ackTimeoutMs` for the first one,
 * then throws an error naming the broker. Throws at once while the client
 * reconnects: it drops what it buffers meanwhile when it redials, so a
 * publish, an announcement or a stream read now could only time out.
 */
async function connected(link: NatsLink, ready: Promise<NatsConnection | undefined>): Promise<NatsConnection> {
  if (link.connection && !link.connection.isClosed()) {
    if (link.reconnecting) throw linkDown(link);
    return link.connection;
  }
  if (link.closed) throw new BridgeError(ErrorCode.PublishFailed, `the NATS publisher for ${link.broker} is closed`, { broker: link.broker });
  const made = await withTimeout(ready, link.options.ackTimeoutMs);
  if (made === timedOut || made === undefined) throw unreachable(link);
  return made;
}

function unreachable(link: NatsLink): BridgeError {
  const { broker, lastConnectError } = link;
  const detail = lastConnectError === undefined ? 'no connection yet' : describe(lastConnectError);
  // A refusal is not an outage: say so, so the operator checks the credentials, not the network.
  const refused = lastConnectError instanceof AuthorizationError;
  const message = refused
    ? `NATS at ${broker} refused the bridge's credentials (${detail}; check publisher.user/password, token, credsFile or nkeySeedFile)`
    : `NATS at ${broker} is not reachable (${detail}; waited ${link.options.ackTimeoutMs / 1000} s)`;
  return new BridgeError(ErrorCode.PublishFailed, message, { broker }, lastConnectError === undefined ? undefined : { cause: lastConnectError });
}

function linkDown(link: NatsLink): BridgeError {
  return new BridgeError(ErrorCode.PublishFailed, `the connection to NATS at ${link.broker} is down and the client is reconnecting; nothing is published until it is back`, { broker: link.broker });
}

function publishFailure(error: unknown, subject: string): BridgeError {
  const text = error instanceof Error ? error.message : String(error);
  // A publish nobody answers: a "no responders" status, or the client's "jetstream is not enabled".
  const noStream = error instanceof StreamAckError ? error.code === '503' : /no responders|not enabled/i.test(text);
  const message = noStream
    ? `no JetStream stream captures ${subject} (${text}): DCM's stream is missing or JetStream is off (for a standalone setup set publisher.createStream: true)`
    : `publish to ${subject} failed: ${text}`;
  return new BridgeError(ErrorCode.PublishFailed, message, { subject }, { cause: error });
}

function eventHeaders(id: string) {
  const result = headers();
  result.set('Content-Type', 'application/cloudevents+json');
  result.set('Nats-Msg-Id', id);
  return result;
}

/** JetStream: each event with its id as `Nats-Msg-Id`, within the shared ack window; one outcome per event. */
function publishToStream(acks: StreamAcks, ackWindow: SlotLimiter, ackTimeoutMs: number, events: readonly OutgoingEvent[]): Promise<PublishOutcome[]> {
  return Promise.all(
    events.map((event) =>
      ackWindow.run(async (): Promise<PublishOutcome> => {
        try {
          const ack = await acks.publish(event.subject, event.body, eventHeaders(event.id), ackTimeoutMs);
          return { ok: true, duplicate: ack.duplicate };
        } catch (error) {
          return { ok: false, error: publishFailure(error, event.subject) };
        }
      }),
    ),
  );
}

/** Core NATS: the batch confirmed by one flush (at-most-once); one outcome for all. */
async function publishCore(connection: NatsConnection, ackTimeoutMs: number, events: readonly OutgoingEvent[]): Promise<PublishOutcome[]> {
  try {
    for (const event of events) connection.publish(event.subject, event.body, { headers: eventHeaders(event.id) });
    const flushed = await withTimeout(connection.flush(), ackTimeoutMs);
    if (flushed === timedOut) throw new Error(`NATS flush timed out after ${ackTimeoutMs} ms`);
    return events.map(() => ({ ok: true, duplicate: false }) as const);
  } catch (error) {
    const failure = publishFailure(error, events[0]?.subject ?? 'dcm.*');
    return events.map(() => ({ ok: false, error: failure }) as const);
  }
}

/** Stops connecting and drains the connection, bounded by `drainTimeoutMs` whatever the broker does; every call answers the same promise. */
function close(link: NatsLink, drainTimeoutMs: number): Promise<void> {
  link.closed = true;
  link.pauseBeforeRetry.interrupt();
  link.closing ??= (async () => {
    // A connection still being made is abandoned: establish() closes it should it ever come up.
    const open = link.connection;
    if (!open || open.isClosed()) return;
    const drained = await withTimeout(
      open.drain().then(
        () => true,
        () => false,
      ),
      drainTimeoutMs,
    );
    if (drained === true) return;
    if (drained === timedOut) link.options.logger.warn({ broker: link.broker, drainTimeoutMs }, `NATS did not drain within ${drainTimeoutMs / 1000} s; closing the connection`);
    await withTimeout(open.close().catch(() => undefined), drainTimeoutMs);
  })();
  return link.closing;
}

/**
 * The client's TLS options (file paths: the client reads them at every
 * connect), or undefined to leave TLS to the server. Options make the client
 * require TLS; a `tls://` URL asks for that too (nats.go's meaning), which
 * the Node client would otherwise not do.
 */
function tlsOptions(tls: NatsPublisherOptions['tls'], servers: readonly string[]): TlsOptions | undefined {
  const files = { ...(tls?.caFile ? { caFile: tls.caFile } : {}), ...(tls?.certFile ? { certFile: tls.certFile } : {}), ...(tls?.keyFile ? { keyFile: tls.keyFile } : {}) };
  const required = Object.keys(files).length > 0 || servers.some((server) => /^tls:\/\//i.test(server));
  return required ? files : undefined;
}

/**
 * The authenticator of `credsFile` or `nkeySeedFile`, through the client's
 * own helpers. The file is read and tried (parsed, a nonce signed) before
 * each first-connection attempt, so a bad file fails that attempt with an
 * error naming the key and the path; never the file's content, which holds
 * the seed. The client's own reconnects read the file again (the last
 * content read stands in while it cannot be read), so a rotated file takes
 * effect without a restart.
 */
function fileAuthenticator(options: NatsPublisherOptions): { authenticator?: Authenticator } {
  const seedOf = (content: Uint8Array): Uint8Array => new TextEncoder().encode(new TextDecoder().decode(content).trim());
  const source = options.credsFile
    ? { key: 'publisher.credsFile', file: options.credsFile, make: (read: () => Uint8Array) => credsAuthenticator(read) }
    : options.nkeySeedFile
      ? { key: 'publisher.nkeySeedFile', file: options.nkeySeedFile, make: (read: () => Uint8Array) => nkeyAuthenticator(() => seedOf(read())) }
      : undefined;
  if (!source) return {};
  let content: Uint8Array;
  try {
    content = readFileSync(source.file);
  } catch (error) {
    throw new BridgeError(ErrorCode.PublishFailed, `cannot read ${source.key} ${source.file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { file: source.file }, { cause: error });
  }
  let checked = false;
  const read = (): Uint8Array => {
    if (!checked) return content;
    try {
      content = readFileSync(source.file);
    } catch {
      // A file being replaced may be missing for a moment; the last content read stands in.
    }
    return content;
  };
  const authenticator = source.make(read);
  try {
    authenticator('nonce');
    checked = true;
  } catch {
    // The client's parse errors are generic; no cause is chained, so nothing of the file can reach a log.
    const expected = source.key === 'publisher.credsFile' ? 'a NATS credentials file (a USER JWT block and a USER NKEY SEED block)' : 'an nkey seed (SU...)';
    throw new BridgeError(ErrorCode.PublishFailed, `${source.key} ${source.file} is not ${expected}`, { file: source.file });
  }
  return { authenticator };
}

async function watchStatus(connection: NatsConnection, logger: Logger, onLinkChange: (up: boolean) => void, acks: StreamAcks | undefined): Promise<void> {
  for await (const status of connection.status()) {
    // The server refuses a subject the bridge may not publish on with an error, not an answer: its publishes fail now, not at their timeout.
    if (status.type === 'error' && status.error instanceof PermissionViolationError && status.error.operation === 'publish') acks?.refuse(status.error.subject, status.error);
    if (status.type === 'disconnect' || status.type === 'reconnecting') onLinkChange(false);
    if (status.type === 'reconnect') onLinkChange(true);
    if (status.type === 'disconnect' || status.type === 'reconnect' || status.type === 'error') logger.warn({ natsStatus: status.type }, `NATS ${status.type}`);
  }
}

async function ensureStream(connection: NatsConnection, streamName: string, logger: Logger): Promise<void> {
  const manager = await jetstreamManager(connection);
  try {
    await manager.streams.info(streamName);
  } catch {
    await manager.streams.add({ name: streamName, subjects: [dcmSubjects] });
    logger.warn({ stream: streamName, subjects: dcmSubjects }, 'created JetStream stream (publisher.createStream is true)');
  }
}

/** What {@link withTimeout} resolves to when time ran out first. */
const timedOut: unique symbol = Symbol('timed out');

/** Resolves to `promise`'s value, or to {@link timedOut} after `timeoutMs`; never leaves a timer behind. */
async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T | typeof timedOut> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof timedOut>((resolve) => {
    timer = setTimeout(() => resolve(timedOut), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A sleep that `interrupt()` ends at once, so closing never waits out a retry delay. */
function createInterruptiblePause(): ((ms: number) => Promise<void>) & { interrupt(): void } {
  let wake: (() => void) | undefined;
  let interrupted = false;
  const pause = (ms: number): Promise<void> =>
    interrupted
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
  return Object.assign(pause, {
    interrupt() {
      interrupted = true;
      wake?.();
    },
  });
}

/** A server URL fit for logs and errors: any `user:password@` is left out. */
function withoutUserInfo(server: string): string {
  return server.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^@/]*@/i, '$1');
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
}
