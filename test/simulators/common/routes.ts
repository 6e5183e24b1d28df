import type { RouteHandler } from './http-types.js';

/**
 * One entry of a route table.
 *
 * `path` is a template where `{name}` stands for one path segment or the rest of a
 * segment (`/rest/com/vmware/cis/tagging/tag/id:{tag_id}`). `query` pins the values
 * of the table's discriminator parameters (for vCenter: `action`, `~action`).
 */
export interface Route {
  readonly method: string;
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  /**
   * For a protocol that names the operation in the body (SOAP): reads the operation from
   * the request body, so the request is counted and fault-scoped as `<route name> <operation>`
   * (`POST /sdk RetrievePropertiesEx`). The body is then read before faults are planned.
   */
  readonly operationOf?: (body: Buffer) => string | undefined;
  readonly handle: RouteHandler;
}

/** A successful lookup: the route, its counter name and the decoded path parameters. */
export interface RouteMatch {
  readonly route: Route;
  readonly name: string;
  readonly params: Readonly<Record<string, string>>;
}

/** Options of {@link createRouteTable}. */
export interface RouteTableOptions {
  /**
   * Query parameters that select an operation. A request carrying one of them only
   * matches a route that pins it to the same value, so `POST /x?action=bogus` is
   * unmatched rather than taken for `POST /x`.
   */
  readonly discriminatorParams?: readonly string[];
}

/** Finds the route of a request. */
export interface RouteTable {
  match(method: string, url: URL): RouteMatch | undefined;
  /** Every route's counter name, in table order. */
  readonly names: readonly string[];
}

/** The name a route is counted under: method, path template and pinned query. */
export function routeName(route: Route): string {
  const query = Object.entries(route.query ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  return `${route.method} ${route.path}${query === '' ? '' : `?${query}`}`;
}

interface CompiledRoute {
  readonly route: Route;
  readonly name: string;
  readonly pattern: RegExp;
  readonly parameterNames: readonly string[];
}

function compilePath(path: string): { pattern: RegExp; parameterNames: string[] } {
  const parameterNames: string[] = [];
  const source = path
    .split(/(\{[A-Za-z_][A-Za-z0-9_]*\})/)
    .map((piece) => {
      const placeholder = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(piece);
      if (placeholder?.[1] !== undefined) {
        parameterNames.push(placeholder[1]);
        return '([^/]+)';
      }
      return piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return { pattern: new RegExp(`^${source}/?$`), parameterNames };
}

function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * Compiles a route table. Routes that pin query parameters are tried before the
 * others, so the order of the data does not decide between `POST /x?action=a` and
 * `POST /x`. A table holds a few dozen routes, so a scan per request is cheap.
 */
export function createRouteTable(routes: readonly Route[], options: RouteTableOptions = {}): RouteTable {
  const discriminators = options.discriminatorParams ?? [];
  const compiled: CompiledRoute[] = routes.map((route) => ({ route, name: routeName(route), ...compilePath(route.path) }));
  const byPrecedence = [...compiled].sort(
    (left, right) => Object.keys(right.route.query ?? {}).length - Object.keys(left.route.query ?? {}).length,
  );

  function queryMatches(route: Route, url: URL): boolean {
    const pinned = route.query ?? {};
    for (const [key, value] of Object.entries(pinned)) {
      if (url.searchParams.get(key) !== value) {
        return false;
      }
    }
    return discriminators.every((key) => key in pinned || !url.searchParams.has(key));
  }

  return {
    names: compiled.map((entry) => entry.name),
    match(method, url) {
      for (const entry of byPrecedence) {
        if (entry.route.method !== method) {
          continue;
        }
        const found = entry.pattern.exec(url.pathname);
        if (found === null || !queryMatches(entry.route, url)) {
          continue;
        }
        const params: Record<string, string> = {};
        entry.parameterNames.forEach((parameterName, index) => {
          params[parameterName] = decodeSegment(found[index + 1] ?? '');
        });
        return { route: entry.route, name: entry.name, params };
      }
      return undefined;
    },
  };
}
