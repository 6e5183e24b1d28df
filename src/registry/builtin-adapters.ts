import type { PlatformAdapter } from '../adapter/index.js';
import { vspherePlatform } from '../../adapters/vsphere/platform.js';
import { describeOpenstackPlatform, processCloudsYamlSources } from '../../adapters/openstack/platform.js';
import { describeEc2Platform } from '../../adapters/ec2/platform.js';
import { deferredAdapter } from './deferred-adapter.js';

/**
 * The adapters shipped with the bridge. This is the only module of `src/`
 * that imports from `adapters/`; each platform joins by one entry here.
 *
 * Each adapter's light part (`platform.ts`: name, floor, schemas, checks) is
 * imported now, so every platform's endpoints are validated from the start;
 * its code (HTTP clients, undici, the AWS SDK behind it) is imported when an
 * endpoint of that platform first polls. A bridge loads only the adapters
 * its endpoints name.
 */
export function builtinAdapters(): readonly PlatformAdapter[] {
  const cloudsYaml = processCloudsYamlSources();
  return [
    deferredAdapter(vspherePlatform, async () => (await import('../../adapters/vsphere/index.js')).createVsphereAdapter()),
    deferredAdapter(describeOpenstackPlatform(cloudsYaml), async () => (await import('../../adapters/openstack/index.js')).createOpenstackAdapter({ cloudsYaml })),
    deferredAdapter(describeEc2Platform(), async () => (await import('../../adapters/ec2/index.js')).createEc2Adapter()),
  ];
}
