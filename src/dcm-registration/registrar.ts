import type { Logger } from 'pino';
import type { Clock } from '../clock/index.js';

/** The body of `POST {registrationUrl}/providers`, in DCM's field names. */
export interface ProviderRegistration {
  readonly name: string;
  /** Where DCM reaches the provider's resources: `<public base>/api/v1alpha1/vms`. */
  readonly endpoint: string;
  readonly service_type: 'vm';
  readonly schema_version: 'v1alpha1';
  readonly display_name?: string;
  readonly metadata: { readonly region_code?: string; readonly zone?: string };
}

/** What one attempt came to. */
export type RegistrationOutcome =
  | { readonly kind: 'accepted'; readonly status: number }
  /** DCM refused (4xx): not retried. */
  | { readonly kind: 'rejected'; readonly status: number; readonly detail: string }
  /** 5xx or no answer: retried with backoff. */
  | { readonly kind: 'failed'; readonly reason: string };

/** Sends the registration; resolves to the HTTP status and body text, rejects on transport errors. */
export type RegistrationTransport = (url: string, body: ProviderRegistration) => Promise<{ readonly status: number; readonly body: string }>;

export interface DcmRegistrarOptions {
  /** DCM's service provider manager base URL (dcm.registrationUrl). */
  readonly registrationUrl: string;
  readonly registration: ProviderRegistration;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly transport?: RegistrationTransport;
  /** Re-registration period after an accepted attempt (default 60 s). */
  readonly periodMs?: number;
  /** First retry delay after a failure, doubled per failure (default 1 s) up to `maxBackoffMs` (default 60 s). */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Told every outcome (metrics, tests). */
  readonly onOutcome?: (outcome: RegistrationOutcome) => void;
}

/** Keeps the bridge registered with DCM. */
export interface DcmRegistrar {
  /** Registers now, then every period; retries failures with backoff; stops for good on a 4xx. */
  start(): void;
  /** No further attempts; waits for one in flight. */
  stop(): Promise<void>;
}

/** Builds the registration body from the bridge's settings; empty optional fields are left out. */
export function providerRegistration(settings: { providerName: string; publicBaseUrl: string; displayName: string; regionCode: string; zone: string }): ProviderRegistration {
  return {
    name: settings.providerName,
    endpoint: `${settings.publicBaseUrl.replace(/\/+$/, '')}/api/v1alpha1/vms`,
    service_type: 'vm',
    schema_version: 'v1alpha1',
    ...(settings.displayName ? { display_name: settings.displayName } : {}),
    metadata: { ...(settings.regionCode ? { region_code: settings.regionCode } : {}), ...(settings.zone ? { zone: settings.zone } : {}) },
  };
}

/** `fetch` with a 10 s limit; DCM answers small JSON documents. */
export const fetchTransport: RegistrationTransport = async (url, body) => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text() };
};

/** Classifies an HTTP answer: 200/201 accepted, other 2xx/3xx and 5xx failed (retried), 4xx rejected. */
export function classifyAnswer(status: number, body: string): RegistrationOutcome {
  if (status === 200 || status === 201) return { kind: 'accepted', status };
  if (status >= 400 && status < 500) return { kind: 'rejected', status, detail: problemDetail(body) };
  return { kind: 'failed', reason: `DCM answered HTTP ${status}` };
}

/** The `detail` (or `title`) of a problem document, else the start of the body. */
function problemDetail(body: string): string {
  try {
    const problem = JSON.parse(body) as { detail?: unknown; title?: unknown };
    if (typeof problem.detail === 'string') return problem.detail;
    if (typeof problem.title === 'string') return problem.title;
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.slice(0, 200);
}

/**
 * Creates the registrar. Backoff and period run on the injected clock, so
 * tests drive them with fake time.
 */
export function createDcmRegistrar(options: DcmRegistrarOptions): DcmRegistrar {
  const { clock, logger } = options;
  const transport = options.transport ?? fetchTransport;
  const periodMs = options.periodMs ?? 60_000;
  const initialBackoffMs = options.initialBackoffMs ?? 1_000;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;
  const url = `${options.registrationUrl.replace(/\/+$/, '')}/providers`;
  let failures = 0;
  let registered = false;
  let stopped = false;
  let timer: ReturnType<Clock['schedule']> | undefined;
  let inFlight: Promise<void> | undefined;

  const attempt = async (): Promise<void> => {
    let outcome: RegistrationOutcome;
    try {
      const answer = await transport(url, options.registration);
      outcome = classifyAnswer(answer.status, answer.body);
    } catch (error) {
      outcome = { kind: 'failed', reason: error instanceof Error ? error.message : String(error) };
    }
    options.onOutcome?.(outcome);
    if (stopped) return;
    if (outcome.kind === 'accepted') {
      if (!registered || failures > 0) logger.info({ url, status: outcome.status, provider: options.registration.name }, `registered with DCM as ${options.registration.name}`);
      registered = true;
      failures = 0;
      next(periodMs);
    } else if (outcome.kind === 'rejected') {
      logger.error({ url, status: outcome.status, detail: outcome.detail }, `DCM refused the registration (HTTP ${outcome.status}: ${outcome.detail}); not retrying until the bridge restarts`);
    } else {
      const delay = Math.min(initialBackoffMs * 2 ** failures, maxBackoffMs);
      failures++;
      logger.warn({ url, reason: outcome.reason, failures, retryInMs: delay }, `registration with DCM failed (${outcome.reason}); retrying in ${delay / 1000} s`);
      next(delay);
    }
  };

  const next = (delayMs: number): void => {
    timer = clock.schedule(delayMs, () => {
      timer = undefined;
      inFlight = attempt();
    });
  };

  return {
    start() {
      if (stopped || inFlight) return;
      inFlight = attempt();
    },
    async stop() {
      stopped = true;
      if (timer) clock.cancel(timer);
      await inFlight;
    },
  };
}
