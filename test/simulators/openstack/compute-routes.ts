import { jsonResponse, type Route, type SimRequest, type SimResponse } from '../common/index.js';
import { computeUrl, identityUrl, type OpenstackContext } from './context.js';
import { novaFault, tokenRejected } from './errors.js';
import { formatMicroversion, MIN_MICROVERSION, microversionHeaders, negotiateMicroversion, type Microversion } from './microversions.js';
import { serverDetail, serverSummary } from './representations.js';
import { ListingError, nextLink, planListing } from './server-listing.js';

/** A versioned compute call that passed authentication and version negotiation. */
interface ComputeCall {
  readonly request: SimRequest;
  readonly version: Microversion;
  readonly token: string;
}

function header(request: SimRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Wraps a versioned Nova operation: the token is checked first (keystonemiddleware sits in
 * front of Nova, so a bad token is a 401 whatever else is wrong), then the microversion is
 * negotiated; every answer after that carries the version headers.
 */
function versioned(context: OpenstackContext, operation: (call: ComputeCall) => SimResponse): (request: SimRequest) => SimResponse {
  return (request) => {
    const token = header(request, 'x-auth-token');
    const checked = context.tokens.check(token);
    if (!checked.ok || !checked.token.projectScoped || token === undefined) {
      context.tokens.recordRejected();
      return tokenRejected(identityUrl(context));
    }
    const negotiation = negotiateMicroversion(request.headers, context.maxMicroversion);
    if (!negotiation.ok) {
      return novaFault(negotiation.status, negotiation.message);
    }
    const response = operation({ request, version: negotiation.version, token });
    return { ...response, headers: { ...response.headers, ...microversionHeaders(negotiation.version) } };
  };
}

/** `GET /servers` and `GET /servers/detail`: one page, with `servers_links` when the page is full. */
function listServers(context: OpenstackContext, call: ComputeCall, detailed: boolean): SimResponse {
  const query = call.request.url.searchParams;
  let plan;
  try {
    plan = planListing(query, call.version, context.maxLimit);
  } catch (error) {
    if (error instanceof ListingError) {
      return novaFault(400, error.message);
    }
    throw error;
  }
  if (plan.empty) {
    return jsonResponse(200, { servers: [] });
  }
  const outcome = context.servers.page(plan);
  if (!outcome.ok) {
    return novaFault(400, `marker [${plan.marker ?? ''}] not found`);
  }
  context.listingFaults.served({ hasMarker: plan.marker !== undefined, routeName: call.request.routeName, token: call.token });
  const servers = outcome.servers.map((server) => (detailed ? serverDetail(context, server, call.version) : serverSummary(context, server)));
  const links = nextLink(`${computeUrl(context)}/servers${detailed ? '/detail' : ''}`, query, outcome.servers, plan.limit);
  return jsonResponse(200, links.length === 0 ? { servers } : { servers, servers_links: links });
}

/** The `v2.1` entry of Nova's version documents. */
function versionEntry(context: OpenstackContext, withDetails: boolean): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    id: 'v2.1',
    links: [{ href: `${computeUrl(context)}/`, rel: 'self' }],
    status: 'CURRENT',
    version: formatMicroversion(context.maxMicroversion),
    min_version: formatMicroversion(MIN_MICROVERSION),
    updated: '2013-07-23T11:33:21Z',
  };
  if (withDetails) {
    entry.links = [...(entry.links as unknown[]), { href: 'http://docs.openstack.org/', rel: 'describedby', type: 'text/html' }];
    entry['media-types'] = [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }];
  }
  return entry;
}

/**
 * Nova's routes under `<compute root>`: the unauthenticated version documents (`GET /`
 * lists v2.0 and v2.1 with the microversion range, `GET /v2.1` shows v2.1), and the
 * server reads of `v2.1`.
 */
export function computeRoutes(context: OpenstackContext): Route[] {
  const root = context.paths.compute;
  const api = `${root}/v2.1`;
  return [
    {
      method: 'GET',
      path: root === '' ? '/' : root,
      handle: () =>
        jsonResponse(200, {
          versions: [
            { id: 'v2.0', links: [{ href: `${context.publicUrl()}${root}/v2/`, rel: 'self' }], status: 'SUPPORTED', version: '', min_version: '', updated: '2011-01-21T11:33:21Z' },
            versionEntry(context, false),
          ],
        }),
    },
    { method: 'GET', path: api, handle: () => jsonResponse(200, { version: versionEntry(context, true) }) },
    // `/servers/detail` comes before `/servers/{server_id}`, which would match it too.
    { method: 'GET', path: `${api}/servers/detail`, handle: versioned(context, (call) => listServers(context, call, true)) },
    { method: 'GET', path: `${api}/servers`, handle: versioned(context, (call) => listServers(context, call, false)) },
    {
      method: 'GET',
      path: `${api}/servers/{server_id}`,
      handle: versioned(context, (call) => {
        const id = call.request.params.server_id ?? '';
        const server = context.servers.getLive(id);
        if (server === undefined) {
          return novaFault(404, `Instance ${id} could not be found.`);
        }
        return jsonResponse(200, { server: serverDetail(context, server, call.version) });
      }),
    },
  ];
}
