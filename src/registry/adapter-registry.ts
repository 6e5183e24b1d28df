import type { PlatformAdapter } from '../adapter/index.js';
import type { AdapterLookup } from '../config/index.js';
import { BridgeError, ErrorCode } from '../errors/index.js';

/** The platforms the bridge can poll, by name. */
export interface AdapterRegistry extends AdapterLookup {
  /** The adapter of `platform`; throws `PLATFORM_UNKNOWN` naming the known ones. */
  require(platform: string): PlatformAdapter;
}

/** Builds a registry over `adapters`; two adapters may not claim one platform name. */
export function createAdapterRegistry(adapters: readonly PlatformAdapter[]): AdapterRegistry {
  const byPlatform = new Map<string, PlatformAdapter>();
  for (const adapter of adapters) {
    if (byPlatform.has(adapter.platform)) throw new BridgeError(ErrorCode.Internal, `two adapters claim platform ${adapter.platform}`);
    byPlatform.set(adapter.platform, adapter);
  }
  const registry: AdapterRegistry = {
    get: (platform) => byPlatform.get(platform),
    platforms: () => [...byPlatform.keys()].sort(),
    require(platform) {
      const adapter = byPlatform.get(platform);
      if (!adapter) throw new BridgeError(ErrorCode.PlatformUnknown, `no adapter for platform ${platform}; known: ${registry.platforms().join(', ') || '(none)'}`, { platform });
      return adapter;
    },
  };
  return registry;
}
