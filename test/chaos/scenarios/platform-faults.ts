import type { FaultSpec } from '../../simulators/common/index.js';
import type { ListingFaultAction } from '../../simulators/openstack/index.js';
import { startOpenstackPlatform } from '../platforms/openstack.js';
import type { FaultContext, RunForm, RunSettings, Scenario } from '../scenario.js';
import { scenariosOfTable, type TableKind } from './kind-table.js';
import type { BridgeTuning } from '../stack.js';

/**
 * Nova's page size (`max_limit`) in these scenarios: the short form's 120
 * servers span 3 pages and the full form's 1,000 span 25, so a fault on page
 * 2 or later strikes in the middle of a listing.
 */
const pageSize = 40;

/** The bridge's listing and absence-confirmation requests and Keystone's token request, as the simulator names its routes. */
const listRoute = 'GET /compute/v2.1/servers/detail';
const serverRoute = 'GET /compute/v2.1/servers/{server_id}';
const tokenRoute = 'POST /identity/v3/auth/tokens';

/** A proxy's error page, answered with 200 in Nova's place (a gateway that hides the upstream failure). */
const proxyErrorPage = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>The proxy server received an invalid response from an upstream server.</p></body></html>';

/** How a fault is switched on in the simulator. */
type Arming =
  /** Kit faults on requests (`POST /_sim/faults`). */
  | { readonly on: 'requests'; readonly faults: readonly FaultSpec[] }
  /** One page (2 or later, drawn) of the next listing that gets that far (`POST /_sim/listing-faults`). */
  | { readonly on: 'page'; readonly action: ListingFaultAction }
  /** Every token Keystone issued (`POST /_sim/tokens/revoke-all` or `expire-all`). */
  | { readonly on: 'tokens'; readonly operation: 'revoke-all' | 'expire-all' };

/** Seconds, drawn in [min, max), per form. */
type SecondsPerForm = Readonly<Record<RunForm, readonly [number, number]>>;

/** How long a fault stays on: until cleared after a drawn time, or until the simulator used it up (one request, one page, one call). */
type Lasting = { readonly until: 'cleared'; readonly seconds: SecondsPerForm } | { readonly until: 'used' };

/**
 * What the bridge cannot see while the fault is on: `listing` — no list of
 * the endpoint completes (a blind window from arming until the fault is over,
 * its delayed requests included, plus the bridge's recovery); `nothing` — the
 * bridge must see through it (a revoked token is renewed and the request
 * retried; another endpoint's trouble), so every state is owed to DCM.
 */
type Blindness = 'listing' | 'nothing';

/** One platform fault kind: a row of the table. */
export interface PlatformFaultKind extends TableKind {
  readonly arm: (tuning: BridgeTuning) => Arming;
  readonly lasting: Lasting;
  readonly blind: Blindness;
  /** How long a request the fault delayed may keep a poll busy after the fault is over. */
  readonly lingerMs?: (tuning: BridgeTuning) => number;
}

const onList = (fault: FaultSpec): FaultSpec => ({ ...fault, scope: { route: listRoute } });
const once = { type: 'next', count: 1 } as const;
/** A delay past the bridge's `pollTimeoutSeconds`: the poll is aborted before the answer comes. */
const beyondPollTimeoutMs = (tuning: BridgeTuning): number => (tuning.pollTimeoutSeconds + 2) * 1000;
/** A few intervals of the form's cadence. */
const briefly: SecondsPerForm = { short: [2, 4], full: [3, 8] };

/**
 * The platform faults of issue 11, as data: what each arms on the Keystone +
 * Nova simulator, how long, and what it hides from the bridge. A failed,
 * cut or garbled listing must publish nothing and delete nothing; a revoked
 * token must cost nothing; after each, nothing may be lost.
 */
