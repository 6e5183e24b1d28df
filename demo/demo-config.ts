/** What the demo's bridge needs to know. */
export interface DemoConfigOptions {
  /** The endpoints of the demo platforms, as YAML keys. */
  readonly endpoints: ReadonlyArray<Readonly<Record<string, unknown>>>;
  /** Variables the endpoints' `${env:…}` references read. */
  readonly secrets: Readonly<Record<string, string>>;
  /** Publish to this NATS server through JetStream (the demo made sure the stream exists) instead of printing to stdout. */
  readonly natsUrl?: string;
  /** Cap of the backoff after failed polls: at one interval, the demo's outage reaches `unavailable` (3 failed polls) in 30 s, not 70 s. */
  readonly backoffMaxSeconds: number;
  /** Where the REST API listens (default a free loopback port). */
  readonly apiListen?: string;
}

/**
 * The demo bridge's whole configuration, as the environment `runCommand`
 * reads (`DCM_BRIDGE_*` keys over an empty file), so nothing is written to
 * disk and config/default.yaml does not matter. Passwords reach the endpoints
 * through `${env:…}` references, as an operator would write them.
 */
export function demoEnvironment(options: DemoConfigOptions): Record<string, string> {
  return {
    ...options.secrets,
    DCM_BRIDGE_PROVIDER_NAME: 'demo-bridge',
    // Empty: the in-memory cache, so every demo run starts from scratch.
    DCM_BRIDGE_CACHE_URL: '',
    DCM_BRIDGE_LOG_LEVEL: 'info',
    DCM_BRIDGE_API_LISTEN: options.apiListen ?? '127.0.0.1:0',
    DCM_BRIDGE_ENDPOINTS: JSON.stringify(options.endpoints),
    DCM_BRIDGE_SCHEDULER_BACKOFF_MAX_SECONDS: String(options.backoffMaxSeconds),
    ...(options.natsUrl ? { DCM_BRIDGE_PUBLISHER_KIND: 'nats', DCM_BRIDGE_PUBLISHER_URL: options.natsUrl } : { DCM_BRIDGE_PUBLISHER_KIND: 'stdout' }),
  };
}
