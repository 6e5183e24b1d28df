import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChaosBridge, type ChaosBridge } from './bridge-runner.js';
import { startChaosNats, startChaosRedis, type ChaosServer, type RedisMonitor, type RedisPersistence } from './infrastructure.js';
import type { TimeWindow } from './judge.js';
import type { ChaosPlatform } from './platforms/platform.js';
import { startRecorder, type EventRecorder } from './recorder.js';

/** Tuning of the bridge under test; the suite's values, written into its YAML. */
export interface BridgeTuning {
  readonly intervalSeconds: number;
  /** `scheduler.jitterRatio`: each wait is lengthened by up to this share of the interval. */
  readonly jitterRatio: number;
  readonly ackTimeoutSeconds: number;
  readonly backoffMaxSeconds: number;
  readonly pollTimeoutSeconds: number;
}

/** The real parts of one run: Redis, NATS, a platform simulator, DCM's recorder and the bridge process. */
export interface ChaosStack {
  readonly redis: ChaosServer & { command(...args: string[]): Promise<string>; monitor(onLine: (line: string) => void): RedisMonitor };
  readonly nats: ChaosServer;
  readonly platform: ChaosPlatform;
  readonly recorder: EventRecorder;
  readonly bridge: ChaosBridge;
  readonly tuning: BridgeTuning;
  /** Credential values planted in the bridge's configuration, its registrations and its environment. */
  readonly secrets: readonly string[];
  /** The API's read token, for the scan of API output. */
  readonly readToken: string;
  readonly writeToken: string;
  /** The password of the registration planted through the API, which the platform refuses (a failing endpoint beside the real one). */
  readonly registrationPassword: string;
  /** Windows in which a fault kept the bridge from seeing the platform, stretched by its recovery. */
  blindWindows(): readonly TimeWindow[];
  /** Opens a blind window now (a fault begins); `key` names the part that failed. */
  blindFrom(key: string): void;
  /** Closes the window of `key` once the part works again: it ends after the bridge's recovery time. */
  blindUntilRecovered(key: string): void;
  /**
   * Counts a fault the bridge must see through without going blind (a
   * revoked token is renewed and the request retried at once; another
   * endpoint's trouble): no window is opened, so the judge owes DCM every
   * state across it.
   */
  countSightedFault(): void;
  /** Faults counted by {@link countSightedFault}. */
  sightedFaults(): number;
  /** How long after a fault ends the bridge may take to poll again: the backoff cap, an interval and a second for the poll. */
  readonly recoveryMs: number;
  dispose(): Promise<void>;
}

/** Options of {@link startStack}. */
export interface StackOptions {
  readonly platform: () => Promise<ChaosPlatform>;
  readonly redisPersistence: RedisPersistence;
  readonly tuning: BridgeTuning;
}

/** A credential for the scan: long, random, unmistakable. */
const plantedSecret = (label: string): string => `chaos-${label}-${randomBytes(12).toString('hex')}`;

/**
 * Starts the real parts and plants credentials everywhere the bridge takes
 * them (Redis and NATS passwords, the platform password, API tokens, the
 * credential-sealing key, a registration's password). The bridge is
 * configured, not started: the platform is seeded first.
 */
