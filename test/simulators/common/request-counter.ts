import { FAULT_KINDS, type FaultKind } from './fault-switch.js';

/** Request counts since start or the last reset. */
export interface RequestStats {
  /** Every platform request received, faulted or not (control API calls excluded). */
  readonly total: number;
  /** Counts per route name, e.g. `{ "POST /api/session": 1, "GET /api/vcenter/vm": 100 }`. */
  readonly byRoute: Readonly<Record<string, number>>;
  /** Requests that matched no route. */
  readonly unmatched: number;
  /** How often each fault kind fired. */
  readonly faultsFired: Readonly<Record<FaultKind, number>>;
}

/** Counts requests per route and fault firings. */
export interface RequestCounter {
  countRoute(name: string): void;
  countUnmatched(): void;
  countFault(kind: FaultKind): void;
  snapshot(): RequestStats;
  reset(): void;
}

function zeroFaults(): Record<FaultKind, number> {
  return Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
}

/** Creates a counter at zero. */
export function createRequestCounter(): RequestCounter {
  let total = 0;
  let unmatched = 0;
  let byRoute = new Map<string, number>();
  let faultsFired = zeroFaults();
  return {
    countRoute(name) {
      total += 1;
      byRoute.set(name, (byRoute.get(name) ?? 0) + 1);
    },
    countUnmatched() {
      total += 1;
      unmatched += 1;
    },
    countFault(kind) {
      faultsFired[kind] += 1;
    },
    snapshot() {
      return { total, unmatched, byRoute: Object.fromEntries(byRoute), faultsFired: { ...faultsFired } };
    },
    reset() {
      total = 0;
      unmatched = 0;
      byRoute = new Map();
      faultsFired = zeroFaults();
    },
  };
}
