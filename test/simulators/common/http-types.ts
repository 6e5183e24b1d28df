import type { IncomingHttpHeaders } from 'node:http';

/** One request as the platform handlers see it: already read in full and routed. */
export interface SimRequest {
  readonly method: string;
  /** The full request URL, resolved against the server's own origin. */
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Values of the `{name}` placeholders of the matched route's path, URL-decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** The matched route's name as counted in the stats, e.g. `GET /api/vcenter/vm/{vm}`. */
  readonly routeName: string;
}

/**
 * One answer of a platform handler. Handlers return data instead of writing to the
 * socket, so the fault layer can still delay, cut or replace the answer afterwards.
 */
export interface SimResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

/** A handler of one route. It may throw; the server turns that into a platform 500. */
export type RouteHandler = (request: SimRequest) => SimResponse | Promise<SimResponse>;

/** Builds a JSON answer with the given status (any JSON value, including a bare string). */
export function jsonResponse(status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): SimResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(value),
  };
}

/** Builds an answer without a body (204, or a 200 that carries nothing). */
export function emptyResponse(status: number, headers: Readonly<Record<string, string>> = {}): SimResponse {
  return { status, headers };
}

/** Result of {@link readJsonBody}: the parsed value, or why the body is not JSON. */
export type JsonBodyResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: string };

/** Parses the request body as JSON; an empty body reads as `undefined`. */
export function readJsonBody(request: SimRequest): JsonBodyResult {
  const text = request.body.toString('utf8');
  if (text.trim() === '') {
    return { ok: true, value: undefined };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, problem: error instanceof Error ? error.message : String(error) };
  }
}

/** True when the value is a plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
