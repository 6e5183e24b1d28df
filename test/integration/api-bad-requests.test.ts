import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { instances, useHarness } from '../support/harness.js';
import { apiConfig, eventually, fileRegistration, readToken, startApi, type ApiUnderTest } from './api-support.js';

const harness = useHarness();
let api: ApiUnderTest;
let started: Promise<void> | undefined;

/** Both tests share one bridge; whichever runs first starts it (the harness exists only inside tests). */
function setUp(): Promise<void> {
  started ??= (async () => {
    harness().setPlatform('lab', { instances: instances(2) });
    harness().setPlatform('taken', { instances: instances(1, 'on', 50) });
    api = await startApi(harness(), apiConfig(harness(), { api: `readToken: ${readToken}, maxBodyBytes: 4096` }));
    const registered = await api.call('POST', '/api/v1alpha1/endpoints?id=taken', { body: fileRegistration(harness(), 'taken') });
    assert.equal(registered.status, 201, registered.text);
  })();
  return started;
}

after(async () => {
  await api?.stop();
});

type Slug = 'invalid-argument' | 'not-found' | 'already-exists' | 'permission-denied' | 'unauthenticated';

interface BadRequest {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly raw?: string;
  readonly contentType?: string;
  /** undefined: the write token; null: none. */
  readonly token?: string | null;
  readonly status: number;
  readonly type: Slug;
  /** An issue path the problem must name. */
  readonly issue?: string;
}

const endpoints = '/api/v1alpha1/endpoints';
const good = (extra: Record<string, unknown> = {}): Record<string, unknown> => fileRegistration(harness(), 'table', extra);

