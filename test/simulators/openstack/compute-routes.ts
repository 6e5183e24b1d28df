import { jsonResponse, type Route, type SimRequest, type SimResponse } from '../common/index.js';
import { computeUrl, identityUrl, type OpenstackContext } from './context.js';
import { novaFault, tokenRejected, UNEXPECTED_API_ERROR } from './errors.js';
import { atLeast, formatMicroversion, MIN_MICROVERSION, microversionHeaders, negotiateMicroversion, type Microversion } from './microversions.js';
import type { ServerRecord } from './model.js';
import { partialListEntry, partialShow, serverDetail, serverSummary } from './representations.js';
import { cellDownSupported, ListingError, nextLink, planListing } from './server-listing.js';

/** The 500 Nova answers when a down cell makes a read fail (`NovaException` "Cell … is not responding"). */
const downCellFault = (): SimResponse => novaFault(500, `${UNEXPECTED_API_ERROR}\n<class 'nova.exception.NovaException'>`);

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
    // `Date` by Nova's (the injected) clock, not the host's: a client may read Nova's time from it,
    // as the bridge's `changes-since` cursor does (RFC 9110 §6.6.1: an origin server with a clock sends it).
    return { ...response, headers: { date: new Date(context.now()).toUTCString(), ...response.headers, ...microversionHeaders(negotiation.version) } };
  };
}

/** A list route whose next request a `proxyAnswer` listing fault may answer in Nova's place. */
function behindProxy(context: OpenstackContext, handle: (request: SimRequest) => SimResponse): (request: SimRequest) => SimResponse {
  return (request) => {
    const proxied = context.listingFaults.takeProxyAnswer(request.routeName);
    return proxied === undefined ? handle(request) : { status: proxied.status, headers: { 'content-type': proxied.contentType }, body: proxied.body };
  };
}

/** `GET /servers` and `GET /servers/detail`: one page, with `servers_links` when the page is full. */
function listServers(context: OpenstackContext, call: ComputeCall, detailed: boolean): SimResponse {
  const query = call.request.url.searchParams;
  // Deleted records older than the retention window have been archived: no list shows them any more.
  const retention = context.retention.deletedSeconds;
  if (retention !== undefined) {
    context.servers.purgeDeletedBefore(context.now() - retention * 1000);
  }
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
  // Down cells (quirks.ts): partial records only for an unfiltered, unpaged list from 2.69;
  // every other list skips their servers, or fails when the operator asked Nova to.
  const { quirks } = context;
  const inDownCell = (server: ServerRecord): boolean => quirks.isCellDown(server.cell);
  const partialView = cellDownSupported(query, call.version);
  if (!partialView && !quirks.settings().listRecordsBySkippingDownCells) {
    const anyDown = context.servers.page({ limit: 1, includeDeleted: true, accept: inDownCell });
    if (anyDown.ok && anyDown.servers.length > 0) {
      return downCellFault();
    }
  }
  const outcome = context.servers.page({ ...plan, accept: (server) => !inDownCell(server) && plan.accept(server) });
  if (!outcome.ok) {
    return novaFault(400, `marker [${plan.marker ?? ''}] not found`);
  }
  context.listingFaults.served({ hasMarker: plan.marker !== undefined, routeName: call.request.routeName, token: call.token });
  // Nova puts the down cells' minimal constructs first and fills the rest of the limit with them
  // (`_generate_minimal_construct_for_down_cells`); soft-deleted ones are queued for delete and left out.
  const partial = partialView
    ? context.servers.page({ limit: Math.max(0, plan.limit - outcome.servers.length), includeDeleted: false, accept: (server) => inDownCell(server) && server.vmState !== 'soft-delete' })
    : { ok: true as const, servers: [] };
  const partialServers = partial.ok ? partial.servers : [];
  const withoutTags = detailed && atLeast(call.version, '2.26') && outcome.servers.length > 0 && quirks.strike('omitListTags');
  const servers = [
    ...partialServers.map((server) => partialListEntry(context, server, detailed)),
    ...outcome.servers.map((server) => {
      if (!detailed) {
        return serverSummary(context, server);
      }
      const view = serverDetail(context, server, call.version);
      if (withoutTags) {
        delete view.tags;
      }
      return view;
    }),
  ];
  let links = nextLink(`${computeUrl(context)}/servers${detailed ? '/detail' : ''}`, query, [...partialServers, ...outcome.servers], plan.limit);
  if (links.length > 0 && quirks.strike('dropNextLink')) {
    links = [];
  }
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
    { method: 'GET', path: `${api}/servers/detail`, handle: behindProxy(context, versioned(context, (call) => listServers(context, call, true))) },
    { method: 'GET', path: `${api}/servers`, handle: behindProxy(context, versioned(context, (call) => listServers(context, call, false))) },
    {
      method: 'GET',
      path: `${api}/servers/{server_id}`,
      handle: versioned(context, (call) => {
        const id = call.request.params.server_id ?? '';
        const server = context.servers.getLive(id);
        const notFound = (): SimResponse => novaFault(404, `Instance ${id} could not be found.`);
        if (server === undefined) {
          return notFound();
        }
        if (context.quirks.isCellDown(server.cell)) {
          // `_get_instance_from_cell`: below 2.69 an error; from 2.69 a partial record, or
          // 404 for a server queued for delete (soft-deleted), as if it were deleted.
          if (!atLeast(call.version, '2.69')) {
            return downCellFault();
          }
          return server.vmState === 'soft-delete' ? notFound() : jsonResponse(200, { server: partialShow(context, server, call.version) });
        }
        return jsonResponse(200, { server: serverDetail(context, server, call.version) });
      }),
    },
  ];
}
