import type { EndpointConfig } from '../../src/config/index.js';

/**
 * The account whose request budget an endpoint draws from (`rateLimits.vsphere`):
 * the vCenter itself, named by its URL origin (scheme, host, port), because
 * vCenter's limits (the vAPI endpoint's request rate, the SOAP service's
 * concurrent requests) are server-wide, whoever logs in. Endpoints on one
 * vCenter with different users or selectors share one bucket.
 */
export function vsphereAccountKey(endpoint: Pick<EndpointConfig, 'url'>): string {
  try {
    return new URL(endpoint.url ?? '').origin;
  } catch {
    // Validation refused such a url; a key of its own keeps it from sharing anyone's bucket.
    return endpoint.url ?? '';
  }
}
