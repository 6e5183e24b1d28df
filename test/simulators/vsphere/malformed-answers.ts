import type { SimRequest, SimResponse } from '../common/index.js';

/**
 * Answers that are not vCenter's documented ones, as a proxy, a load balancer's error
 * page or a broken build produce them, all with status 200:
 * - `html`: an HTML page (`text/html`), in place of whatever vCenter answered (even a 404);
 * - `empty`: no body at all, `application/json` declared, in place of whatever vCenter answered;
 * - `textPlain`: the real JSON body, declared `text/plain`;
 * - `dropField`: the real answer with `field` removed from its first item (or from the
 *   object itself when the answer is not a list), e.g. `vm` or `power_state` of a VM summary.
 */
export type MalformedAnswerKind = 'html' | 'empty' | 'textPlain' | 'dropField';

/** One armed malformed answer: for the next call of `route` after `skip` good ones. */
export interface MalformedAnswerSpec {
  /** The route as the stats name it, e.g. `GET /api/vcenter/vm`. */
  readonly route: string;
  readonly kind: MalformedAnswerKind;
  /** For `dropField`: the field to remove. */
  readonly field?: string;
  /** Calls of the route answered normally first (for `textPlain` and `dropField`, 2xx calls). Default 0. */
  readonly skip?: number;
}

export const MALFORMED_ANSWER_KINDS: readonly MalformedAnswerKind[] = ['html', 'empty', 'textPlain', 'dropField'];

/** One-shot malformed answers, applied after the operation ran (so counters and inventory stay real). */
export interface MalformedAnswers {
  arm(spec: MalformedAnswerSpec): void;
  armed(): readonly MalformedAnswerSpec[];
  clear(): void;
  /** The answer to send for `request`: `response` itself unless a spec for its route is due. */
  apply(request: SimRequest, response: SimResponse): SimResponse;
}

function dropField(body: string, field: string): string {
  const parsed = JSON.parse(body) as unknown;
  const wrapped = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && 'value' in parsed;
  const value: unknown = wrapped ? (parsed as { value: unknown }).value : parsed;
  const target: unknown = Array.isArray(value) ? value[0] : value;
  if (typeof target === 'object' && target !== null) {
    delete (target as Record<string, unknown>)[field];
  }
  return JSON.stringify(parsed);
}

function corrupt(response: SimResponse, spec: MalformedAnswerSpec): SimResponse {
  switch (spec.kind) {
    case 'html':
      return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>' };
    case 'empty':
      return { status: 200, headers: { 'content-type': 'application/json' } };
    case 'textPlain':
      return { ...response, status: 200, headers: { ...response.headers, 'content-type': 'text/plain' } };
    case 'dropField':
      return { ...response, body: dropField(String(response.body ?? 'null'), spec.field ?? '') };
  }
}

/** Creates an empty set of malformed answers. */
export function createMalformedAnswers(): MalformedAnswers {
  const specs: { spec: MalformedAnswerSpec; skip: number }[] = [];
  return {
    arm: (spec) => {
      specs.push({ spec, skip: spec.skip ?? 0 });
    },
    armed: () => specs.map((entry) => entry.spec),
    clear: () => {
      specs.length = 0;
    },
    apply(request, response) {
      const index = specs.findIndex((entry) => entry.spec.route === request.routeName);
      const entry = specs[index];
      // `textPlain` and `dropField` alter a real answer; `html` and `empty` replace any answer, as a proxy's would.
      if (entry === undefined || (response.status >= 300 && (entry.spec.kind === 'textPlain' || entry.spec.kind === 'dropField'))) {
        return response;
      }
      if (entry.skip > 0) {
        entry.skip -= 1;
        return response;
      }
      specs.splice(index, 1);
      return corrupt(response, entry.spec);
    },
  };
}
