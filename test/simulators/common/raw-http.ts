import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** What a raw HTTP exchange ended in, at the socket level (used by fault tests). */
export type RawOutcome =
  | { readonly kind: 'response'; readonly status: number; readonly headers: IncomingHttpHeaders; readonly body: Buffer }
  | { readonly kind: 'truncated'; readonly status: number; readonly declaredLength: number; readonly received: Buffer }
  | { readonly kind: 'failed'; readonly error: Error };

/** Options of {@link rawRequest}. */
export interface RawRequestOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Extra CA to trust for HTTPS (a self-signed test certificate). */
  readonly ca?: string | Buffer;
}

/**
 * Sends one request on a fresh connection and reports whether a complete answer came
 * back, a short one (body cut before Content-Length), or none at all. `fetch` hides
 * these differences, so the fault tests use this instead.
 */
export function rawRequest(baseUrl: string, path: string, options: RawRequestOptions = {}): Promise<RawOutcome> {
  const url = new URL(path, baseUrl);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const request = send(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false, ...(options.ca === undefined ? {} : { ca: options.ca }) },
      (response) => {
        const chunks: Buffer[] = [];
        let settled = false;
        const finish = (outcome: RawOutcome): void => {
          if (!settled) {
            settled = true;
            resolve(outcome);
          }
        };
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          if (response.complete) {
            finish({ kind: 'response', status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) });
          }
        });
        const cut = (): void =>
          finish({ kind: 'truncated', status: response.statusCode ?? 0, declaredLength: Number(response.headers['content-length'] ?? -1), received: Buffer.concat(chunks) });
        response.on('error', cut);
        response.on('close', () => {
          if (!response.complete) {
            cut();
          }
        });
      },
    );
    request.on('error', (error) => resolve({ kind: 'failed', error }));
    request.end(options.body);
  });
}
