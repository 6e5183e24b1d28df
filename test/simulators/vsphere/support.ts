// Helpers shared by this folder's tests (not part of the simulator's public surface).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Credentials } from './operations.js';
import { SESSION_HEADER } from './flavors.js';

/** One HTTP answer, read in full. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON (undefined when empty). */
  readonly json: unknown;
}

/** Options of {@link call}. */
export interface CallOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as a JSON body. */
  readonly json?: unknown;
  /** Sent as the `vmware-api-session-id` header. */
  readonly token?: string;
}

/** Sends one request to the simulator with `fetch` and reads the answer. */
export async function call(baseUrl: string, path: string, options: CallOptions = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) {
    headers[SESSION_HEADER] = options.token;
  }
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, {
    method: options.method ?? (options.json === undefined ? 'GET' : 'POST'),
    headers,
    ...(options.json === undefined ? {} : { body: JSON.stringify(options.json) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** The `Authorization: Basic …` value of a user. */
export function basicAuthorization(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/** Logs in on the `/api` flavor and returns the session token. */
export async function loginApi(baseUrl: string, credentials: Credentials): Promise<string> {
  const answer = await call(baseUrl, '/api/session', { method: 'POST', headers: { authorization: basicAuthorization(credentials) } });
  if (answer.status !== 201 || typeof answer.json !== 'string') {
    throw new Error(`login failed: ${answer.status} ${answer.text}`);
  }
  return answer.json;
}

/** Logs in on the `/rest` flavor and returns the session token. */
export async function loginRest(baseUrl: string, credentials: Credentials): Promise<string> {
  const answer = await call(baseUrl, '/rest/com/vmware/cis/session', { method: 'POST', headers: { authorization: basicAuthorization(credentials) } });
  const token = (answer.json as { value?: unknown } | undefined)?.value;
  if (answer.status !== 200 || typeof token !== 'string') {
    throw new Error(`login failed: ${answer.status} ${answer.text}`);
  }
  return token;
}

/** The project root: the nearest folder above this file holding package.json (works from src and from compiled output). */
export function projectRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder);
    if (parent === folder) {
      throw new Error('package.json not found above the test file');
    }
    folder = parent;
  }
  return folder;
}

/** Reads a fixture of test/fixtures/vsphere (fixtures are not compiled, so they are read from the source tree). */
export function readVsphereFixture(name: string): unknown {
  return JSON.parse(readFileSync(join(projectRoot(), 'test', 'fixtures', 'vsphere', name), 'utf8')) as unknown;
}
