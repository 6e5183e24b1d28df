import { Readable } from 'node:stream';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import type { Clock } from '../../src/clock/index.js';
import { BridgeError, ErrorCode } from '../../src/errors/index.js';
import { armDeadline, guardedConnector, untilAborted, type ConnectGuard, type tlsConnectOptions } from '../../src/platform-http/index.js';
import type { AnswerBuffers } from './answer-buffers.js';
import type { RequestTimeouts } from './retry-strategy.js';

/**
 * The request the SDK hands its HTTP handler (`@smithy/types` `HttpRequest`),
 * as far as this handler reads it.
 */
export interface SdkHttpRequest {
  readonly method: string;
  /** `https:` or `http:`. */
  readonly protocol: string;
  readonly hostname: string;
  readonly port?: number;
  readonly path: string;
  readonly query?: Readonly<Record<string, string | readonly string[] | null>>;
  readonly fragment?: string;
  /** Signed (SigV4 covers `host`): sent as they are. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

/** The response the handler gives the SDK: the whole body read, as the answer check reads it anyway. */
export interface SdkHttpResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
}

/** The SDK's `HttpHandler` contract (`@smithy/protocol-http`), as `EC2ClientConfig.requestHandler` takes it. */
export interface SdkRequestHandler {
  readonly metadata: { readonly handlerProtocol: string };
  handle(request: SdkHttpRequest, options?: { readonly abortSignal?: unknown }): Promise<{ response: SdkHttpResponse }>;
  /** The SDK's way of changing a handler option later: nothing here is changed after construction. */
  updateHttpClientConfig(key: never, value: never): void;
  httpHandlerConfigs(): Record<string, never>;
  destroy(): void;
}

/** What one endpoint's handler is built from. */
export interface UndiciHandlerSettings {
  /** For errors: `ec2 endpoint <name> (<region>)`. */
  readonly endpoint: string;
  readonly region: string;
  /** `tls.caFile`'s certificates (replacing the trust store) and whether to verify (`tls.insecureSkipVerify`). */
  readonly tls: ReturnType<typeof tlsConnectOptions>;
  /** The target policy of an API-registered endpoint; every socket resolves and connects through it. */
  readonly guard?: ConnectGuard;
  readonly timeouts: RequestTimeouts;
  /** Times the answer and the body's silences. */
  readonly clock: Clock;
  /** Sockets kept per origin. */
  readonly sockets: number;
  /** A longer body fails the call with PLATFORM_PAYLOAD. */
  readonly maxBodyBytes: number;
  /** Where large bodies are read into (see {@link AnswerBuffers}); absent, each gets its own buffer. */
  readonly buffers?: AnswerBuffers;
}

/** A body at least this long is read into one of the endpoint's {@link AnswerBuffers}; an error answer is far shorter. */
const bufferedFromBytes = 64 * 1024;

/**
 * The AWS SDK's HTTP handler on undici, the client the other adapters use,
 * in place of the SDK's `NodeHttpHandler` on `node:http`. Signing, retries
 * and error parsing stay the SDK's; this sends the signed request and hands
 * back the whole answer. Why (adapters/ec2/README.md, "Transport"): a
 * steady poll reads about 1.4 MB a page, and `node:http` copies every body
 * chunk into a fresh buffer where undici hands over views of what the
 * socket read; with the page joined into a reused buffer
 * ({@link AnswerBuffers}), a poll leaves so little external memory that
 * V8 no longer starts a full collection of the bridge's heap every dozen
 * pages.
 *
 * Timeouts as the SDK's handler kept them: `connectionTimeoutMs` for TCP
 * and TLS (undici's connector), `requestTimeoutMs` from the send to the
 * answer's headers and again as the longest silence while its body streams
 * (on the clock: undici's own timers fire up to a second late). Their errors
 * are named `TimeoutError`, and a socket closed under a request keeps its
 * `ECONNRESET`-style code, so the SDK's retry strategy sees them as
 * transient, as it saw the SDK handler's. An aborted call fails at once,
 * even while its socket still connects, with an `AbortError` whose cause
 * is the signal's reason.
 */
