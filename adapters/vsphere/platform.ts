import type { AdapterDescription } from '../../src/adapter/index.js';
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
  validate(endpoint) {
    // The common schema already checked the URL; a query would be sent on every call.
    return !endpoint.url || new URL(endpoint.url).search === '' ? [] : [{ path: 'url', message: 'must be the vCenter base URL without a query string (https://vcenter.example)' }];
  },
};
