import type { RandomSource } from './random.js';

/** The fault switches the kit offers. */
export const FAULT_KINDS = ['http5xx', 'throttle429', 'latencyMs', 'truncateBody', 'dropConnection'] as const;

/** One of {@link FAULT_KINDS}. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * When a fault fires: on every request, on the next `count` matching requests only
 * (after letting `skip` of them through: "the second VM-list call" of a listing
 * whose calls are all in flight before its first page is read), or on each
 * matching request with the given probability (drawn from the seeded RNG).
 */
export type FaultTrigger =
  | { readonly type: 'always' }
  | { readonly type: 'next'; readonly count: number; readonly skip?: number }
  | { readonly type: 'probability'; readonly probability: number };

/** Narrows a fault to some requests; every field given must match. */
export interface FaultScope {
  readonly method?: string;
  readonly pathPrefix?: string;
  /** A route name exactly as counted in the stats, e.g. `GET /api/vcenter/vm`. */
  readonly route?: string;
}

interface FaultCommon {
  /** Defaults to `{ type: 'always' }`. */
  readonly trigger?: FaultTrigger;
  /** Defaults to every platform request (the `/_sim/` control API is never faulted). */
  readonly scope?: FaultScope;
}

/**
 * A fault to inject, as data (the same shape is accepted by `POST /_sim/faults`).
 *
 * - `http5xx`: answer `status` (500 by default) with the platform's own error body.
 * - `throttle429`: answer 429 with `Retry-After: retryAfterSeconds` (1 by default), or
 *   with no `Retry-After` at all when `omitRetryAfter` is true: RFC 6585 §4 says a 429
 *   "MAY include a Retry-After header", and proxies and rate limiters in front of APIs
 *   often leave it out.
 * - `latencyMs`: wait `delayMs` before handling; delays of several firing faults add up.
 * - `truncateBody`: `destroyMidBody` (default) sends the full Content-Length, half the
 *   body, then destroys the socket; `halfJson` sends a complete response whose body is
 *   the first half of the JSON.
 * - `dropConnection`: destroy the socket without answering.
 */
export type FaultSpec =
  | (FaultCommon & { readonly kind: 'http5xx'; readonly status?: number })
  | (FaultCommon & { readonly kind: 'throttle429'; readonly retryAfterSeconds?: number; readonly omitRetryAfter?: boolean })
  | (FaultCommon & { readonly kind: 'latencyMs'; readonly delayMs: number })
  | (FaultCommon & { readonly kind: 'truncateBody'; readonly style?: TruncateStyle })
  | (FaultCommon & { readonly kind: 'dropConnection' });

/** How `truncateBody` damages an answer. */
export type TruncateStyle = 'destroyMidBody' | 'halfJson';

/** A fault currently armed, with how many firings are left for a `next` trigger. */
export interface ArmedFault {
  readonly spec: FaultSpec;
  readonly remaining?: number;
}

/** What the fault layer does to one request, decided before the platform handler runs. */
export interface FaultPlan {
  /** Total delay before anything else happens. */
  readonly delayMs: number;
  /** Ends the request early: drop it, or answer with an error status instead of the platform handler. */
  readonly interrupt?:
    | { readonly kind: 'dropConnection' }
    | { readonly kind: 'http5xx'; readonly status: number }
    /** `retryAfterSeconds` absent: answer without a `Retry-After` header. */
    | { readonly kind: 'throttle429'; readonly retryAfterSeconds?: number };
  /** Damage the platform handler's answer. */
  readonly truncate?: TruncateStyle;
  /** Kinds that fired, for the stats. */
  readonly fired: readonly FaultKind[];
}

/** The request facts a fault's scope is matched against. */
export interface FaultTarget {
  readonly method: string;
  readonly path: string;
  readonly routeName: string;
}

/** Holds the armed faults and decides, request by request, which of them fire. */
export interface FaultSwitch {
  /** Replaces every armed fault with these. */
  set(specs: readonly FaultSpec[]): void;
  /** Arms one more fault. */
  add(spec: FaultSpec): void;
  /** Disarms everything. */
  clear(): void;
  /** The armed faults; a `next` fault disappears once used up. */
  list(): readonly ArmedFault[];
  /** Restarts the RNG of probability triggers from this seed. */
  reseed(seed: number): void;
  /** Decides the faults of one request, using up `next` budgets of those that fire. */
  plan(target: FaultTarget): FaultPlan;
}

