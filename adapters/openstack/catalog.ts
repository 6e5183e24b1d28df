import { BridgeError, ErrorCode } from '../../src/errors/index.js';
import type { EndpointInterface } from './config-schema.js';
import { isJsonObject } from '../../src/values/index.js';

/** One endpoint of a catalog service, as Keystone v3 lists it. */
export interface CatalogEndpoint {
  readonly type: string;
  readonly interface: string;
  readonly region: string | undefined;
  readonly url: string;
}

/** Flattens a token's `catalog` (`[{type, endpoints: [{interface, region_id, region, url}]}]`); malformed entries are skipped. */
export function readCatalog(catalog: unknown): CatalogEndpoint[] {
  if (!Array.isArray(catalog)) return [];
  const endpoints: CatalogEndpoint[] = [];
  for (const service of catalog as unknown[]) {
    if (!isJsonObject(service) || typeof service['type'] !== 'string' || !Array.isArray(service['endpoints'])) continue;
    for (const endpoint of service['endpoints'] as unknown[]) {
      if (!isJsonObject(endpoint) || typeof endpoint['url'] !== 'string' || typeof endpoint['interface'] !== 'string') continue;
      // `region_id` is the v3 field; `region` its deprecated twin, still sent.
      const region = typeof endpoint['region_id'] === 'string' ? endpoint['region_id'] : typeof endpoint['region'] === 'string' ? endpoint['region'] : undefined;
      endpoints.push({ type: service['type'], interface: endpoint['interface'], region, url: endpoint['url'] });
    }
  }
  return endpoints;
}

/**
 * The compute URL for `interface` (and `region`, when given). No match, or
 * several regions and no `region` configured, is an error listing what the
 * catalog offers: polling another region's Nova would make every server look
 * deleted.
 */
export function selectComputeUrl(catalog: readonly CatalogEndpoint[], wanted: { readonly interface: EndpointInterface; readonly region: string | undefined }, endpointName: string): string {
  const compute = catalog.filter((endpoint) => endpoint.type === 'compute');
  const matches = compute.filter((endpoint) => endpoint.interface === wanted.interface && (wanted.region === undefined || endpoint.region === wanted.region));
  const offers = (): string => (compute.length === 0 ? 'no compute service at all' : compute.map((endpoint) => `${endpoint.interface} in ${endpoint.region ?? '(no region)'} at ${endpoint.url}`).join('; '));
  const fail = (problem: string): BridgeError =>
    new BridgeError(ErrorCode.ConfigInvalid, `openstack endpoint ${endpointName}: ${problem}; the catalog offers ${offers()}. Set region and interface to one of these, or computeUrl`, {
      endpoint: endpointName,
      platform: 'openstack',
    });
  const regions = [...new Set(matches.map((endpoint) => endpoint.region ?? '(no region)'))];
  if (matches.length === 0) throw fail(`the service catalog has no compute endpoint with interface ${wanted.interface}${wanted.region === undefined ? '' : ` in region ${wanted.region}`}`);
  if (regions.length > 1) throw fail(`the service catalog has compute endpoints with interface ${wanted.interface} in several regions (${regions.join(', ')}) and region is not set`);
  return (matches[0]?.url ?? '').replace(/\/+$/, '');
}
