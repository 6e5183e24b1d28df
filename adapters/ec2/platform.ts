import type { AdapterDescription } from '../../src/adapter/index.js';
import { ec2ConfigSchema, validateEc2Endpoint } from './config-schema.js';
import { ec2StateTable } from './state-table.js';

/**
 * The EC2 adapter as the configuration sees it: platform name, floor
 * (`minimumIntervalSeconds`, default 10), schemas and checks. It imports
 * nothing that talks to EC2, so a bridge validates EC2 endpoints without
 * loading the adapter's code, let alone the AWS SDK.
 */
export function describeEc2Platform(minimumIntervalSeconds = 10): AdapterDescription {
  return {
    platform: 'ec2',
    minimumIntervalSeconds,
    serviceTypes: ['vm'],
    stateTable: ec2StateTable,
    configSchema: ec2ConfigSchema,
    urlRequired: false,
    validate: validateEc2Endpoint,
  };
}
