/** What the demo's bridge needs to know. */
export interface DemoConfigOptions {
  readonly vcenterUrl: string;
  readonly credentials: { readonly username: string; readonly password: string };
  /** Publish to this NATS server (JetStream, creating the stream) instead of printing to stdout. */
  readonly natsUrl?: string;
  readonly intervalSeconds: number;
}

/**
 * The demo bridge's whole configuration, as the environment `runCommand`
 * reads (`DCM_BRIDGE_*` keys over an empty file), so nothing is written to
 * disk and config/default.yaml does not matter. The password reaches the
 * endpoint through an `${env:…}` reference, as an operator would write it.
 */
export function demoEnvironment(options: DemoConfigOptions): Record<string, string> {
  const endpoint = {
    name: 'vc-demo',
    platform: 'vsphere',
    url: options.vcenterUrl,
    intervalSeconds: options.intervalSeconds,
    credentials: { username: '${env:DEMO_VSPHERE_USERNAME}', password: '${env:DEMO_VSPHERE_PASSWORD}' },
  };
  return {
    DEMO_VSPHERE_USERNAME: options.credentials.username,
    DEMO_VSPHERE_PASSWORD: options.credentials.password,
    DCM_BRIDGE_PROVIDER_NAME: 'demo-bridge',
    // Empty: the in-memory cache, so every demo run starts from scratch.
    DCM_BRIDGE_CACHE_URL: '',
    DCM_BRIDGE_LOG_LEVEL: 'info',
    DCM_BRIDGE_ENDPOINTS: JSON.stringify([endpoint]),
    ...(options.natsUrl
      ? // No DCM here to own the dcm-status stream, so the bridge creates it.
        { DCM_BRIDGE_PUBLISHER_KIND: 'nats', DCM_BRIDGE_PUBLISHER_URL: options.natsUrl, DCM_BRIDGE_PUBLISHER_CREATE_STREAM: 'true' }
      : { DCM_BRIDGE_PUBLISHER_KIND: 'stdout' }),
  };
}