export function createUndiciHandler(settings: UndiciHandlerSettings): SdkRequestHandler {
  const connectOptions = { ...settings.tls, timeout: settings.timeouts.connectionTimeoutMs };
  const connect = settings.guard ? guardedConnector(connectOptions, settings.guard) : buildConnector(connectOptions);
  // Keep sockets across polls (≥ 10 s apart) unless the server says otherwise; no redirects (EC2 answers none).
  // undici's answer and body timeouts are off: the clock's deadline below keeps them.
  const agent = new Agent({ connections: settings.sockets, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, headersTimeout: 0, bodyTimeout: 0, connect });
  return {
    metadata: { handlerProtocol: 'http/1.1' },
    async handle(request, options = {}) {
      const callerSignal = options.abortSignal instanceof AbortSignal ? options.abortSignal : undefined;
      if (callerSignal?.aborted) throw abortError(callerSignal);
      // Until the headers, then as the longest silence between pieces of the body.
      const deadline = armDeadline(settings.clock, settings.timeouts.requestTimeoutMs, callerSignal);
      let waitingFor: 'answer' | 'body' = 'answer';
      try {
        const pending: Promise<Dispatcher.ResponseData> = agent.request({
          origin: `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}`,
          path: pathOf(request),
          method: request.method as Dispatcher.HttpMethod,
          headers: request.headers,
          body: requestBody(request.body),
          signal: deadline.signal,
        });
        const answer = await untilAborted(pending, deadline.signal);
        waitingFor = 'body';
        deadline.restart();
        const body = await readWhole(answer.body, settings, deadline.restart);
        return { response: { statusCode: answer.statusCode, headers: flatHeaders(answer.headers), body } };
      } catch (error) {
        if (callerSignal?.aborted) throw abortError(callerSignal);
        throw deadline.timedOut() ? timeoutError(waitingFor, error) : transportError(error);
      } finally {
        deadline.end();
      }
    },
    updateHttpClientConfig() {
      // Nothing to change: the client is built once per endpoint with its final settings.
    },
    httpHandlerConfigs: () => ({}),
    destroy() {
      void agent.destroy().catch(() => undefined);
    },
  };
}

/** The request's path with its query and fragment, encoded as the SDK's own handler encodes them (RFC 3986). */
function pathOf(request: SdkHttpRequest): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(request.query ?? {})) {
    if (value === null) parts.push(escapeUri(key));
    else for (const item of typeof value === 'string' ? [value] : value) parts.push(`${escapeUri(key)}=${escapeUri(item)}`);
  }
  const query = parts.length > 0 ? `?${parts.join('&')}` : '';
  return `${request.path}${query}${request.fragment ? `#${request.fragment}` : ''}`;
}

function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The SDK's body (EC2's Query protocol sends a form string) as undici takes it. */
function requestBody(body: unknown): string | Uint8Array | Readable | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array || body instanceof Readable) return body;
  throw new TypeError(`an SDK request body of type ${typeof body} the handler cannot send`);
}

/** Response headers as the SDK types them: one string each, repeated ones joined by commas (as its own handler does). */
function flatHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(',') : value;
  return flat;
}

/** The whole body: joined into one of the endpoint's buffers when large, else into its own. */
async function readWhole(body: Dispatcher.ResponseData['body'], settings: UndiciHandlerSettings, onChunk: () => void): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    onChunk();
    length += chunk.length;
    if (length > settings.maxBodyBytes) {
      body.destroy();
      throw new BridgeError(ErrorCode.PlatformPayload, `ec2 endpoint ${settings.endpoint} (${settings.region}): an answer longer than ${settings.maxBodyBytes} bytes; it counts for nothing`, {
        endpoint: settings.endpoint,
        platform: 'ec2',
        region: settings.region,
        maxBodyBytes: settings.maxBodyBytes,
      });
    }
    chunks.push(chunk);
  }
  if (length < bufferedFromBytes || settings.buffers === undefined) return Buffer.concat(chunks, length);
  const whole = settings.buffers.take(length);
  let offset = 0;
  for (const chunk of chunks) {
    whole.set(chunk, offset);
    offset += chunk.length;
  }
  return whole.subarray(0, length);
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  const error = new Error(reason instanceof Error ? `Request aborted: ${reason.message}` : 'Request aborted', reason instanceof Error ? { cause: reason } : undefined);
  error.name = 'AbortError';
  return error;
}

/** A timeout as the SDK's retry strategy and `toBridgeError` know one: named `TimeoutError`. */
function timeoutError(missing: 'answer' | 'body', cause: unknown): Error {
  const words = missing === 'answer' ? 'no answer in time' : 'the answer stalled: no more of its body in time';
  return Object.assign(new Error(words, { cause }), { name: 'TimeoutError' });
}

/** What the SDK's retry strategy and `toBridgeError` read of a failed request. */
function transportError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof BridgeError) return error;
  const code = (error as { code?: unknown }).code;
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return Object.assign(new Error(`no connection in time (${error.message})`, { cause: error }), { name: 'TimeoutError' });
  // undici's "other side closed": a reset, as the SDK's retry strategy knows one.
  if (code === 'UND_ERR_SOCKET') return Object.assign(new Error(`the connection closed under the request (${error.message})`, { cause: error }), { code: 'ECONNRESET' });
  return error;
}
