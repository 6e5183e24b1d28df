import type { AdapterDescription } from '../../src/adapter/index.js';
import type { CloudsYamlSources } from './clouds-yaml.js';
import { openstackConfigSchema } from './config-schema.js';
import { resolveOpenstackSettings } from './settings.js';
import { openstackStateTable } from './state-table.js';

/**
 * The OpenStack adapter as the configuration sees it: platform name, floor,
 * schemas and the settings check (which reads clouds.yaml from `cloudsYaml`).
 * It imports nothing that talks to Keystone or Nova, so a bridge validates
 * OpenStack endpoints without loading the adapter's HTTP code.
 */
export function describeOpenstackPlatform(cloudsYaml: CloudsYamlSources): AdapterDescription {
  return {
    platform: 'openstack',
    minimumIntervalSeconds: 10,
    serviceTypes: ['vm'],
    stateTable: openstackStateTable,
    configSchema: openstackConfigSchema,
    // Not required by the schema: a clouds.yaml entry may give auth_url. `validate` requires it otherwise.
    urlRequired: false,
    // Nova's changes-since, on every endpoint.
    listsChanges: () => true,
    validate: (endpoint) => resolveOpenstackSettings(endpoint, cloudsYaml).issues,
  };
}
