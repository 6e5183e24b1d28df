import type { ConnectTargetCheck } from '../../adapter/index.js';
import type { EndpointConfig } from '../../config/index.js';
import { BridgeError, ErrorCode } from '../../errors/index.js';
import { toApiPath } from '../case.js';
import type { TargetPolicy } from '../targets/index.js';

/** A URL of an endpoint that the target policy guards, with its key in the endpoint's configuration. */
export interface GuardedUrl {
  readonly key: string;
  readonly url: string;
}

/** The URLs of `endpoint` the target policy guards: `url` and every `…Url` option (OpenStack's `computeUrl`). */
export function guardedUrls(endpoint: EndpointConfig): GuardedUrl[] {
  const candidates: Array<readonly [string, unknown]> = [['url', endpoint.url], ...Object.entries(endpoint.options).filter(([key]) => /Url$/.test(key))];
  return candidates.filter((entry): entry is readonly [string, string] => typeof entry[1] === 'string' && entry[1] !== '').map(([key, url]) => ({ key, url }));
}

/** A check the bridge runs at the start of each poll of an endpoint; a throw fails that poll. */
export type PollPreflight = (endpoint: EndpointConfig, signal: AbortSignal) => Promise<void>;

/**
 * The target policy again before every poll of an endpoint registered over
 * the API (configuration-file endpoints are the operator's own and are not
 * checked). Registration checked the targets once, but DNS answers change: a
 * host may not resolve for a while (a DNS hiccup, e.g. at start-up), or may
 * come to resolve to an address the policy forbids.
 *
 * - a host that does not resolve now fails the poll with PLATFORM_UNREACHABLE
 *   naming the host and the resolver's error: the endpoint shows unhealthy,
 *   and the scheduler tries again with its backoff;
 * - a host that resolves to a forbidden address fails it with
 *   PERMISSION_DENIED: the platform is not asked anything while that holds.
 *
 * The adapters' sockets resolve the host again; {@link createTargetConnectCheck}
 * holds each of those to the same policy, so an answer that changed since
 * (DNS rebinding) is refused there too.
 */
export function createTargetPreflight(targets: TargetPolicy): PollPreflight {
  return async (endpoint, signal) => {
    if (endpoint.origin !== 'api') return;
    for (const { key, url } of guardedUrls(endpoint)) {
      if (signal.aborted) throw signal.reason;
      const verdict = await unlessAborted(targets.judge(url), signal);
      if (verdict.allowed) continue;
      const where = `endpoint ${endpoint.name}: ${toApiPath(key)}`;
      const context = { endpoint: endpoint.name, platform: endpoint.platform, host: verdict.host, targetProblem: verdict.problem };
      const cause = verdict.cause === undefined ? undefined : { cause: verdict.cause };
      if (verdict.problem === 'unresolved') throw new BridgeError(ErrorCode.PlatformUnreachable, `${where}: ${verdict.reason}; not polled until it resolves`, context, cause);
      throw new BridgeError(ErrorCode.PermissionDenied, `${where}: ${verdict.reason}; not polled while the target policy refuses it`, context, cause);
    }
  };
}

/**
 * `pending`, or the signal's reason as soon as it fires: a resolver that
 * does not answer (a DNS server timing out) must not hold up the removal of
 * the endpoint or the bridge's shutdown, which abort the poll and wait for it.
 */
function unlessAborted<T>(pending: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

/** Which target check, if any, the adapters apply to an endpoint's sockets (`AdapterContext.targetCheck`). */
export type TargetConnectCheckFor = (endpoint: EndpointConfig) => ConnectTargetCheck | undefined;

/**
 * The target policy at connect time, for endpoints registered over the API
 * (configuration-file endpoints are the operator's own and stay unchecked, as
 * in the preflight): every socket their adapter opens, to a URL of the
 * registration or one the adapter derives (a Keystone catalog's), resolves
 * its host once through the policy's resolver and connects only to an
 * address the policy allows.
 */
export function createTargetConnectCheck(targets: TargetPolicy): TargetConnectCheckFor {
  return (endpoint) => (endpoint.origin === 'api' ? targets : undefined);
}
