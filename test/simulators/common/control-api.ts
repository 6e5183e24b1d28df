import { emptyResponse, jsonResponse, readJsonBody, isJsonObject, type SimResponse } from './http-types.js';
import { FaultSpecError, parseFaultSpecs, type FaultSwitch } from './fault-switch.js';
import type { Route } from './routes.js';

/** Prefix of every control route; the fault layer never touches these. */
export const CONTROL_PREFIX = '/_sim/';

/** Error answer of the control API itself (not a platform error shape). */
export function controlError(status: number, message: string): SimResponse {
  return jsonResponse(status, { error: message });
}

/** What the kit's own control routes operate on. */
export interface KitControlTarget {
  readonly faults: FaultSwitch;
  stats(): unknown;
  resetStats(): void;
  reset(): void;
}

/**
 * The kit's control routes: `GET|DELETE /_sim/stats`, `GET|POST|DELETE /_sim/faults`
 * and `POST /_sim/reset`. `POST /_sim/faults` takes `{ "faults": FaultSpec[], "seed"?: n }`
 * and replaces every armed fault; an empty list clears them.
 */
export function kitControlRoutes(target: KitControlTarget): Route[] {
  return [
    { method: 'GET', path: '/_sim/stats', handle: () => jsonResponse(200, target.stats()) },
    {
      method: 'DELETE',
      path: '/_sim/stats',
      handle: () => {
        target.resetStats();
        return emptyResponse(204);
      },
    },
    { method: 'GET', path: '/_sim/faults', handle: () => jsonResponse(200, { faults: target.faults.list() }) },
    {
      method: 'POST',
      path: '/_sim/faults',
      handle: (request) => {
        const body = readJsonBody(request);
        if (!body.ok || !isJsonObject(body.value)) {
          return controlError(400, 'body must be a JSON object like {"faults": [...]}');
        }
        try {
          const faults = parseFaultSpecs(body.value.faults);
          const seed = body.value.seed;
          if (seed !== undefined) {
            if (typeof seed !== 'number' || !Number.isInteger(seed)) {
              return controlError(400, 'seed must be an integer');
            }
            target.faults.reseed(seed);
          }
          target.faults.set(faults);
          return jsonResponse(200, { faults: target.faults.list() });
        } catch (error) {
          if (error instanceof FaultSpecError) {
            return controlError(400, error.message);
          }
          throw error;
        }
      },
    },
    {
      method: 'DELETE',
      path: '/_sim/faults',
      handle: () => {
        target.faults.clear();
        return emptyResponse(204);
      },
    },
    {
      method: 'POST',
      path: '/_sim/reset',
      handle: () => {
        target.reset();
        return emptyResponse(204);
      },
    },
  ];
}
