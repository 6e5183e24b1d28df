import type { Logger } from 'pino';
import { pollStoppedReason, type AbsenceFinding, type AbsenceVerdict } from '../../src/adapter/index.js';
import { ErrorCode, isBridgeError } from '../../src/errors/index.js';

/** Codes of an error status answer: their evidence is the status and vCenter's error type or fault. */
const statusCodes: ReadonlySet<string> = new Set([ErrorCode.PlatformHttp, ErrorCode.PlatformAuth, ErrorCode.PlatformThrottled]);

/**
 * Short evidence of a failed request: `HTTP 503 SERVICE_UNAVAILABLE`,
 * `HTTP 500 NoPermission`, or the error code (`PLATFORM_PAYLOAD`,
 * `PLATFORM_TIMEOUT`…). Both APIs put vCenter's own word for the error (vAPI
 * error type, SOAP fault type) in `platformCode`.
 */
export function describeRequestFailure(error: unknown): string {
  if (!isBridgeError(error)) return String(error);
  if (!statusCodes.has(error.code) || typeof error.context.status !== 'number') return error.code;
  const platformCode = typeof error.context.platformCode === 'string' ? ` ${error.context.platformCode}` : '';
  return `HTTP ${error.context.status}${platformCode}`;
}

/** vCenter asked to slow down (429, or a Retry-After on another status). */
function isThrottle(error: unknown): boolean {
  return isBridgeError(error, ErrorCode.PlatformThrottled) || (isBridgeError(error, ErrorCode.PlatformHttp) && error.context.retryAfterMs !== undefined);
}

/**
 * The bookkeeping an absence confirmation shares between vCenter's two APIs:
 * which findings are known, whether vCenter answered anything at all, and
 * whether it asked to slow down or the poll was stopped, after which nothing
 * more is sent.
 */
export interface AbsenceInquiry {
  readonly findings: Map<string, AbsenceFinding>;
  /** Records that vCenter answered a request. */
  answered(): void;
  /**
   * Records a failed request and returns its short evidence. A throttle or
   * the poll's abort (its time budget spent) stops the inquiry: the verdicts
   * vCenter already gave are kept, so a poll whose budget cannot cover every
   * confirmation still settles some and the next asks only about the rest.
   */
  failed(error: unknown): string;
  /**
   * {@link failed} for the lookup of one VM, where an error status is vCenter
   * answering about that VM (404, 403, a fault naming it): it counts as an answer.
   */
  failedLookup(error: unknown): string;
  /** True once vCenter asked to slow down or the poll was stopped: nothing more is sent. */
  stopped(): boolean;
  /** The finding of an id not asked because the inquiry {@link stopped}. */
  notAsked(): AbsenceFinding;
  /**
   * The findings, after logging their counts under `message`. Throws the
   * first failure when no request got an answer (the contract of
   * `PlatformConnection.confirmAbsence`: nothing could be asked).
   */
  conclude(logger: Logger, message: string): Map<string, AbsenceFinding>;
}

/** Starts the bookkeeping of one confirmation. */
export function createAbsenceInquiry(): AbsenceInquiry {
  const findings = new Map<string, AbsenceFinding>();
  let anyAnswer = false;
  let firstFailure: unknown;
  /** Why nothing more is sent: vCenter asked to slow down, or the poll was stopped. */
  let stoppedBy: string | undefined;
  const failed = (error: unknown): string => {
    firstFailure ??= error;
    if (isBridgeError(error, ErrorCode.PollAborted)) {
      stoppedBy ??= pollStoppedReason;
      return `not answered: ${pollStoppedReason}`;
    }
    const said = describeRequestFailure(error);
    if (isThrottle(error)) stoppedBy ??= `vCenter asked to slow down (${said})`;
    return said;
  };
  return {
    findings,
    answered() {
      anyAnswer = true;
    },
    failed,
    failedLookup(error) {
      const said = failed(error);
      if (isBridgeError(error) && typeof error.context.status === 'number') anyAnswer = true;
      return said;
    },
    stopped: () => stoppedBy !== undefined,
    notAsked: () => ({ verdict: 'unknown', evidence: `not asked: ${stoppedBy ?? ''}` }),
    conclude(logger, message) {
      if (!anyAnswer && firstFailure !== undefined) throw firstFailure;
      const counts: Record<AbsenceVerdict, number> = { gone: 0, present: 0, unmanaged: 0, unknown: 0 };
      for (const finding of findings.values()) counts[finding.verdict] += 1;
      logger.info({ asked: findings.size, ...counts, ...(stoppedBy ? { stopped: stoppedBy } : {}) }, message);
      return findings;
    },
  };
}
