import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CONTROL_PREFIX, controlError, kitControlRoutes } from './control-api.js';
import { createFaultSwitch, type FaultPlan, type FaultSwitch, type TruncateStyle } from './fault-switch.js';
import type { SimRequest, SimResponse } from './http-types.js';
import { createSeededRandom } from './random.js';
import { createRequestCounter, type RequestStats } from './request-counter.js';
import { createRouteTable, type Route } from './routes.js';

/** PEM key and certificate for an HTTPS listener. */
export interface TlsMaterial {
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
}

/** Where to listen. Defaults: port 0 (any free port), host 127.0.0.1, plain HTTP. */
export interface StartOptions {
  readonly port?: number;
  readonly host?: string;
  readonly tls?: TlsMaterial;
}

/** A listening simulator. */
export interface RunningServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Stops listening and cuts every open connection. */
  close(): Promise<void>;
}

/** Options of {@link createSimulatorServer}. */
export interface SimulatorServerOptions {
  /** The platform's routes. */
  readonly routes: readonly Route[];
  /** Extra control routes of the platform; their paths must start with `/_sim/`. */
  readonly controlRoutes?: readonly Route[];
  /** Query parameters that select an operation (see `RouteTableOptions`). */
  readonly discriminatorParams?: readonly string[];
  /**
   * The platform's own error answer for a status: used for 5xx and 429 faults,
   * unmatched routes (404), oversized bodies (413) and handlers that throw (500).
   */
  readonly errorResponse: (request: SimRequest, status: number) => SimResponse;
  /** Platform figures added to the stats under `platform`. */
  readonly platformStats?: () => Record<string, unknown>;
  /** Called by `reset()` after faults and counters are cleared, to reset platform state. */
  readonly onReset?: () => void;
  /** Seed of the RNG behind probability triggers. Default 1. */
  readonly seed?: number;
  /** How latency faults wait; tests may inject a recorder. Default: a real timer. */
  readonly delay?: (milliseconds: number) => Promise<void>;
  /** Largest accepted request body. Default 16 MiB. */
  readonly maxBodyBytes?: number;
  /** Largest accepted request head; long `vms=` filters need more than Node's 16 KiB. Default 4 MiB. */
  readonly maxHeaderBytes?: number;
  /** Told about handler exceptions (answered as platform 500s). Default: written to stderr. */
  readonly onHandlerError?: (error: unknown, request: SimRequest) => void;
}

/** Request counts plus the platform's own figures. */
export interface SimulatorStats extends RequestStats {
  readonly platform: Readonly<Record<string, unknown>>;
}

/** An HTTP(S) simulator: the platform's routes behind the fault layer, plus `/_sim/` control routes. */
export interface SimulatorServer {
  /** Starts listening; one listener at a time. */
  start(options?: StartOptions): Promise<RunningServer>;
  /** Stops the listener if one runs. */
  close(): Promise<void>;
  /** The fault switches, driven in process (the same ones `POST /_sim/faults` sets). */
  readonly faults: FaultSwitch;
  stats(): SimulatorStats;
  /** Zeroes the request counters. */
  resetStats(): void;
  /** Clears faults and counters, then lets the platform reset its state. */
  reset(): void;
}

const NO_FAULTS: FaultPlan = { delayMs: 0, fired: [] };

function bodyBuffer(body: SimResponse['body']): Buffer {
  if (body === undefined) {
    return Buffer.alloc(0);
  }
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

/** Writes an answer, damaged as the truncate fault asks. */
function writeResponse(res: ServerResponse, response: SimResponse, truncate: TruncateStyle | undefined): void {
  const body = bodyBuffer(response.body);
  const half = body.subarray(0, Math.floor(body.length / 2));
  const headers = { ...response.headers };
  if (truncate === 'halfJson') {
    res.writeHead(response.status, { ...headers, 'content-length': String(half.length) });
    res.end(half);
    return;
  }
  res.writeHead(response.status, { ...headers, 'content-length': String(body.length) });
  if (truncate === 'destroyMidBody') {
    // Destroy only once the half has been flushed, so the client really sees a short body.
    res.write(half, () => res.destroy());
    return;
  }
  res.end(body);
}

type BodyRead = { readonly ok: true; readonly body: Buffer } | { readonly ok: false };

function readBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
      } else if (!tooLarge) {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve(tooLarge ? { ok: false } : { ok: true, body: Buffer.concat(chunks) }));
    req.on('error', reject);
  });
}

function formatUrl(tls: boolean, host: string, port: number): string {
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return `${tls ? 'https' : 'http'}://${shownHost}:${port}`;
}

