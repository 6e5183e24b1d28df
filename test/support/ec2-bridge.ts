import type { Bridge } from '../../src/bridge/index.js';
import { loadConfig, type BridgeConfig } from '../../src/config/index.js';
import { createAdapterRegistry } from '../../src/registry/index.js';
import { createEc2Adapter, type Ec2AdapterOptions } from '../../adapters/ec2/index.js';
import { fastRetries } from './ec2-lab.js';
import { createFileAdapter } from './file-adapter.js';
import type { Harness } from './harness.js';
import type { ReceivedMessage } from './jetstream-consumer.js';

/** A bridge on the harness's Redis and NATS with the real EC2 adapter (and the `file` test platform beside it). */
export interface Ec2Bridge {
  readonly bridge: Bridge;
  readonly config: BridgeConfig;
  /** The events DCM received from endpoint `name` so far, in order. */
  events(name: string): Promise<ReceivedMessage[]>;
}

/**
 * Starts an in-process bridge (stopped by `harness.dispose`) whose endpoints
 * are `endpoints` as an operator writes them: ec2 ones (from `Ec2Lab.endpointInput`)
 * and `file` ones (`{ name, platform: 'file', file }`); `moreYaml` adds
 * top-level settings (e.g. `rateLimits`).
 */
export async function startEc2Bridge(harness: Harness, endpoints: readonly Record<string, unknown>[], adapterOptions: Ec2AdapterOptions = fastRetries, moreYaml = ''): Promise<Ec2Bridge> {
  // A floor of 1 s: runOnce waits out the floor between polls, and these tests poll back to back (the real 10 s floor is tested in config.test.ts).
  const adapters = createAdapterRegistry([createEc2Adapter({ minimumIntervalSeconds: 1, ...adapterOptions }), createFileAdapter({ minimumIntervalSeconds: 1 })]);
  const yaml = `provider: { name: test-bridge }
cache: { url: ${harness.redis.url}, namespace: ns-${Math.random().toString(36).slice(2)} }
publisher: { kind: nats, url: ${harness.nats.url}, jetstream: true, ackTimeoutSeconds: 2 }
scheduler: { jitterRatio: 0 }
endpoints: ${JSON.stringify(endpoints)}
${moreYaml}`;
  const { config } = loadConfig({ yaml: { text: yaml, origin: 'test' }, env: {}, adapters });
  const bridge = await harness.bridge(config, { adapters });
  return {
    bridge,
    config,
    events: async (name) => (await harness.dcm.messages()).filter((message) => message.event['dcmendpoint'] === name),
  };
}