export const platformFaultKinds: readonly PlatformFaultKind[] = [
  { name: 'listing-500', summary: 'Nova answers every listing request 500 (computeFault) for a few intervals', arm: () => ({ on: 'requests', faults: [onList({ kind: 'http5xx', status: 500 })] }), lasting: { until: 'cleared', seconds: briefly }, blind: 'listing', fullTrials: 8 },
  { name: 'listing-503', summary: 'Nova answers every listing request 503 (serviceUnavailable) for a few intervals', arm: () => ({ on: 'requests', faults: [onList({ kind: 'http5xx', status: 503 })] }), lasting: { until: 'cleared', seconds: briefly }, blind: 'listing', fullTrials: 8 },
  {
    name: 'listing-429-retry-after',
    summary: 'every listing request throttled, 429 with Retry-After: 30 (past backoffMaxSeconds, so the bridge must clamp it), for a few intervals',
    arm: () => ({ on: 'requests', faults: [onList({ kind: 'throttle429', retryAfterSeconds: 30 })] }),
    lasting: { until: 'cleared', seconds: briefly },
    blind: 'listing',
    fullTrials: 8,
  },
  { name: 'listing-429-no-retry-after', summary: 'every listing request throttled, 429 without Retry-After (nor a retryAfter in the body), for a few intervals', arm: () => ({ on: 'requests', faults: [onList({ kind: 'throttle429', omitRetryAfter: true })] }), lasting: { until: 'cleared', seconds: briefly }, blind: 'listing', fullTrials: 8 },
  {
    name: 'listing-timeout',
    summary: "one listing's first page held past pollTimeoutSeconds: the poll is aborted",
    arm: (tuning) => ({ on: 'requests', faults: [onList({ kind: 'latencyMs', delayMs: beyondPollTimeoutMs(tuning), trigger: once })] }),
    lasting: { until: 'used' },
    blind: 'listing',
    lingerMs: beyondPollTimeoutMs,
    fullTrials: 4,
  },
  {
    name: 'page-timeout',
    summary: 'one page (2 or later) of a listing held past pollTimeoutSeconds: the poll is aborted mid-listing',
    arm: (tuning) => ({ on: 'page', action: { kind: 'latencyMs', delayMs: beyondPollTimeoutMs(tuning) } }),
    lasting: { until: 'used' },
    blind: 'listing',
    lingerMs: beyondPollTimeoutMs,
    fullTrials: 4,
  },
  { name: 'listing-truncated', summary: 'listing answers cut mid-body (full Content-Length, half the bytes, connection closed) for a few intervals', arm: () => ({ on: 'requests', faults: [onList({ kind: 'truncateBody', style: 'destroyMidBody' })] }), lasting: { until: 'cleared', seconds: briefly }, blind: 'listing', fullTrials: 8 },
  { name: 'listing-half-json', summary: 'listing answers complete but holding only the first half of their JSON, for a few intervals', arm: () => ({ on: 'requests', faults: [onList({ kind: 'truncateBody', style: 'halfJson' })] }), lasting: { until: 'cleared', seconds: briefly }, blind: 'listing', fullTrials: 8 },
  { name: 'page-proxy-html', summary: "one page (2 or later) answered by a proxy's HTML error page with 200", arm: () => ({ on: 'page', action: { kind: 'proxyAnswer', status: 200, contentType: 'text/html; charset=utf-8', body: proxyErrorPage } }), lasting: { until: 'used' }, blind: 'listing', fullTrials: 8 },
  { name: 'page-503-midway', summary: 'one page (2 or later) of a listing answered 503', arm: () => ({ on: 'page', action: { kind: 'http5xx', status: 503 } }), lasting: { until: 'used' }, blind: 'listing', fullTrials: 8 },
  { name: 'page-dropped-midway', summary: "one page's (2 or later) connection dropped without an answer", arm: () => ({ on: 'page', action: { kind: 'dropConnection' } }), lasting: { until: 'used' }, blind: 'listing', fullTrials: 8 },
  { name: 'page-truncated-midway', summary: 'one page (2 or later) cut mid-body', arm: () => ({ on: 'page', action: { kind: 'truncateBody', style: 'destroyMidBody' } }), lasting: { until: 'used' }, blind: 'listing', fullTrials: 8 },
  {
    name: 'confirmations-503',
    summary: 'every GET /servers/{id} (how the bridge confirms that a server missing from the list is gone) answered 503 for a few intervals, while the listing works',
    arm: () => ({ on: 'requests', faults: [{ kind: 'http5xx', status: 503, scope: { route: serverRoute } }] }),
    // Long enough for the churn to delete a few servers inside it (about one a second in the short form).
    lasting: { until: 'cleared', seconds: { short: [4, 6], full: [4, 8] } },
    // The list is complete, so every state is owed; only DELETED waits for the fault to end.
    blind: 'nothing',
    fullTrials: 8,
  },
  { name: 'tokens-revoked', summary: "every Keystone token revoked: the bridge's next Nova request gets 401 and must renew and retry at once", arm: () => ({ on: 'tokens', operation: 'revoke-all' }), lasting: { until: 'used' }, blind: 'nothing', fullTrials: 8 },
  { name: 'tokens-expired', summary: 'every Keystone token expired early: the next Nova request gets 401 and must renew and retry at once', arm: () => ({ on: 'tokens', operation: 'expire-all' }), lasting: { until: 'used' }, blind: 'nothing', fullTrials: 8 },
  { name: 'token-revoked-between-pages', summary: 'the token revoked right after a page is answered: the next page (2 or later) gets 401 and must be renewed and retried', arm: () => ({ on: 'page', action: { kind: 'revokeToken' } }), lasting: { until: 'used' }, blind: 'nothing', fullTrials: 8 },
  {
    name: 'endpoint-down',
    summary: 'every request to Keystone and Nova dropped without an answer: a few seconds (short form), 2–3 minutes (full form)',
    arm: () => ({ on: 'requests', faults: [{ kind: 'dropConnection' }] }),
    lasting: { until: 'cleared', seconds: { short: [3, 5], full: [120, 180] } },
    blind: 'listing',
    fullTrials: 2,
  },
  {
    name: 'other-endpoint-keystone-hangs',
    summary: "Keystone's next token request held past pollTimeoutSeconds: the refused endpoint's poll hangs, the real one (holding a token) must keep publishing every change meanwhile",
    // The real endpoint holds a live token (checked before each fault), so the next token request is the refused endpoint's.
    arm: (tuning) => ({ on: 'requests', faults: [{ kind: 'latencyMs', delayMs: beyondPollTimeoutMs(tuning), trigger: once, scope: { route: tokenRoute } }] }),
    lasting: { until: 'used' },
    blind: 'nothing',
    fullTrials: 4,
  },
];

