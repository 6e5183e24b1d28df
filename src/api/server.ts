import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EndpointOwner, EndpointStatus } from '../bridge/index.js';
import type { Clock } from '../clock/index.js';
import { BridgeError, ErrorCode, toProblem } from '../errors/index.js';
import type { HealthProbe } from '../health/index.js';
import type { BridgeMetrics } from '../metrics/index.js';
import type { VmStatus } from '../normalize/index.js';
import { createTokenGuard, type TokenSettings } from './auth.js';
import { endpointResource, endpointStatusResource, type EndpointService, type EndpointView } from './endpoints/index.js';
import { routesOf, type OpenApiDocument } from './openapi.js';
import { decodePageToken, encodePageToken, pageOf } from './pagination.js';
import { requestError } from './problems.js';
import { createValidatorCompiler } from './validation.js';
import type { VmReader } from './vms/index.js';

export interface ApiServerOptions {
  /** `host:port` (api.listen). */
  readonly listen: string;
  readonly tokens: TokenSettings;
  readonly maxBodyBytes: number;
  readonly providerName: string;
  readonly version: string;
  readonly document: OpenApiDocument;
  readonly endpoints: EndpointService;
  readonly statusOf: (endpoint: string) => EndpointStatus | undefined;
  /** The replica polling an endpoint now, from Redis (cluster mode); absent or undefined when the bridge runs alone. */
  readonly ownerOf?: (endpoint: string) => Promise<EndpointOwner | undefined>;
  /** An operator's confirmation of the deletions the mass-deletion guard holds; false when nothing is held. */
  readonly releaseHeldDeletions: (endpoint: string) => boolean;
  readonly vms: VmReader;
  readonly probe: HealthProbe;
  readonly metrics: Pick<BridgeMetrics, 'registry' | 'apiRequests'>;
  readonly clock: Clock;
  readonly logger: Logger;
}

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

/**
 * The serializer compiler: routes carry no response schemas (the document's
 * responses document, they do not filter), so replies are JSON.stringify'd;
 * a response schema added to a route fails at start-up instead of being
 * silently ignored.
 */
function refuseResponseSchemas({ url, method }: { readonly url: string; readonly method: string }): never {
  throw new BridgeError(ErrorCode.Internal, `route ${method} ${url} has a response schema; the API serializes replies without one`);
}

/** The HTTP API, built from the OpenAPI document; see README "HTTP API". */
export interface ApiServer {
  /** Starts listening; resolves to the base URL (`http://127.0.0.1:41234`). */
  listen(): Promise<string>;
  /** Stops accepting requests and closes connections. Idempotent. */
  close(): Promise<void>;
}

type Query = Record<string, unknown>;
type Params = Record<string, string>;
type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** `0.0.0.0:8080`, `[::]:8080`, `:8080` → fastify's host and port. */
function listenTarget(listen: string): { host: string; port: number } {
  const separator = listen.lastIndexOf(':');
  const host = listen.slice(0, separator).replace(/^\[(.*)\]$/, '$1');
  return { host: host === '' ? '0.0.0.0' : host, port: Number(listen.slice(separator + 1)) };
}

const list = (results: unknown[], nextPageToken?: string): Record<string, unknown> => ({ results, ...(nextPageToken ? { next_page_token: nextPageToken } : {}) });

/**
 * Creates the API server. Every route comes from an operation of the OpenAPI
 * document, with its request schema; the handlers below are looked up by
 * `operationId`, and a mismatch either way fails at start-up. Bearer tokens
 * are checked before the body is read, so an unauthenticated caller learns
 * nothing about validation. Every failure leaves as an RFC 7807 problem made
 * by `toProblem`.
 */
export async function createApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { logger } = options;
  const guard = createTokenGuard(options.tokens);
  const startedAt = options.clock.now();
  const app = createFastify(options);
  mountRoutes(app, options.document, { ...endpointHandlers(options), ...vmAndProbeHandlers(options, startedAt) }, guard);
  let closing: Promise<void> | undefined;
  return {
    async listen() {
      const address = await app.listen(listenTarget(options.listen));
      logger.info({ address }, `HTTP API listening on ${address}`);
      return address;
    },
    close() {
      closing ??= app.close();
      return closing;
    },
  };
}