const table = (): BadRequest[] => [
  { name: 'malformed JSON', method: 'POST', path: `${endpoints}?id=t1`, raw: '{"platform": "file", "credentials": {"token": "in-a-broken-body"', status: 400, type: 'invalid-argument' },
  { name: 'empty JSON body', method: 'POST', path: `${endpoints}?id=t1`, raw: '', status: 400, type: 'invalid-argument' },
  { name: 'text/plain body', method: 'POST', path: `${endpoints}?id=t1`, raw: 'platform=file', contentType: 'text/plain', status: 415, type: 'invalid-argument' },
  { name: 'oversize body', method: 'POST', path: `${endpoints}?id=t1`, body: good({ file: 'x'.repeat(5000) }), status: 413, type: 'invalid-argument' },
  { name: 'body is a list', method: 'POST', path: `${endpoints}?id=t1`, body: [good()], status: 400, type: 'invalid-argument' },
  { name: 'prototype pollution', method: 'POST', path: `${endpoints}?id=t1`, raw: '{"platform":"file","__proto__":{"admin":true}}', status: 400, type: 'invalid-argument' },
  { name: 'interval as a string', method: 'POST', path: `${endpoints}?id=t1`, body: good({ interval_seconds: '60' }), status: 400, type: 'invalid-argument', issue: 'body.interval_seconds' },
  { name: 'interval not whole', method: 'POST', path: `${endpoints}?id=t1`, body: good({ interval_seconds: 1.5 }), status: 400, type: 'invalid-argument', issue: 'body.interval_seconds' },
  { name: 'interval zero', method: 'POST', path: `${endpoints}?id=t1`, body: good({ interval_seconds: 0 }), status: 400, type: 'invalid-argument', issue: 'body.interval_seconds' },
  { name: 'camelCase field', method: 'POST', path: `${endpoints}?id=t1`, body: good({ intervalSeconds: 5 }), status: 400, type: 'invalid-argument', issue: 'body.intervalSeconds' },
  { name: 'selector.source on a platform that reads no selector source', method: 'POST', path: `${endpoints}?id=t1`, body: good({ selector: { source: 'tag' } }), status: 400, type: 'invalid-argument', issue: 'body.selector.source' },
  { name: 'selector.source not a source', method: 'POST', path: `${endpoints}?id=t1`, body: good({ selector: { source: 'label' } }), status: 400, type: 'invalid-argument', issue: 'body.selector.source' },
  { name: 'unknown nested field', method: 'POST', path: `${endpoints}?id=t1`, body: good({ selector: { managed_by_key: 'a', colour: 'red' } }), status: 400, type: 'invalid-argument', issue: 'body.selector.colour' },
  { name: 'unknown platform key', method: 'POST', path: `${endpoints}?id=t1`, body: good({ flavour: 'mint' }), status: 400, type: 'invalid-argument', issue: 'body.flavour' },
  { name: 'credentials not strings', method: 'POST', path: `${endpoints}?id=t1`, body: good({ credentials: { token: 42 } }), status: 400, type: 'invalid-argument', issue: 'body.credentials.token' },
  { name: 'missing platform', method: 'POST', path: `${endpoints}?id=t1`, body: { file: '/tmp/x', credentials: { token: 'x' } }, status: 400, type: 'invalid-argument', issue: 'body.platform' },
  { name: 'unknown platform', method: 'POST', path: `${endpoints}?id=t1`, body: good({ platform: 'mainframe' }), status: 400, type: 'invalid-argument', issue: 'body.platform' },
  { name: 'id not a DNS label', method: 'POST', path: `${endpoints}?id=Bad_Id`, body: good(), status: 400, type: 'invalid-argument', issue: 'querystring.id' },
  { name: 'id too long', method: 'POST', path: `${endpoints}?id=${'a'.repeat(64)}`, body: good(), status: 400, type: 'invalid-argument', issue: 'querystring.id' },
  { name: 'output-only field', method: 'POST', path: `${endpoints}?id=t1`, body: good({ origin: 'config' }), status: 400, type: 'invalid-argument', issue: 'body.origin' },
  { name: 'name in the body', method: 'POST', path: `${endpoints}?id=t1`, body: good({ name: 't2' }), status: 400, type: 'invalid-argument', issue: 'body.name' },
  { name: 'URL not a URL', method: 'POST', path: `${endpoints}?id=t1`, body: good({ url: 'not a url' }), status: 400, type: 'invalid-argument', issue: 'body.url' },
  { name: 'URL scheme ftp', method: 'POST', path: `${endpoints}?id=t1`, body: good({ url: 'ftp://platform.example/' }), status: 400, type: 'invalid-argument', issue: 'body.url' },
  { name: 'URL with user info', method: 'POST', path: `${endpoints}?id=t1`, body: good({ url: 'https://admin:pw@platform.example/' }), status: 400, type: 'invalid-argument', issue: 'body.url' },
  { name: 'SSRF: metadata address', method: 'POST', path: `${endpoints}?id=t1`, body: good({ url: 'http://169.254.169.254/latest/meta-data/' }), status: 400, type: 'invalid-argument', issue: 'body.url' },
  { name: 'SSRF: IPv4-mapped metadata', method: 'POST', path: `${endpoints}?id=t1`, body: good({ url: 'http://[::ffff:169.254.169.254]/' }), status: 400, type: 'invalid-argument', issue: 'body.url' },
  { name: 'SSRF: EC2 IPv6 metadata', method: 'POST', path: `${endpoints}?id=t1`, body: good({ url: 'http://[fd00:ec2::254]/' }), status: 400, type: 'invalid-argument', issue: 'body.url' },
  { name: 'SSRF: loopback', method: 'POST', path: `${endpoints}?id=t1`, body: good({ url: 'https://127.0.0.1:6379/' }), status: 400, type: 'invalid-argument', issue: 'body.url' },
  { name: 'SSRF: decimal loopback', method: 'POST', path: `${endpoints}?id=t1`, body: good({ url: 'http://2130706433/' }), status: 400, type: 'invalid-argument', issue: 'body.url' },
  { name: 'SSRF: unspecified', method: 'POST', path: `${endpoints}?id=t1`, body: good({ url: 'http://0.0.0.0/' }), status: 400, type: 'invalid-argument', issue: 'body.url' },
  { name: 'SSRF: name resolving to metadata', method: 'POST', path: `${endpoints}?id=t1`, body: good({ url: 'https://metadata.example/' }), status: 400, type: 'invalid-argument', issue: 'body.url' },
  { name: 'SSRF: one private address among public ones', method: 'POST', path: `${endpoints}?id=t1`, body: good({ url: 'https://sneaky.example/' }), status: 400, type: 'invalid-argument', issue: 'body.url' },
  { name: 'unresolvable host', method: 'POST', path: `${endpoints}?id=t1`, body: good({ url: 'https://nowhere.example/' }), status: 400, type: 'invalid-argument', issue: 'body.url' },
  { name: 'CA file on the host', method: 'POST', path: `${endpoints}?id=t1`, body: good({ tls: { ca_file: '/etc/shadow' } }), status: 400, type: 'invalid-argument', issue: 'body.tls.ca_file' },
  { name: 'no credentials', method: 'POST', path: `${endpoints}?id=t1`, body: good({ credentials: {} }), status: 400, type: 'invalid-argument', issue: 'body.credentials' },
  { name: 'state override to no status', method: 'POST', path: `${endpoints}?id=t1`, body: good({ state_overrides: { on: 'SWIMMING' } }), status: 400, type: 'invalid-argument' },
  { name: 'no token on a write', method: 'POST', path: `${endpoints}?id=t1`, body: good(), token: null, status: 401, type: 'unauthenticated' },
  { name: 'wrong token on a write', method: 'POST', path: `${endpoints}?id=t1`, body: good(), token: 'not-the-token-at-all-0000', status: 401, type: 'unauthenticated' },
  { name: 'read token on a write', method: 'POST', path: `${endpoints}?id=t1`, body: good(), token: readToken, status: 403, type: 'permission-denied' },
  { name: 'no token on a guarded read', method: 'GET', path: endpoints, token: null, status: 401, type: 'unauthenticated' },
  { name: 'no token on /metrics', method: 'GET', path: '/metrics', token: null, status: 401, type: 'unauthenticated' },
  { name: 'duplicate id (configuration file)', method: 'POST', path: `${endpoints}?id=lab`, body: good(), status: 409, type: 'already-exists' },
  { name: 'duplicate id (registered)', method: 'POST', path: `${endpoints}?id=taken`, body: good(), status: 409, type: 'already-exists' },
  { name: 'unknown endpoint', method: 'GET', path: `${endpoints}/ghost`, status: 404, type: 'not-found' },
  { name: 'status of an unknown endpoint', method: 'GET', path: `${endpoints}/ghost/status`, status: 404, type: 'not-found' },
  { name: 'endpoint id not a DNS label', method: 'GET', path: `${endpoints}/NOT.VALID`, status: 400, type: 'invalid-argument', issue: 'params.endpoint_id' },
  { name: 'PATCH of a YAML endpoint', method: 'PATCH', path: `${endpoints}/lab`, body: { interval_seconds: 5 }, contentType: 'application/merge-patch+json', status: 403, type: 'permission-denied' },
  { name: 'DELETE of a YAML endpoint', method: 'DELETE', path: `${endpoints}/lab`, status: 403, type: 'permission-denied' },
  { name: 'DELETE of an unknown endpoint', method: 'DELETE', path: `${endpoints}/ghost`, status: 404, type: 'not-found' },
  { name: 'PATCH of an unknown endpoint', method: 'PATCH', path: `${endpoints}/ghost`, body: { interval_seconds: 5 }, status: 404, type: 'not-found' },
  { name: 'PATCH renaming', method: 'PATCH', path: `${endpoints}/taken`, body: { name: 'other' }, contentType: 'application/merge-patch+json', status: 400, type: 'invalid-argument', issue: 'body.name' },
  { name: 'PATCH removing the platform', method: 'PATCH', path: `${endpoints}/taken`, body: { platform: null }, contentType: 'application/merge-patch+json', status: 400, type: 'invalid-argument', issue: 'body.platform' },
  { name: 'PATCH with a wrong type', method: 'PATCH', path: `${endpoints}/taken`, body: { interval_seconds: 'soon' }, contentType: 'application/merge-patch+json', status: 400, type: 'invalid-argument', issue: 'body.interval_seconds' },
  { name: 'PATCH to an SSRF target', method: 'PATCH', path: `${endpoints}/taken`, body: { url: 'http://[::ffff:a9fe:a9fe]/' }, contentType: 'application/merge-patch+json', status: 400, type: 'invalid-argument', issue: 'body.url' },
  { name: 'max_page_size 0', method: 'GET', path: `${endpoints}?max_page_size=0`, status: 400, type: 'invalid-argument', issue: 'querystring.max_page_size' },
  { name: 'max_page_size 1001', method: 'GET', path: '/api/v1alpha1/vms?max_page_size=1001', status: 400, type: 'invalid-argument', issue: 'querystring.max_page_size' },
  { name: 'max_page_size not a number', method: 'GET', path: '/api/v1alpha1/vms?max_page_size=ten', status: 400, type: 'invalid-argument', issue: 'querystring.max_page_size' },
  { name: 'page_token garbage', method: 'GET', path: `${endpoints}?page_token=garbage!`, status: 400, type: 'invalid-argument', issue: 'querystring.page_token' },
  { name: 'page_token of another list', method: 'GET', path: `/api/v1alpha1/vms?page_token=${Buffer.from(JSON.stringify({ v: 1, s: 'endpoints', k: ['lab'] })).toString('base64url')}`, status: 400, type: 'invalid-argument', issue: 'querystring.page_token' },
  { name: 'status filter not a status', method: 'GET', path: '/api/v1alpha1/vms?status=RUNNING&status=SLEEPING', status: 400, type: 'invalid-argument', issue: 'querystring.status[1]' },
  { name: 'unknown query parameter', method: 'GET', path: '/api/v1alpha1/vms?colour=red', status: 400, type: 'invalid-argument', issue: 'querystring.colour' },
  { name: 'unknown VM', method: 'GET', path: '/api/v1alpha1/vms/inst-999', status: 404, type: 'not-found' },
  { name: 'unknown route', method: 'GET', path: '/api/v1alpha1/containers', status: 404, type: 'not-found' },
];

