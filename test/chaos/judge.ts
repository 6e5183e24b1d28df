import type { DeliveredEvent } from './recorder.js';
import type { TruthState } from './truth.js';

/** A span of time (epoch ms), `to` excluded. */
export interface TimeWindow {
  readonly from: number;
  readonly to: number;
}

/** What the judge compares. */
export interface JudgeInput {
  /** The platform's truth per DCM instance id. */
  readonly truth: ReadonlyMap<string, readonly TruthState[]>;
  /** What DCM's stream holds, in stream order. */
  readonly delivered: readonly DeliveredEvent[];
  /**
   * When the bridge could not see the platform because of a fault the
   * scenario made (the bridge dead, its broker or cache down), each window
   * stretched by the time the bridge needs to poll again afterwards.
   */
  readonly blindWindows: readonly TimeWindow[];
  /** A state held this long in sight of the bridge must reach DCM: one interval plus what a poll takes. */
  readonly requiredHoldMs: number;
  /** JetStream's duplicate window of `dcm-status`. */
  readonly duplicateWindowMs: number;
}

/** One thing the judge found wrong, in words an engineer can act on. */
export interface Finding {
  readonly kind: 'lost' | 'duplicate' | 'false-deleted' | 'malformed' | 'unknown-instance';
  readonly instanceId: string;
  readonly detail: string;
}

/** The judge's counts for one run. */
export interface Verdict {
  readonly instances: number;
  /** Status changes the churn made (creations and deletions included; seeded states not). */
  readonly transitionsMade: number;
  /** Events that told DCM something new: first sightings and transitions, not re-announcements. */
  readonly transitionsDelivered: number;
  /** Events that repeated a state on purpose: resyncs, and first-sighting events sent again after a cache loss. */
  readonly reannounced: number;
  /** States DCM never got: wrong final states plus states held in sight for `requiredHoldMs` that never reached it. */
  readonly lost: number;
  /** Earlier (not final) states held in sight for `requiredHoldMs`: each one was checked for delivery. */
  readonly statesChecked: number;
  /** The same event id stored twice, or a transition into the state DCM already held (its previous event's), within the duplicate window. */
  readonly duplicates: number;
  /** DELETED delivered while the instance still existed. */
  readonly falseDeleted: number;
  /** Events that are not status CloudEvents, or name instances the platform never had. */
  readonly malformed: number;
  readonly findings: readonly Finding[];
}

const clock = (epochMs: number): string => new Date(epochMs).toISOString().slice(11, 23);

/**
 * Judges one run (pure: the same inputs give the same verdict).
 *
 * Lost counts two things per instance. Its final state: DCM's last event
 * (stream order) must equal the platform's state, unless DCM never heard of
 * an instance whose whole life passed unseen. And each earlier state held
 * for `requiredHoldMs` outside the blind windows: DCM must have been told it,
 * by an event observing it during the stretch, or because DCM's view (the
 * latest observation before the stretch began) already was that state.
 */