/** The churn's deletions are about its creations' share of its changes (12 %); counted high. */
const deletionShareOfChanges = 0.15;
/** Vanished share of an endpoint's instances one list may show: half the mass-deletion guard's 20 %. */
const vanishedShareUnderGuard = 0.1;

/**
 * The churn rate while the bridge is blind for `seconds`: a long outage at
 * the full rate deletes more than the mass-deletion guard lets one list lose
 * (it would hold every deletion until an operator confirms, by design), so
 * the churn slows enough for the first list afterwards to stay under it.
 */
function rateUnderGuard(settings: RunSettings, seconds: number): number {
  const bound = Math.floor((vanishedShareUnderGuard * settings.instances) / (deletionShareOfChanges * seconds));
  return Math.max(1, Math.min(settings.changesPerSecond, bound));
}

/** What `GET /_sim/faults` and `GET /_sim/listing-faults` answer: faults still armed. */
interface ArmedFaults {
  readonly faults?: readonly unknown[];
  readonly listingFaults?: readonly unknown[];
}

/** True once the simulator holds no armed fault: a one-shot fault was used. */
async function everyFaultUsed(context: FaultContext): Promise<boolean> {
  const { platform } = context.stack;
  const [kit, pages] = (await Promise.all([platform.control('GET', '/_sim/faults'), platform.control('GET', '/_sim/listing-faults')])) as [ArmedFaults, ArmedFaults];
  return (kit.faults?.length ?? 0) === 0 && (pages.listingFaults?.length ?? 0) === 0;
}

/** Kit fault firings so far (`GET /_sim/stats`), to tell a fault that struck from one no request met. */
async function faultsFired(context: FaultContext): Promise<number> {
  const stats = (await context.stack.platform.control('GET', '/_sim/stats')) as { faultsFired: Record<string, number> };
  return Object.values(stats.faultsFired).reduce((sum, count) => sum + count, 0);
}

/** Waits until the bridge holds a live token, so one trial's revocation does not spill into the next fault. */
async function untilTokenLive(context: FaultContext): Promise<void> {
  const deadline = Date.now() + context.stack.recoveryMs * 3;
  while (Date.now() < deadline) {
    const { active } = (await context.stack.platform.control('GET', '/_sim/tokens')) as { active: number };
    if (active > 0) return;
    await context.sleep(100);
  }
  throw new Error('the bridge held no live Keystone token before a platform fault: it did not renew one after the last');
}

