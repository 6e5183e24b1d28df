import type { AdapterDescription } from '../../src/adapter/index.js';
import type { ValidationIssue } from '../../src/errors/index.js';
import { selectorSources, vsphereProtocolOf, type ApiFlavorSetting } from './api-flavors.js';
import { vsphereConfigSchema } from './config-schema.js';
import { vsphereStateTable } from './state-table.js';

/**
 * The vSphere adapter as the configuration sees it: platform name, floor,
 * schemas and checks. It imports nothing that talks to vCenter, so a bridge
 * validates vSphere endpoints without loading the adapter's HTTP code.
 */
export const vspherePlatform: AdapterDescription = {
  platform: 'vsphere',
  minimumIntervalSeconds: 10,
  serviceTypes: ['vm'],
  stateTable: vsphereStateTable,
  configSchema: vsphereConfigSchema,
  urlRequired: true,
  selectorSources,
  // WaitForUpdatesEx is on the Web Services API only; the REST tag path lists in full.
  listsChanges: (endpoint) => {
    const protocol = vsphereProtocolOf(endpoint.options['apiFlavor'] as ApiFlavorSetting, endpoint.selector.source);
    return 'api' in protocol && protocol.api === 'vim';
  },
  validate(endpoint) {
    const issues: ValidationIssue[] = [];
    // The common schema already checked the URL; a query would be sent on every call.
    if (endpoint.url && new URL(endpoint.url).search !== '') issues.push({ path: 'url', message: 'must be the vCenter base URL without a query string (https://vcenter.example)' });
    const protocol = vsphereProtocolOf(endpoint.options['apiFlavor'] as ApiFlavorSetting, endpoint.selector.source);
    if ('problem' in protocol) issues.push({ path: protocol.path, message: protocol.problem });
    return issues;
  },
};