/** fastify with our compilers, JSON bodies only, every failure an RFC 7807 problem, every request counted. */
function createFastify(options: ApiServerOptions): FastifyInstance {
  const { logger } = options;
  const validatorCompiler = createValidatorCompiler();
  // fastify types the factories as those of its default compilers; ours return compilers of the signatures setValidatorCompiler takes.
  const ourCompilers = { buildValidator: () => validatorCompiler, buildSerializer: () => refuseResponseSchemas } as unknown as CompilersFactory;
  const app: FastifyInstance = Fastify({
    logger: false,
    bodyLimit: options.maxBodyBytes,
    return503OnClosing: true,
    // A path fastify cannot route (bad percent-encoding, an over-long id) bypasses the error handler unless handed over here.
    frameworkErrors: (error, request, reply) => void sendProblem(logger, request, reply, error),
    // Our compilers given up front: fastify otherwise loads its own (ajv's and fast-json-stringify's) at start-up only to replace them.
    schemaController: { compilersFactory: ourCompilers },
  });
  // JSON only: fastify also reads text/plain by default, which no operation takes.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  app.setErrorHandler((error, request, reply) => sendProblem(logger, request, reply, error));
  app.setNotFoundHandler((request, reply) => sendProblem(logger, request, reply, new BridgeError(ErrorCode.NotFound, `no such resource: ${request.method} ${request.url.split('?')[0]}`)));
  app.addHook('onResponse', async (request, reply) => {
    options.metrics.apiRequests.inc({ method: request.method, route: request.routeOptions.url ?? 'unmatched', code: String(reply.statusCode) });
  });
  return app;
}

/** Replies with the problem of `error`: logged as a failure (5xx) or a refusal. */
function sendProblem(logger: Logger, request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const failure = requestError(error);
  const problem = toProblem(failure, request.url.split('?')[0]);
  if (problem.status >= 500) logger.error({ err: failure.cause ?? failure, method: request.method, route: request.routeOptions.url }, `API request failed: ${failure.message}`);
  else logger.info({ method: request.method, route: request.routeOptions.url, status: problem.status, code: problem.code }, `API request refused: ${problem.detail.split('\n')[0]}`);
  if (problem.status === 401) reply.header('WWW-Authenticate', 'Bearer realm="dcm-poll-bridge"');
  return reply.code(problem.status).type('application/problem+json').send(problem);
}

/** One route per operation of the document, each with its handler and its access checked before the body is read; a mismatch either way throws. */
function mountRoutes(app: FastifyInstance, document: OpenApiDocument, handlers: Readonly<Record<string, Handler>>, guard: ReturnType<typeof createTokenGuard>): void {
  const routes = routesOf(document);
  const unserved = Object.keys(handlers).filter((operationId) => !routes.some((route) => route.operationId === operationId));
  if (unserved.length > 0) throw new BridgeError(ErrorCode.Internal, `handlers without an operation in the OpenAPI document: ${unserved.join(', ')}`);
  for (const route of routes) {
    const handler = handlers[route.operationId];
    if (!handler) throw new BridgeError(ErrorCode.Internal, `operation ${route.operationId} of the OpenAPI document has no handler`);
    app.route({
      method: route.method,
      url: route.url,
      schema: route.schema,
      // onRequest runs before the body is read or validated.
      onRequest: async (request) => guard.authorize(request.headers.authorization, route.access),
      handler,
    });
  }
}

const pageSize = (query: Query): number => query['max_page_size'] as number;

