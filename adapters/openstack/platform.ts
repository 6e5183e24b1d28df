import { homedir } from 'node:os';
import type { AdapterDescription } from '../../src/adapter/index.js';
import type { CloudsYamlSources } from './clouds-yaml.js';
import { openstackConfigSchema } from './config-schema.js';
import { resolveOpenstackSettings } from './settings.js';
import { openstackStateTable } from './state-table.js';

/** Where clouds.yaml is looked for by default: this process's environment, working directory and home directory. */
export function processCloudsYamlSources(): CloudsYamlSources {
  // The one place the process is read: the adapter's factories are the edge.
  return { env: process.env, cwd: process.cwd(), homeDir: homedir() };
}

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