/** Thrown by {@link parseFaultSpecs} with a message naming the offending field. */
export class FaultSpecError extends Error {
  override readonly name = 'FaultSpecError';
}

interface ArmedEntry {
  readonly spec: FaultSpec;
  remaining: number | undefined;
  /** Matching requests a `next` fault still lets through before it fires. */
  skipping: number;
}

/** Options of {@link createFaultSwitch}. */
export interface FaultSwitchOptions {
  /** Builds the RNG of probability triggers for a seed. */
  readonly randomForSeed: (seed: number) => RandomSource;
  readonly seed: number;
}

const TERMINAL_KINDS: ReadonlySet<FaultKind> = new Set(['dropConnection', 'http5xx', 'throttle429']);

function scopeMatches(scope: FaultScope | undefined, target: FaultTarget): boolean {
  if (scope === undefined) {
    return true;
  }
  return (
    (scope.method === undefined || scope.method.toUpperCase() === target.method) &&
    (scope.pathPrefix === undefined || target.path.startsWith(scope.pathPrefix)) &&
    (scope.route === undefined || scope.route === target.routeName)
  );
}

/** Creates an empty fault switch. */
export function createFaultSwitch(options: FaultSwitchOptions): FaultSwitch {
  let random = options.randomForSeed(options.seed);
  let armed: ArmedEntry[] = [];

  function arm(spec: FaultSpec): ArmedEntry {
    const trigger = spec.trigger ?? { type: 'always' };
    return trigger.type === 'next' ? { spec, remaining: trigger.count, skipping: trigger.skip ?? 0 } : { spec, remaining: undefined, skipping: 0 };
  }

  /** Evaluates one fault's trigger; a `next` fault spends one unit when it fires. */
  function fires(entry: ArmedEntry, target: FaultTarget): boolean {
    if (!scopeMatches(entry.spec.scope, target)) {
      return false;
    }
    const trigger = entry.spec.trigger ?? { type: 'always' };
    switch (trigger.type) {
      case 'always':
        return true;
      case 'probability':
        return random() < trigger.probability;
      case 'next':
        if (entry.remaining === undefined || entry.remaining <= 0) {
          return false;
        }
        if (entry.skipping > 0) {
          entry.skipping -= 1;
          return false;
        }
        entry.remaining -= 1;
        return true;
    }
  }

  return {
    set(specs) {
      armed = specs.map(arm);
    },
    add(spec) {
      armed.push(arm(spec));
    },
    clear() {
      armed = [];
    },
    list() {
      return armed.map((entry) => (entry.remaining === undefined ? { spec: entry.spec } : { spec: entry.spec, remaining: entry.remaining }));
    },
    reseed(seed) {
      random = options.randomForSeed(seed);
    },
    plan(target) {
      const fired: FaultKind[] = [];
      let delayMs = 0;
      for (const entry of armed) {
        if (entry.spec.kind === 'latencyMs' && fires(entry, target)) {
          delayMs += entry.spec.delayMs;
          fired.push('latencyMs');
        }
      }
      // The first listed terminal fault that fires wins; later ones keep their budget.
      let interrupt: FaultPlan['interrupt'];
      for (const entry of armed) {
        if (!TERMINAL_KINDS.has(entry.spec.kind) || !fires(entry, target)) {
          continue;
        }
        const spec = entry.spec;
        if (spec.kind === 'dropConnection') {
          interrupt = { kind: 'dropConnection' };
        } else if (spec.kind === 'http5xx') {
          interrupt = { kind: 'http5xx', status: spec.status ?? 500 };
        } else if (spec.kind === 'throttle429') {
          interrupt = spec.omitRetryAfter === true ? { kind: 'throttle429' } : { kind: 'throttle429', retryAfterSeconds: spec.retryAfterSeconds ?? 1 };
        }
        fired.push(spec.kind);
        break;
      }
      let truncate: TruncateStyle | undefined;
      if (interrupt === undefined) {
        for (const entry of armed) {
          if (entry.spec.kind === 'truncateBody' && fires(entry, target)) {
            truncate = entry.spec.style ?? 'destroyMidBody';
            fired.push('truncateBody');
            break;
          }
        }
      }
      armed = armed.filter((entry) => entry.remaining === undefined || entry.remaining > 0);
      return { delayMs, interrupt, truncate, fired };
    },
  };
}

function readObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FaultSpecError(`${where} must be an object`);
  }
  return value as Record<string, unknown>;
}

