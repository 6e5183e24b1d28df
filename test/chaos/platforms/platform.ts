import type { RandomSource } from '../../simulators/common/index.js';
import type { TruthLog } from '../truth.js';
import type { PlatformLies } from './lies.js';

/**
 * A simulated platform the fault suite drives: a simulator process, the
 * bridge endpoint that polls it, and the changes the churn makes to it, each
 * recorded in the truth log once the simulator confirmed it. One module per
 * platform under `platforms/`; a scenario names the platform it runs on.
 */
export interface ChaosPlatform {
  /** `platform` of the bridge endpoint (`openstack`). */
  readonly platform: string;
  /** The bridge endpoint's name; events carry it as `dcmendpoint`. */
  readonly endpointName: string;
  /** The endpoint as an item of the bridge's `endpoints:` YAML list (indented by two spaces). */
  endpointYaml(intervalSeconds: number): string;
  /** Environment the bridge needs for the endpoint's `${env:…}` credentials. */
  readonly bridgeEnv: Readonly<Record<string, string>>;
  /** Credential values the endpoint carries: none may show in logs, metrics or API output. */
  readonly secrets: readonly string[];
  /**
   * The platform's fields of a registration (API names: `credentials`, and
   * `region` where needed) whose credentials the simulator refuses, with
   * `secret` where the platform takes a password or secret key.
   */
  refusedRegistration(secret: string): Readonly<Record<string, unknown>>;
  /** Creates `count` DCM-managed instances and records their states as seeded. */
  seed(count: number, truth: TruthLog): Promise<void>;
  /**
   * Makes one random change to an instance (a state step, a creation or a
   * deletion) and records it; resolves false when nothing could be changed
   * now (every instance busy).
   */
  change(random: RandomSource, truth: TruthLog): Promise<boolean>;
  /** Platform ids of the managed instances the churn may still change (not deleted), for faults aimed at some of them. */
  livePlatformIds(): readonly string[];
  /** What the driver can make its simulator lie about (platform-lies scenarios); absent when it cannot. */
  readonly lies?: PlatformLies;
  /** Calls the simulator's control API (`/_sim/...`); platform-fault scenarios switch faults through it. */
  control(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<unknown>;
  /** The simulator's output, for failure messages. */
  output(): string;
  dispose(): Promise<void>;
}