export async function startStack(options: StackOptions): Promise<ChaosStack> {
  const redisPassword = plantedSecret('redis');
  const natsPassword = plantedSecret('nats');
  const natsUser = 'dcm-chaos';
  const readToken = plantedSecret('read-token');
  const writeToken = plantedSecret('write-token');
  const registrationPassword = plantedSecret('registered-password');
  const credentialKey = randomBytes(32).toString('base64');
  const dir = mkdtempSync(join(tmpdir(), 'dcm-chaos-'));
  const started: Array<{ dispose(): Promise<void> }> = [];
  try {
    const [redis, nats, platform] = await Promise.all([
      startChaosRedis({ persistence: options.redisPersistence, password: redisPassword }).then((server) => (started.push(server), server)),
      startChaosNats({ user: natsUser, password: natsPassword }).then((server) => (started.push(server), server)),
      options.platform().then((created) => (started.push(created), created)),
    ]);
    const recorder = await startRecorder({ natsUrl: nats.url, user: natsUser, password: natsPassword });
    started.push({ dispose: () => recorder.close() });

    const { tuning } = options;
    const configPath = join(dir, 'bridge.yaml');
    // The OpenStack scenarios page Nova 40 servers at a time (so faults land mid-listing): a poll of ~1,200 servers
    // makes ~30 listing requests, plus one per vanished server, every 2 s. The shipped 10 requests/s per project,
    // sized for 1,000-server pages, would stretch such a poll to 3-10 s, longer than the judge's hold (an interval
    // plus 1 s), and states the bridge could not have seen would count as lost. The limiter still runs, in Redis,
    // through every fault; only its rate fits the scenario.
    const rateLimits = 'rateLimits: { openstack: { requestsPerSecond: 200, burst: 200 } }';
    writeFileSync(
      configPath,
      `provider: { name: chaos-bridge }
cache: { url: "${redis.url}", namespace: chaos, password: "\${env:CHAOS_REDIS_PASSWORD}" }
publisher: { kind: nats, url: "${nats.url}", jetstream: true, ackTimeoutSeconds: ${tuning.ackTimeoutSeconds}, user: ${natsUser}, password: "\${env:CHAOS_NATS_PASSWORD}" }
scheduler: { jitterRatio: ${tuning.jitterRatio}, backoffMaxSeconds: ${tuning.backoffMaxSeconds}, pollTimeoutSeconds: ${tuning.pollTimeoutSeconds} }
api:
  listen: "127.0.0.1:0"
  writeToken: "\${env:CHAOS_API_WRITE_TOKEN}"
  readToken: "\${env:CHAOS_API_READ_TOKEN}"
  allowPrivateTargets: true
  credentialKeys: ["chaos:\${env:CHAOS_CREDENTIAL_KEY}"]
log: { level: info }
${rateLimits}
endpoints:
${platform.endpointYaml(tuning.intervalSeconds)}`,
    );
    const bridge = createChaosBridge({
      configPath,
      intervalSeconds: tuning.intervalSeconds,
      env: {
        CHAOS_REDIS_PASSWORD: redisPassword,
        CHAOS_NATS_PASSWORD: natsPassword,
        CHAOS_API_WRITE_TOKEN: writeToken,
        CHAOS_API_READ_TOKEN: readToken,
        CHAOS_CREDENTIAL_KEY: credentialKey,
        ...platform.bridgeEnv,
      },
    });
    started.push(bridge);

    const windows: TimeWindow[] = [];
    const open = new Map<string, number>();
    let sightedFaults = 0;
    const recoveryMs = (tuning.backoffMaxSeconds + tuning.intervalSeconds + 1) * 1000;
    return {
      redis,
      nats,
      platform,
      recorder,
      bridge,
      tuning,
      secrets: [redisPassword, natsPassword, readToken, writeToken, registrationPassword, credentialKey, ...platform.secrets],
      readToken,
      writeToken,
      registrationPassword,
      recoveryMs,
      blindWindows: () => [...windows, ...[...open.values()].map((from) => ({ from, to: Number.POSITIVE_INFINITY }))],
      blindFrom(key) {
        if (!open.has(key)) open.set(key, Date.now());
      },
      blindUntilRecovered(key) {
        const from = open.get(key);
        if (from === undefined) return;
        open.delete(key);
        windows.push({ from, to: Date.now() + recoveryMs });
      },
      countSightedFault() {
        sightedFaults++;
      },
      sightedFaults: () => sightedFaults,
      async dispose() {
        for (const part of started.reverse()) await part.dispose().catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const part of started.reverse()) await part.dispose().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