/** A page of the listing to strike: 2 up to the last page most listings reach. */
function drawPage(context: FaultContext): number {
  const lastFullPage = Math.floor((context.settings.instances * 0.8) / pageSize);
  return 2 + Math.floor(context.random() * Math.max(1, lastFullPage - 1));
}

/** Switches the fault on; returns what the report says about it. */
async function arm(context: FaultContext, arming: Arming): Promise<string> {
  const { platform } = context.stack;
  switch (arming.on) {
    case 'requests':
      await platform.control('POST', '/_sim/faults', { faults: arming.faults });
      return '';
    case 'page': {
      const page = drawPage(context);
      await platform.control('POST', '/_sim/listing-faults', { page, action: arming.action });
      return ` on page ${page}`;
    }
    case 'tokens': {
      const answer = (await platform.control('POST', `/_sim/tokens/${arming.operation}`)) as Record<string, number>;
      const tokens = Object.values(answer)[0] ?? 0;
      if (tokens === 0) throw new Error(`${arming.operation} found no token to act on: the fault did nothing`);
      return '';
    }
  }
}

/**
 * Makes one fault of `kind` and ends it: marks what the bridge cannot see
 * (or counts a fault it must see through), arms the simulator, waits for the
 * drawn time or until the fault was used, clears every fault, waits for
 * delayed requests, and marks the part working again.
 */
async function makeFault(context: FaultContext, kind: PlatformFaultKind): Promise<void> {
  const { stack, settings } = context;
  const key = `platform fault ${kind.name}`;
  await untilTokenLive(context);
  const seconds = kind.lasting.until === 'cleared' ? context.between(...kind.lasting.seconds[settings.form]) : 0;
  // A held request blinds the bridge until its poll times out: as long as an outage of that length.
  const blindSeconds = seconds + (kind.lingerMs?.(settings.tuning) ?? 0) / 1000;
  const slowed = kind.blind === 'listing' && blindSeconds > 0 ? rateUnderGuard(settings, blindSeconds) : settings.changesPerSecond;
  if (kind.blind === 'listing') stack.blindFrom(key);
  else stack.countSightedFault();
  context.churn.setRate(slowed);
  let where = '';
  const firedBefore = await faultsFired(context);
  const arming = kind.arm(settings.tuning);
  try {
    where = await arm(context, arming);
    if (kind.lasting.until === 'cleared') {
      await context.sleep(seconds * 1000);
    } else {
      // Every listing reaches the page within an interval or two; a fault left unused is a broken scenario, not a pass.
      const deadline = Date.now() + (settings.tuning.pollTimeoutSeconds + 20 * settings.tuning.intervalSeconds) * 1000 + stack.recoveryMs;
      while (!(await everyFaultUsed(context))) {
        if (Date.now() > deadline) throw new Error(`platform fault ${kind.name}${where} was never used by the bridge's listings`);
        await context.sleep(50);
      }
    }
  } finally {
    await stack.platform.control('DELETE', '/_sim/faults');
    await stack.platform.control('DELETE', '/_sim/listing-faults');
  }
  try {
    if (arming.on === 'requests' && (await faultsFired(context)) === firedBefore) throw new Error(`platform fault ${kind.name} was armed for ${seconds.toFixed(1)} s but no request met it`);
    await context.sleep(kind.lingerMs?.(settings.tuning) ?? 0);
  } finally {
    context.churn.setRate(settings.changesPerSecond);
  }
  if (kind.blind === 'listing') stack.blindUntilRecovered(key);
  context.note(`${kind.name}${where}${seconds > 0 ? ` for ${seconds.toFixed(1)} s` : ''}${slowed < settings.changesPerSecond ? ` (churn slowed to ${slowed}/s)` : ''}`);
}

/** The OpenStack platform with small pages, so page faults land mid-listing. */
const pagedOpenstack = () => startOpenstackPlatform({ maxLimit: pageSize });

/** The group's scenarios: `platform-faults-mixed` for the short form (each trial draws a kind), one scenario per kind for the full form. */
export const platformFaultScenarios: readonly Scenario[] = scenariosOfTable({
  mixedName: 'platform-faults-mixed',
  verb: 'makes it',
  mixedTrials: { short: 3, full: 20 },
  kinds: platformFaultKinds,
  platform: pagedOpenstack,
  make: makeFault,
});
