// Helpers shared by this folder's tests (not part of the simulator's public surface).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, beforeEach } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RunningServer } from '../common/index.js';
import type { Credentials } from './operations.js';
import { SESSION_HEADER } from './flavors.js';
import type { VsphereSimulator } from './simulator.js';
import { login as loginSoap } from './vim/soap-client.js';

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

/** A session {@link useSimulator} opens before each test: vim25 (`/sdk`), `/api` or `/rest`. */
export type SuiteSession = 'soap' | 'api' | 'rest';

/** Options of {@link useSimulator}. */
export interface SimulatorSuiteOptions {
  /** Runs before each test, after the reset and before the logins: seeding, clearing what a test records. */
  readonly prepare?: () => void;
  /** Sessions opened before each test, in this order, with the simulator's credentials. */
  readonly login?: readonly SuiteSession[];
}

/** The simulator served to a test file; read it inside tests and hooks (it starts in `before`). */
export interface SimulatorSuite {
  readonly url: string;
  /** The `vmware_soap_session` cookie of this test's `soap` session. */
  readonly cookie: string;
  /** The token of this test's `api` session. */
  readonly apiToken: string;
  /** The token of this test's `rest` session. */
  readonly restToken: string;
}

const LOGINS: Readonly<Record<SuiteSession, (baseUrl: string, credentials: Credentials) => Promise<string>>> = { soap: loginSoap, api: loginApi, rest: loginRest };

/**
 * Serves `simulator` to the calling test file: started before its tests, closed after them, and
 * before each test reset, then `prepare`d, then logged in with `login`. Call it once at the top of
 * the file; the file's own `beforeEach` hooks run after these.
 */
export function useSimulator(simulator: VsphereSimulator, options: SimulatorSuiteOptions = {}): SimulatorSuite {
  let running: RunningServer | undefined;
  const sessions = new Map<SuiteSession, string>();
  const started = (): RunningServer => {
    if (!running) throw new Error('the simulator is not started yet: read it inside a test or hook');
    return running;
  };
  const session = (kind: SuiteSession): string => {
    const value = sessions.get(kind);
    if (value === undefined) throw new Error(`no ${kind} session: pass login: ['${kind}'] to useSimulator`);
    return value;
  };
  before(async () => {
    running = await simulator.start();
  });
  after(() => running?.close());
  beforeEach(async () => {
    simulator.reset();
    sessions.clear();
    options.prepare?.();
    for (const kind of options.login ?? []) sessions.set(kind, await LOGINS[kind](started().url, simulator.credentials));
  });
  return {
    get url() {
      return started().url;
    },
    get cookie() {
      return session('soap');
    },
    get apiToken() {
      return session('api');
    },
    get restToken() {
      return session('rest');
    },
  };
}
