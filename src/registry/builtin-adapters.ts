import type { PlatformAdapter } from '../adapter/index.js';
import { createVsphereAdapter } from '../../adapters/vsphere/index.js';
import { createOpenstackAdapter } from '../../adapters/openstack/index.js';
import { createEc2Adapter } from '../../adapters/ec2/index.js';

/**
 * The adapters shipped with the bridge. This is the only module of `src/`
 * that imports from `adapters/`; each platform joins by one line here.
 */
export function builtinAdapters(): readonly PlatformAdapter[] {
  return [createVsphereAdapter(), createOpenstackAdapter(), createEc2Adapter()];
}
