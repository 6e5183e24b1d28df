// A tiny node:http(s) server for the platform-http tests: real sockets, no mocks of undici.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSystemClock } from '../../../src/clock/index.js';
import { createPlatformHttpClient, type PlatformHttpClient, type PlatformHttpOptions } from '../../../src/platform-http/index.js';
import { memoryLogger } from '../../support/harness.js';

/** What the server saw of one request. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface LocalServer {
  readonly url: string;
  readonly requests: SeenRequest[];
  /** TCP connections accepted so far (keep-alive reuses one). */
  connections(): number;
  close(): Promise<void>;
}

/** Starts a server on a free loopback port; `handler` answers each request after its body was read. */
export async function startLocalServer(handler: (request: SeenRequest, res: ServerResponse) => void, tls?: { key: Buffer; cert: Buffer }): Promise<LocalServer> {
  const requests: SeenRequest[] = [];
  let connections = 0;
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(seen);
      handler(seen, res);
    });
  };
  const server: Server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, onRequest) : createHttpServer(onRequest);
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Answers JSON with a status and optional headers. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** A client for `url` with test defaults; every request outcome is recorded in `outcomes`. */
export function testClient(url: string, overrides: Partial<PlatformHttpOptions> = {}): { client: PlatformHttpClient; outcomes: { status: number | 'error'; throttled: boolean }[]; lines: string[] } {
  const outcomes: { status: number | 'error'; throttled: boolean }[] = [];
  const { logger, lines } = memoryLogger('debug');
  const client = createPlatformHttpClient({
    endpoint: 'lab-1',
    platform: 'testplatform',
    baseUrl: url,
    tls: { caFile: undefined, insecureSkipVerify: false },
    logger,
    clock: createSystemClock(),
    onRequest: (outcome) => outcomes.push(outcome),
    requestTimeoutMs: 2_000,
    ...overrides,
  });
  return { client, outcomes, lines };
}

/** A signal that never fires. */
export const never = new AbortController().signal;