export function judge(input: JudgeInput): Verdict {
  const findings: Finding[] = [];
  const byInstance = new Map<string, DeliveredEvent[]>();
  let malformed = 0;
  for (const event of input.delivered) {
    if (event.malformed !== undefined) {
      malformed++;
      findings.push({ kind: 'malformed', instanceId: event.instanceId, detail: `stream message ${event.streamSequence} is not a status event: ${event.malformed}` });
      continue;
    }
    if (!input.truth.has(event.instanceId)) {
      malformed++;
      findings.push({ kind: 'unknown-instance', instanceId: event.instanceId, detail: `stream message ${event.streamSequence} names an instance the platform never had` });
      continue;
    }
    const events = byInstance.get(event.instanceId) ?? [];
    events.push(event);
    byInstance.set(event.instanceId, events);
  }

  let transitionsMade = 0;
  let transitionsDelivered = 0;
  let reannounced = 0;
  let lost = 0;
  let statesChecked = 0;
  let duplicates = 0;
  let falseDeleted = 0;
  const seenIds = new Map<string, number>();

  for (const [instanceId, history] of input.truth) {
    const events = byInstance.get(instanceId) ?? [];
    transitionsMade += history.filter((state) => !state.seeded).length;

    // What DCM was told, event by event.
    events.forEach((event, position) => {
      const earlier = seenIds.get(event.id);
      seenIds.set(event.id, event.streamSequence);
      const announcement = event.resync || (event.previousStatus === undefined && position > 0);
      if (announcement) reannounced++;
      else if (!(position === 0 && history[0]?.seeded === true)) transitionsDelivered++;
      if (earlier !== undefined) {
        duplicates++;
        findings.push({ kind: 'duplicate', instanceId, detail: `event ${event.id} (${event.status}) stored twice: stream messages ${earlier} and ${event.streamSequence}` });
        return;
      }
      // A transition into the state DCM already holds: told twice (announcements may repeat on purpose).
      const before = events[position - 1];
      if (!announcement && before && before.status === event.status && event.storedAt - before.storedAt <= input.duplicateWindowMs) {
        duplicates++;
        findings.push({ kind: 'duplicate', instanceId, detail: `transition ${event.previousStatus ?? '(none)'}→${event.status} delivered while DCM already held ${event.status} from stream message ${before.streamSequence}, ${Math.round((event.storedAt - before.storedAt) / 1000)} s earlier (message ${event.streamSequence})` });
      }
    });

    const deletedAt = history.find((state) => state.status === 'DELETED')?.at;
    for (const event of events) {
      if (event.status === 'DELETED' && (deletedAt === undefined || event.storedAt < deletedAt)) {
        falseDeleted++;
        findings.push({ kind: 'false-deleted', instanceId, detail: `DELETED stored at ${clock(event.storedAt)} while the instance ${deletedAt === undefined ? 'still exists' : `existed until ${clock(deletedAt)}`}` });
      }
    }

    // Earlier states held in sight long enough.
    const byObservation = [...events].sort((a, b) => a.observedAt - b.observedAt || a.streamSequence - b.streamSequence);
    const viewAt = (time: number): string | undefined => byObservation.filter((event) => event.observedAt <= time).at(-1)?.status;
    let everRequired = false;
    history.forEach((state, position) => {
      const next = history[position + 1];
      if (!next) return;
      const sighted = longestSightedStretch({ from: state.at, to: next.at }, input.blindWindows);
      if (sighted < input.requiredHoldMs) return;
      everRequired = true;
      statesChecked++;
      const told = viewAt(state.at) === state.status || events.some((event) => event.status === state.status && event.observedAt >= state.at && event.observedAt <= next.at);
      if (!told) {
        lost++;
        findings.push({ kind: 'lost', instanceId, detail: `${state.status} from ${clock(state.at)} to ${clock(next.at)} (${Math.round(sighted)} ms in sight) never reached DCM` });
      }
    });

    const final = history.at(-1);
    const lastTold = events.at(-1)?.status;
    // Created and deleted without any state held long enough in sight: the bridge owed DCM nothing.
    const unseenLife = events.length === 0 && final?.status === 'DELETED' && !everRequired;
    if (final && lastTold !== final.status && !unseenLife) {
      lost++;
      findings.push({ kind: 'lost', instanceId, detail: `the platform ends ${final.status} (since ${clock(final.at)}); DCM's last event says ${lastTold ?? 'nothing'}` });
    }
  }

  return { instances: input.truth.size, transitionsMade, transitionsDelivered, reannounced, lost, statesChecked, duplicates, falseDeleted, malformed, findings };
}

/** The longest part of `span` outside every blind window, in ms. */
export function longestSightedStretch(span: TimeWindow, blindWindows: readonly TimeWindow[]): number {
  const blind = blindWindows.filter((window) => window.to > span.from && window.from < span.to).sort((a, b) => a.from - b.from);
  let longest = 0;
  let cursor = span.from;
  for (const window of blind) {
    if (window.from > cursor) longest = Math.max(longest, window.from - cursor);
    cursor = Math.max(cursor, window.to);
  }
  if (span.to > cursor) longest = Math.max(longest, span.to - cursor);
  return longest;
}

/**
 * When DCM's stream first held the platform's final state of every instance
 * (epoch ms, the stream's storage time), or undefined when it never did.
 * Measured on the stream, not on a live watcher, so a watcher catching up
 * after a broker restart does not count as the bridge's delay. An instance
 * DCM never heard of counts as converged when the platform deleted it.
 */
export function streamConvergedAt(truth: ReadonlyMap<string, readonly TruthState[]>, delivered: readonly DeliveredEvent[]): number | undefined {
  const byInstance = new Map<string, DeliveredEvent[]>();
  for (const event of delivered) {
    if (event.malformed !== undefined) continue;
    const events = byInstance.get(event.instanceId) ?? [];
    events.push(event);
    byInstance.set(event.instanceId, events);
  }
  let convergedAt = 0;
  for (const [instanceId, history] of truth) {
    const final = history.at(-1)?.status;
    const events = byInstance.get(instanceId) ?? [];
    if (events.length === 0) {
      if (final === 'DELETED') continue;
      return undefined;
    }
    if (events.at(-1)?.status !== final) return undefined;
    // The first event of the trailing run in the final state: from then on DCM held it.
    let first = events.length - 1;
    while (first > 0 && events[first - 1]?.status === final) first--;
    convergedAt = Math.max(convergedAt, events[first]?.storedAt ?? 0);
  }
  return convergedAt;
}
