import type { ConnectionOptions } from 'node:tls';

/** An endpoint's TLS settings, as `EndpointConfig.tls` holds them. */
export interface TlsSettings {
  readonly caFile: string | undefined;
  readonly insecureSkipVerify: boolean;
}

/**
 * The socket options for an endpoint's TLS settings. A `caFile` replaces the
 * system trust store for this endpoint only (the vCenter VMCA is usually not a
 * public CA); verification stays on unless `insecureSkipVerify` says otherwise.
 */
export function tlsConnectOptions(tls: TlsSettings, readFile: (path: string) => Buffer): Pick<ConnectionOptions, 'ca' | 'rejectUnauthorized'> {
  return {
    ...(tls.caFile ? { ca: readFile(tls.caFile) } : {}),
    rejectUnauthorized: !tls.insecureSkipVerify,
  };
}
