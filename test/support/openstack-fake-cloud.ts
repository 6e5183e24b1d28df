// A hand-written Keystone + Nova for answers no healthy Nova gives (a proxy's pages, a policy
// refusal, bodies that lack what the api-ref promises). The simulator covers everything Nova
// documents; this covers what sits between the bridge and Nova.
import type { ServerResponse } from 'node:http';
import { startLocalServer, sendJson, type LocalServer, type SeenRequest } from '../unit/platform-http/local-server.js';

/** How a test answers one Nova request: JSON (default headers: microversion 2.26 or 2.69), or raw. */
export interface FakeNovaReply {
  json(body: unknown, options?: { status?: number; headers?: Record<string, string> }): void;
  raw(status: number, headers: Record<string, string>, body: string): void;
}

/** The fake cloud; `url` + `/v3` is its Keystone auth URL, `url` + `/compute` its Nova. */
export type FakeCloud = LocalServer;

/**
 * Starts a Keystone that issues one long-lived token with a catalog pointing at `<origin>/compute`,
 * and a Nova whose every answer `nova` writes. The answered microversion header echoes the asked one.
 */
export async function startFakeCloud(nova: (url: URL, reply: FakeNovaReply, request: SeenRequest) => void): Promise<FakeCloud> {
  let origin = '';
  const server = await startLocalServer((request, res) => {
    if (request.method === 'POST') {
      sendJson(res, 201, { token: { expires_at: '2999-01-01T00:00:00.000000Z', issued_at: '2998-12-31T23:00:00.000000Z', project: { id: 'p' }, catalog: [{ type: 'compute', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${origin}/compute` }] }] } }, { 'x-subject-token': 'fake-token' });
      return;
    }
    const asked = String(request.headers['openstack-api-version'] ?? 'compute 2.26');
    nova(new URL(request.url, origin), replyTo(res, asked), request);
  });
  origin = server.url;
  return server;
}

function replyTo(res: ServerResponse, askedVersion: string): FakeNovaReply {
  return {
    json: (body, options = {}) => sendJson(res, options.status ?? 200, body, options.headers ?? { 'openstack-api-version': askedVersion }),
    raw: (status, headers, body) => {
      res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers });
      res.end(body);
    },
  };
}

/** A managed server as a `servers/detail` entry or a `GET /servers/{id}` body at 2.26+. */
export function fakeServer(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, name: id, status: 'ACTIVE', 'OS-EXT-STS:task_state': null, tags: ['managed-by=dcm'], metadata: { 'dcm-instance-id': `inst-${id}` }, ...overrides };
}