function readOptionalNumber(object: Record<string, unknown>, key: string, where: string, check: (value: number) => boolean, rule: string): number | undefined {
  const value = object[key];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) {
    throw new FaultSpecError(`${where}.${key} must be ${rule}`);
  }
  return value;
}

function readOptionalString(object: Record<string, unknown>, key: string, where: string): string | undefined {
  const value = object[key];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new FaultSpecError(`${where}.${key} must be a string`);
  }
  return value;
}

function parseTrigger(value: unknown, where: string): FaultTrigger | undefined {
  if (value === undefined) {
    return undefined;
  }
  const object = readObject(value, where);
  switch (object.type) {
    case 'always':
      return { type: 'always' };
    case 'next': {
      const count = readOptionalNumber(object, 'count', where, (number) => Number.isInteger(number) && number > 0, 'a positive integer');
      if (count === undefined) {
        throw new FaultSpecError(`${where}.count is required for a "next" trigger`);
      }
      const skip = readOptionalNumber(object, 'skip', where, (number) => Number.isInteger(number) && number >= 0, 'a non-negative integer');
      return skip === undefined ? { type: 'next', count } : { type: 'next', count, skip };
    }
    case 'probability': {
      const probability = readOptionalNumber(object, 'probability', where, (number) => number >= 0 && number <= 1, 'a number from 0 to 1');
      if (probability === undefined) {
        throw new FaultSpecError(`${where}.probability is required for a "probability" trigger`);
      }
      return { type: 'probability', probability };
    }
    default:
      throw new FaultSpecError(`${where}.type must be one of always, next, probability`);
  }
}

function parseScope(value: unknown, where: string): FaultScope | undefined {
  if (value === undefined) {
    return undefined;
  }
  const object = readObject(value, where);
  return {
    method: readOptionalString(object, 'method', where),
    pathPrefix: readOptionalString(object, 'pathPrefix', where),
    route: readOptionalString(object, 'route', where),
  };
}

function parseOneFault(value: unknown, where: string): FaultSpec {
  const object = readObject(value, where);
  const common = { trigger: parseTrigger(object.trigger, `${where}.trigger`), scope: parseScope(object.scope, `${where}.scope`) };
  switch (object.kind) {
    case 'http5xx':
      return { kind: 'http5xx', ...common, status: readOptionalNumber(object, 'status', where, (number) => Number.isInteger(number) && number >= 500 && number <= 599, 'an integer from 500 to 599') };
    case 'throttle429': {
      const omitRetryAfter = object.omitRetryAfter;
      if (omitRetryAfter !== undefined && typeof omitRetryAfter !== 'boolean') {
        throw new FaultSpecError(`${where}.omitRetryAfter must be a boolean`);
      }
      const retryAfterSeconds = readOptionalNumber(object, 'retryAfterSeconds', where, (number) => Number.isInteger(number) && number >= 0, 'a non-negative integer');
      if (omitRetryAfter === true && retryAfterSeconds !== undefined) {
        throw new FaultSpecError(`${where} cannot have both retryAfterSeconds and omitRetryAfter`);
      }
      return { kind: 'throttle429', ...common, retryAfterSeconds, ...(omitRetryAfter === undefined ? {} : { omitRetryAfter }) };
    }
    case 'latencyMs': {
      const delayMs = readOptionalNumber(object, 'delayMs', where, (number) => number >= 0, 'a non-negative number');
      if (delayMs === undefined) {
        throw new FaultSpecError(`${where}.delayMs is required for latencyMs`);
      }
      return { kind: 'latencyMs', ...common, delayMs };
    }
    case 'truncateBody': {
      const style = object.style;
      if (style !== undefined && style !== 'destroyMidBody' && style !== 'halfJson') {
        throw new FaultSpecError(`${where}.style must be destroyMidBody or halfJson`);
      }
      return { kind: 'truncateBody', ...common, style };
    }
    case 'dropConnection':
      return { kind: 'dropConnection', ...common };
    default:
      throw new FaultSpecError(`${where}.kind must be one of ${FAULT_KINDS.join(', ')}`);
  }
}

/**
 * Validates untrusted fault specs (from `POST /_sim/faults`), throwing
 * {@link FaultSpecError} on the first field that is wrong.
 */
export function parseFaultSpecs(value: unknown): FaultSpec[] {
  if (!Array.isArray(value)) {
    throw new FaultSpecError('faults must be an array');
  }
  return value.map((entry, index) => parseOneFault(entry, `faults[${index}]`));
}
