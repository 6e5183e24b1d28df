import type { Clock } from '../clock/index.js';

/** One request's abort: its caller's signal, or a time limit on the clock. See {@link armDeadline}. */
export interface Deadline {
  /** Aborts with the caller's reason, or with an Error naming the limit when it passes. */
  readonly signal: AbortSignal;
  /** True once the limit passed (not when the caller aborted). */
  timedOut(): boolean;
  /** Starts the limit over from now: for a limit on silence, call it whenever something arrives. */
  restart(): void;
  /** Stops the timer and lets go of the caller's signal; call it when the request is over. */
  end(): void;
}

/**
 * A request's deadline: `timeoutMs` on the clock from now (or from the last
 * `restart()`), or the caller's signal, whichever fires first. Restarting
 * only notes the time, so calling it for every piece of a streamed body
 * costs no timer: when the timer fires early, it is set again for the rest.
 */
export function armDeadline(clock: Clock, timeoutMs: number, callerSignal?: AbortSignal): Deadline {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(callerSignal?.reason);
  callerSignal?.addEventListener('abort', onAbort, { once: true });
  let startedAt = clock.now();
  let passed = false;
  const expire = (): void => {
    const leftMs = startedAt + timeoutMs - clock.now();
    if (leftMs > 0) {
      timer = clock.schedule(leftMs, expire);
      return;
    }
    passed = true;
    controller.abort(new Error(`no answer within ${timeoutMs} ms`));
  };
  let timer = clock.schedule(timeoutMs, expire);
  return {
    signal: controller.signal,
    timedOut: () => passed,
    restart() {
      startedAt = clock.now();
    },
    end() {
      clock.cancel(timer);
      callerSignal?.removeEventListener('abort', onAbort);
    },
  };
}
