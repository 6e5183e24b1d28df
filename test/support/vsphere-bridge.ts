import type { Bridge } from '../../src/bridge/index.js';
import { createSystemClock, normalizeDelayMs, type Clock } from '../../src/clock/index.js';
import { loadConfig, type BridgeConfig } from '../../src/config/index.js';
import { createAdapterRegistry, type AdapterRegistry } from '../../src/registry/index.js';
import { createVsphereAdapter, type VsphereAdapterOptions } from '../../adapters/vsphere/index.js';
import type { Harness } from './harness.js';
import type { ReceivedMessage } from './jetstream-consumer.js';
import type { EndpointInputOptions, VsphereLab } from './vsphere-lab.js';

/** A bridge on the harness's Redis and NATS whose endpoints are vsphere ones on simulators. */
export interface VsphereBridge {
  readonly bridge: Bridge;
  readonly config: BridgeConfig;
  /** The events DCM received from endpoint `name` so far, in order. */
  events(name: string): Promise<ReceivedMessage[]>;
}

/** Config of a bridge polling `endpoints` (each a lab and how to reach it), on the harness's servers. */
export function vsphereBridgeConfig(harness: Harness, endpoints: readonly { lab: Pick<VsphereLab, 'endpointInput'>; input: EndpointInputOptions }[], adapters: AdapterRegistry, extraYaml = ''): BridgeConfig {
  const yaml = `provider: { name: test-bridge }
cache: { url: ${harness.redis.url}, namespace: ns-${Math.random().toString(36).slice(2)} }
publisher: { kind: nats, url: ${harness.nats.url}, jetstream: true, ackTimeoutSeconds: 2 }
scheduler: { jitterRatio: 0 }
endpoints: ${JSON.stringify(endpoints.map(({ lab, input }) => lab.endpointInput(input)))}
${extraYaml}
`;
  return loadConfig({ yaml: { text: yaml, origin: 'test' }, env: {}, adapters }).config;
}

/**
 * Real time, except that a wait the bridge sleeps through (the adapter's 10 s floor
 * between two `runOnce` polls of an endpoint) passes at once: the clock jumps forward
 * instead. Timers (request and ack timeouts) still run in real time.
 */
export function createSkippingClock(): Clock {
  let skippedMs = 0;
  const clock = createSystemClock({
    now: () => Date.now() + skippedMs,
    setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
    clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
  });
  return {
    now: () => clock.now(),
    schedule: (delayMs, callback) => clock.schedule(delayMs, callback),
    cancel: (handle) => clock.cancel(handle),
    async sleep(delayMs, signal) {
      if (signal?.aborted) throw signal.reason;
      const delay = normalizeDelayMs(delayMs);
      if (Number.isFinite(delay)) skippedMs += delay;
      else await clock.sleep(delay, signal);
    },
  };
}

/** How the bridge runs: by default on a {@link createSkippingClock}, so tests about other things do not wait out the floor. */
export interface VsphereBridgeOptions {
  readonly clock?: Clock;
  /** More top-level YAML, e.g. `diff: { fullListSeconds: 0 }` to list in full every poll. */
  readonly extraYaml?: string;
}

/** Starts an in-process bridge (stopped by `harness.dispose`) with the real vSphere adapter. */
export async function startVsphereBridge(harness: Harness, endpoints: readonly { lab: Pick<VsphereLab, 'endpointInput'>; input: EndpointInputOptions }[], adapterOptions: VsphereAdapterOptions = {}, options: VsphereBridgeOptions = {}): Promise<VsphereBridge> {
  const adapters = createAdapterRegistry([createVsphereAdapter(adapterOptions)]);
  const config = vsphereBridgeConfig(harness, endpoints, adapters, options.extraYaml);
  const bridge = await harness.bridge(config, { adapters, clock: options.clock ?? createSkippingClock() });
  return {
    bridge,
    config,
    events: async (name) => (await harness.dcm.messages()).filter((message) => message.event['dcmendpoint'] === name),
  };
}