/**
 * Creates a simulator server around a platform's route table.
 *
 * Each platform request is counted under its route name, then the armed faults are
 * planned: latency first, then at most one of drop / 5xx / 429 (first listed wins),
 * else the platform handler runs and its answer may be truncated. Control routes
 * under `/_sim/` are neither counted nor faulted.
 */
export function createSimulatorServer(options: SimulatorServerOptions): SimulatorServer {
  const counter = createRequestCounter();
  const faults = createFaultSwitch({ seed: options.seed ?? 1, randomForSeed: createSeededRandom });
  const delay = options.delay ?? ((milliseconds: number) => sleep(milliseconds).then(() => undefined));
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const onHandlerError = options.onHandlerError ?? ((error: unknown) => console.error('simulator handler failed:', error));
  const platformTable = createRouteTable(options.routes, { discriminatorParams: options.discriminatorParams ?? [] });

  const simulator: SimulatorServer = {
    start,
    close,
    faults,
    stats: () => ({ ...counter.snapshot(), platform: options.platformStats?.() ?? {} }),
    resetStats: () => counter.reset(),
    reset: () => {
      faults.clear();
      counter.reset();
      options.onReset?.();
    },
  };

  for (const route of options.controlRoutes ?? []) {
    if (!route.path.startsWith(CONTROL_PREFIX)) {
      throw new Error(`control route ${route.method} ${route.path} must start with ${CONTROL_PREFIX}`);
    }
  }
  const controlTable = createRouteTable([...kitControlRoutes(simulator), ...(options.controlRoutes ?? [])]);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const isControl = url.pathname.startsWith(CONTROL_PREFIX);
    const match = (isControl ? controlTable : platformTable).match(method, url);
    // A route whose body names the operation is read first, so counters and fault scopes see the operation.
    const earlyRead = match?.route.operationOf === undefined ? undefined : await readBody(req, maxBodyBytes);
    const operation = earlyRead?.ok === true ? match?.route.operationOf?.(earlyRead.body) : undefined;
    const routeName = match === undefined ? `${method} ${url.pathname} (unmatched)` : operation === undefined ? match.name : `${match.name} ${operation}`;

    let plan = NO_FAULTS;
    if (!isControl) {
      if (match === undefined) {
        counter.countUnmatched();
      } else {
        counter.countRoute(routeName);
      }
      plan = faults.plan({ method, path: url.pathname, routeName });
      plan.fired.forEach((kind) => counter.countFault(kind));
    }

    if (plan.delayMs > 0) {
      await delay(plan.delayMs);
    }
    if (plan.interrupt?.kind === 'dropConnection') {
      req.socket.destroy();
      return;
    }

    const read = earlyRead ?? (await readBody(req, maxBodyBytes));
    const request: SimRequest = { method, url, headers: req.headers, body: read.ok ? read.body : Buffer.alloc(0), params: match?.params ?? {}, routeName };
    const platformError = (status: number): SimResponse => (isControl ? controlError(status, `control request failed with ${status}`) : options.errorResponse(request, status));

    let response: SimResponse;
    if (plan.interrupt?.kind === 'http5xx') {
      response = platformError(plan.interrupt.status);
    } else if (plan.interrupt?.kind === 'throttle429') {
      const throttled = platformError(429);
      const retryAfter = plan.interrupt.retryAfterSeconds;
      response = retryAfter === undefined ? throttled : { ...throttled, headers: { ...throttled.headers, 'retry-after': String(retryAfter) } };
    } else if (!read.ok) {
      response = platformError(413);
    } else if (match === undefined) {
      response = isControl ? controlError(404, `no control route ${method} ${url.pathname}`) : platformError(404);
    } else {
      try {
        response = await match.route.handle(request);
      } catch (error) {
        onHandlerError(error, request);
        response = platformError(500);
      }
    }
    writeResponse(res, response, plan.truncate);
  }

  let listener: Server | undefined;

  async function start(startOptions: StartOptions = {}): Promise<RunningServer> {
    if (listener !== undefined) {
      throw new Error('simulator already started; close() it first');
    }
    const host = startOptions.host ?? '127.0.0.1';
    const maxHeaderSize = options.maxHeaderBytes ?? 4 * 1024 * 1024;
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      handle(req, res).catch((error: unknown) => {
        console.error('simulator failed to answer:', error);
        res.destroy();
      });
    };
    const server =
      startOptions.tls === undefined
        ? createHttpServer({ maxHeaderSize }, onRequest)
        : createHttpsServer({ maxHeaderSize, key: startOptions.tls.key, cert: startOptions.tls.cert }, onRequest);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(startOptions.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    listener = server;
    const { port } = server.address() as AddressInfo;
    return { url: formatUrl(startOptions.tls !== undefined, host, port), close };
  }

  async function close(): Promise<void> {
    const server = listener;
    if (server === undefined) {
      return;
    }
    listener = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  return simulator;
}
