import type { AdapterHost, PlatformAdapter } from '../adapter/index.js';
import { vspherePlatform } from '../../adapters/vsphere/platform.js';
import { describeOpenstackPlatform } from '../../adapters/openstack/platform.js';
import { noCloudsYaml, type CloudsYamlSources } from '../../adapters/openstack/clouds-yaml.js';
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
 *
 * `host` is what the adapters may read of the machine (the CLI passes its
 * environment, working directory and home directory); without one they read
 * nothing of it, so an OpenStack `cloud:` finds no clouds.yaml, which is what
 * tests and the configuration reference want.
 */
export function builtinAdapters(host?: AdapterHost): readonly PlatformAdapter[] {
  const cloudsYaml: CloudsYamlSources = host ? { env: host.env, cwd: host.cwd, homeDir: host.homeDir } : noCloudsYaml;
  return [
    deferredAdapter(vspherePlatform, async () => (await import('../../adapters/vsphere/index.js')).createVsphereAdapter()),
    deferredAdapter(describeOpenstackPlatform(cloudsYaml), async () => (await import('../../adapters/openstack/index.js')).createOpenstackAdapter({ cloudsYaml })),
    deferredAdapter(describeEc2Platform(), async () => (await import('../../adapters/ec2/index.js')).createEc2Adapter()),
  ];
}
