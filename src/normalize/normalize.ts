import type { Logger } from 'pino';
import type { RawInstance } from '../adapter/index.js';
import { boundText } from '../text/index.js';
import type { StateTable } from './state-table.js';
import type { VmStatus } from './status.js';

/** The DCM view of one raw state. */
export interface NormalizedState {
  readonly status: VmStatus;
  /** Human text for the event's `message`. */
  readonly message: string;
}

/** Maps raw instances of one endpoint to DCM statuses. */
export type Normalizer = (instance: RawInstance) => NormalizedState;

export interface NormalizerOptions {
  readonly table: StateTable;
  /** Operator entries from `stateOverrides`; they win over the table. */
  readonly overrides?: Readonly<Record<string, VmStatus>>;
  readonly logger: Logger;
  /** Called for every instance whose raw state neither the table nor the overrides know, with that state cut to {@link platformTextMaxChars} (it becomes a metric label). */
  readonly onUnknownState?: (rawState: string) => void;
}

/**
 * Longest platform string (VM name, raw state) kept in an event message or a
 * record; longer ones are cut with a note. Above every vendor's own limit
 * (vCenter VM names 80 characters, Nova server names 255, EC2 tag values 256),
 * so only broken or hostile answers are ever cut.
 */
export const platformTextMaxChars = 256;

/** Longest platform detail (a state reason) kept in an event message. */
export const platformDetailMaxChars = 512;

/**
 * Longest event message (`data.message`): with the bounds above a message
 * never reaches it; it is the last guard, far below NATS's 1 MB payload limit.
 */
export const eventMessageMaxChars = 1024;

const statusWording: Readonly<Record<VmStatus, string>> = {
  PROVISIONING: 'is being provisioned',
  RUNNING: 'is running',
  STOPPED: 'is stopped',
  FAILED: 'has failed',
  DELETED: 'was deleted',
  DELETING: 'is being deleted',
  PAUSED: 'is paused',
  STOPPING: 'is stopping',
};

/**
 * Builds the normalizer of one endpoint. Lookup order: overrides, then the
 * adapter's table. An unset raw state means "not reported yet" → PROVISIONING;
 * a raw state nobody knows → FAILED with a message naming it, counted on every
 * occurrence and logged once per raw state.
 */
export function createNormalizer(options: NormalizerOptions): Normalizer {
  const mapping: Readonly<Record<string, VmStatus>> = { ...options.table.entries, ...options.overrides };
  const warned = new Set<string>();
  const platform = options.table.platform;

  return (instance) => {
    const subject = `VM ${boundText(instance.name ?? instance.platformId, platformTextMaxChars)}`;
    const withDetail = (text: string): string => boundText(instance.detail ? `${text} (${boundText(instance.detail, platformDetailMaxChars)})` : text, eventMessageMaxChars);
    const rawState = instance.rawState;
    if (rawState === undefined || rawState === null || rawState === '') {
      return { status: 'PROVISIONING', message: withDetail(`${subject} has no ${platform} state yet`) };
    }
    const status = Object.hasOwn(mapping, rawState) ? mapping[rawState] : undefined;
    const shownState = boundText(rawState, platformTextMaxChars);
    if (status === undefined) {
      options.onUnknownState?.(shownState);
      if (!warned.has(rawState)) {
        warned.add(rawState);
        options.logger.warn({ rawState: shownState, platform }, 'unknown raw state mapped to FAILED; add it to stateOverrides if it means something else');
      }
      return { status: 'FAILED', message: withDetail(`${subject} is in ${platform} state ${shownState}, which the bridge does not know`) };
    }
    const description = options.table.descriptions?.[rawState] ?? shownState;
    return { status, message: withDetail(`${subject} ${statusWording[status]} (${platform}: ${description})`) };
  };
}