/** The handlers of the endpoint operations (registrations, their status, held deletions). */
function endpointHandlers(options: ApiServerOptions): Readonly<Record<string, Handler>> {
  const { endpoints } = options;
  return {
    listEndpoints: async (request) => endpointPage(endpoints.list(), request.query as Query),
    getEndpoint: async (request) => {
      const view = endpoints.get((request.params as Params)['endpoint_id'] as string);
      return endpointResource(view.endpoint, view.times);
    },
    createEndpoint: async (request, reply) => {
      const view = await endpoints.create((request.query as Query)['id'] as string | undefined, request.body);
      reply.code(201).header('Location', `/api/v1alpha1/endpoints/${view.endpoint.name}`);
      return endpointResource(view.endpoint, view.times);
    },
    updateEndpoint: async (request) => {
      const view = await endpoints.update((request.params as Params)['endpoint_id'] as string, request.body);
      return endpointResource(view.endpoint, view.times);
    },
    deleteEndpoint: async (request, reply) => {
      await endpoints.remove((request.params as Params)['endpoint_id'] as string);
      return reply.code(204).send();
    },
    getEndpointStatus: async (request) => {
      const id = (request.params as Params)['endpoint_id'] as string;
      endpoints.get(id);
      return endpointStatusResource(id, options.statusOf(id), await options.ownerOf?.(id));
    },
    releaseHeldDeletions: async (request, reply) => {
      const id = (request.params as Params)['endpoint_id'] as string;
      endpoints.get(id);
      if (!options.releaseHeldDeletions(id)) throw new BridgeError(ErrorCode.FailedPrecondition, `endpoint ${id} holds no deletions: the mass-deletion guard has not stopped any`, { endpoint: id });
      return reply.code(202).send(endpointStatusResource(id, options.statusOf(id)));
    },
  };
}

function endpointPage(views: readonly EndpointView[], query: Query): Record<string, unknown> {
  const scope = 'endpoints';
  const token = query['page_token'] as string | undefined;
  const page = pageOf(views, (view) => [view.endpoint.name], pageSize(query), token ? decodePageToken(token, scope) : undefined);
  return list(
    page.results.map((view) => endpointResource(view.endpoint, view.times)),
    page.nextKey ? encodePageToken(scope, page.nextKey) : undefined,
  );
}

/** The handlers of the VM operations, health, liveness, readiness, metrics and the document itself. */
function vmAndProbeHandlers(options: ApiServerOptions, startedAt: number): Readonly<Record<string, Handler>> {
  const { vms, probe } = options;
  const health = (): Promise<Record<string, unknown>> => healthResource(options, startedAt);
  return {
    listVms: async (request) => {
      const query = request.query as Query;
      const endpoint = query['endpoint'] as string | undefined;
      const statuses = ((query['status'] as VmStatus[] | undefined) ?? []).slice().sort();
      const scope = `vms?endpoint=${endpoint ?? ''}&status=${statuses.join(',')}`;
      const token = query['page_token'] as string | undefined;
      const page = await vms.list({ ...(endpoint !== undefined ? { endpoint } : {}), statuses, pageSize: pageSize(query), ...(token ? { after: decodePageToken(token, scope) } : {}) });
      return list(page.results, page.nextKey ? encodePageToken(scope, page.nextKey) : undefined);
    },
    getVm: async (request) => {
      const id = (request.params as Params)['vm_id'] as string;
      const vm = await vms.get(id);
      if (!vm) throw new BridgeError(ErrorCode.NotFound, `no observed VM has the id ${id}`);
      return vm;
    },
    getVmsHealth: health,
    getHealth: health,
    getLiveness: async () => ({ status: 'alive' }),
    getReadiness: async (_request, reply) => {
      const readiness = await probe.readiness();
      return reply.code(readiness.ready ? 200 : 503).send(readiness);
    },
    getMetrics: async (_request, reply) => {
      const registry: Registry = options.metrics.registry;
      return reply.type(registry.contentType).send(await registry.metrics());
    },
    getOpenApi: async () => options.document,
  };
}

async function healthResource(options: ApiServerOptions, startedAt: number): Promise<Record<string, unknown>> {
  const provider = await options.probe.health();
  return {
    status: provider.healthy ? 'healthy' : 'unhealthy',
    type: `${options.providerName}.dcm.io/health`,
    path: 'health',
    version: options.version,
    uptime: Math.floor((options.clock.now() - startedAt) / 1000),
    endpoints: provider.endpoints.map((endpoint) => ({ id: endpoint.name, health: endpoint.state, reason: endpoint.reason })),
  };
}
