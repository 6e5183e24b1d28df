import type { RandomSource } from '../../simulators/common/index.js';
import type { TruthLog } from '../truth.js';

/** A managed instance a lie acts on alone: the churn leaves it be until it is released. */
export interface HeldInstance {
  readonly platformId: string;
  readonly instanceId: string;
}

/** How big a bloated instance's representation is. */
export interface BloatSizes {
  readonly nameChars: number;
  /** Metadata items besides the DCM id, each key and value this long. */
  readonly metadataItems: number;
  readonly metadataChars: number;
  /** Tags besides the managed-by one. */
  readonly extraTags: number;
  /** Set: the instance is in a failed state with a fault message and details this long. */
  readonly faultChars?: number;
}

/**
 * What a platform driver can make its simulator say that is not the plain
 * truth, or not the usual shape of it (issue 11, "platform lies"); every
 * change of a DCM-managed instance is recorded in the truth log.
 */
export interface PlatformLies {
  /** Takes a live instance, known for at least `minAgeMs` and allowed by `accept`, out of the churn; undefined when none is free. */
  hold(random: RandomSource, truth: TruthLog, minAgeMs: number, accept?: (instanceId: string) => boolean): HeldInstance | undefined;
  /**
   * Switches a held instance between its state and a neighbour `switches`
   * times, `gapMs` apart, recording each switch; returns the DCM statuses it went through.
   */
  flap(held: HeldInstance, random: RandomSource, truth: TruthLog, switches: number, gapMs: number): Promise<string[]>;
  /** Reports a held instance in a status the platform's state table does not know; the truth says FAILED. */
  reportUnknownStatus(held: HeldInstance, status: string, truth: TruthLog): Promise<void>;
  /** Gives a held instance back to the churn, first back to a known state if it was in an unknown one. */
  release(held: HeldInstance, truth: TruthLog): Promise<void>;
  /** Deletes a held instance (a real deletion, in the truth) and forgets it. */
  remove(held: HeldInstance, truth: TruthLog): Promise<void>;
  /** Creates a managed instance with a bloated representation, in the truth, held. */
  addBloated(sizes: BloatSizes, truth: TruthLog): Promise<HeldInstance>;
  /**
   * Creates an instance carrying the managed-by mark and `instanceId` as its
   * DCM id (one that is not a DNS label, or a live instance's), outside the
   * truth and the churn: DCM must never hear of it. Returns its platform id.
   */
  addImpostor(instanceId: string, random: RandomSource): Promise<string>;
  /** Moves an impostor to another state. */
  stepImpostor(platformId: string, random: RandomSource): Promise<void>;
  /** Deletes an impostor. */
  removeImpostor(platformId: string): Promise<void>;
}
