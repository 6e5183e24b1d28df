// Helpers shared by this folder's tests (not part of the simulator's public surface).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, projectRoot, type HttpAnswer } from '../vsphere/support.js';
import type { OpenstackCredentials } from './context.js';

export { call, type HttpAnswer };

/** Reads a fixture of test/fixtures/openstack (fixtures are not compiled, so they are read from the source tree). */
export function readOpenstackFixture(name: string): unknown {
  return JSON.parse(readFileSync(join(projectRoot(), 'test', 'fixtures', 'openstack', name), 'utf8')) as unknown;
}

/** The body of a password authentication scoped to the credentials' project (by names, as clouds.yaml gives them). */
export function passwordAuth(credentials: OpenstackCredentials, overrides: { password?: string; scoped?: boolean } = {}): unknown {
  const identity = {
    methods: ['password'],
    password: { user: { name: credentials.username, domain: { name: credentials.userDomainName }, password: overrides.password ?? credentials.password } },
  };
  if (overrides.scoped === false) {
    return { auth: { identity } };
  }
  return { auth: { identity, scope: { project: { name: credentials.projectName, domain: { name: credentials.projectDomainName } } } } };
}

/** The body of an application-credential authentication (by id). */
export function applicationCredentialAuth(credentials: OpenstackCredentials, secret = credentials.applicationCredentialSecret): unknown {
  return { auth: { identity: { methods: ['application_credential'], application_credential: { id: credentials.applicationCredentialId, secret } } } };
}

/** Authenticates and returns the token id from `X-Subject-Token`. */
export async function issueToken(authUrl: string, body: unknown): Promise<string> {
  const answer = await call(authUrl, '/auth/tokens', { json: body });
  const token = answer.headers.get('x-subject-token');
  if (answer.status !== 201 || token === null) {
    throw new Error(`authentication failed: ${answer.status} ${answer.text}`);
  }
  return token;
}

/** Sends a Nova request with a token and, optionally, a microversion (the modern header). */
export function nova(computeUrl: string, path: string, token: string, microversion?: string): Promise<HttpAnswer> {
  return call(computeUrl, path, { headers: { 'x-auth-token': token, ...(microversion === undefined ? {} : { 'openstack-api-version': `compute ${microversion}` }) } });
}

/** A listing page as Nova sends it. */
export interface ServersPage {
  readonly servers: { id: string; tags?: string[]; metadata?: Record<string, string>; status?: string }[];
  readonly servers_links?: { href: string; rel: string }[];
}

/** Follows `servers_links` from a first URL to the end; returns every server and how many calls it took. */
export async function listAll(firstUrl: string, token: string, microversion: string): Promise<{ servers: ServersPage['servers']; calls: number; pages: ServersPage[] }> {
  const pages: ServersPage[] = [];
  let next: string | undefined = firstUrl;
  while (next !== undefined) {
    const answer = await call(next, '', { headers: { 'x-auth-token': token, 'openstack-api-version': `compute ${microversion}` } });
    if (answer.status !== 200) {
      throw new Error(`listing failed: ${answer.status} ${answer.text}`);
    }
    const page = answer.json as ServersPage;
    pages.push(page);
    next = page.servers_links?.find((link) => link.rel === 'next')?.href;
  }
  return { servers: pages.flatMap((page) => page.servers), calls: pages.length, pages };
}