test('bad requests get the right 4xx problem document, never a 5xx, and the bridge keeps polling', async () => {
  await setUp();
  const cases = table();
  assert.ok(cases.length >= 30, `${cases.length} cases`);
  const failures: string[] = [];
  for (const bad of cases) {
    const response = await api.call(bad.method, bad.path, { body: bad.body, raw: bad.raw, token: 'token' in bad ? bad.token : bad.method === 'GET' ? readToken : undefined, contentType: bad.contentType });
    const problem = response.contentType.startsWith('application/problem+json') ? response.json() : {};
    const issues = (problem['issues'] as Array<{ path: string }> | undefined) ?? [];
    const wrong = [
      response.status !== bad.status && `status ${response.status}, expected ${bad.status}`,
      !response.contentType.startsWith('application/problem+json') && `content-type ${response.contentType}`,
      problem['type'] !== `https://dcm-project.github.io/problems/${bad.type}` && `type ${String(problem['type'])}`,
      problem['status'] !== bad.status && `problem status ${String(problem['status'])}`,
      bad.issue !== undefined && !issues.some((issue) => issue.path === bad.issue) && `no issue at ${bad.issue} in ${JSON.stringify(issues)}`,
    ].filter(Boolean);
    if (wrong.length > 0) failures.push(`${bad.name}: ${wrong.join('; ')} — ${response.text.slice(0, 300)}`);
  }
  assert.deepEqual(failures, []);

  // Nothing the table did registered, changed or stopped anything.
  const listed = await api.call('GET', endpoints, { token: readToken });
  assert.deepEqual((listed.json()['results'] as Array<{ id: string }>).map((endpoint) => endpoint.id), ['lab', 'taken']);
  const afterTable = Date.now();
  await eventually('a poll of lab after the table', () => (api.bridge.status('lab')?.lastSuccessAt ?? 0) > afterTable);
  await eventually('a poll of the registered endpoint after the table', () => (api.bridge.status('taken')?.lastSuccessAt ?? 0) > afterTable);
});

test('a 401 carries a Bearer challenge; the write token reads too', async () => {
  await setUp();
  const refused = await fetch(`${api.baseUrl}/api/v1alpha1/endpoints`);
  assert.equal(refused.status, 401);
  assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer /);
  const asWriter = await api.call('GET', '/api/v1alpha1/endpoints');
  assert.equal(asWriter.status, 200);
});
