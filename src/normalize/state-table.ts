import type { VmStatus } from './status.js';

/**
 * A platform's raw state → DCM status mapping, kept as data. Keys are the raw
 * states exactly as the platform spells them; `describe` gives the human text
 * that goes into the event's `message`.
 */
export interface StateTable {
  readonly platform: string;
  readonly entries: Readonly<Record<string, VmStatus>>;
  /** Optional human wording per raw state, used for the event message. */
  readonly descriptions?: Readonly<Record<string, string>>;
}

/** Builds a frozen {@link StateTable}; adapters call this once at module load. */
export function defineStateTable(platform: string, entries: Record<string, VmStatus>, descriptions: Record<string, string> = {}): StateTable {
  return Object.freeze({ platform, entries: Object.freeze({ ...entries }), descriptions: Object.freeze({ ...descriptions }) });
}
