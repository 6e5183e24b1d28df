import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AbsenceFinding } from '../../../../src/adapter/index.js';
import { ErrorCode } from '../../../../src/errors/index.js';
import { connectOpenstack, listServers, startOpenstackLab, type OpenstackLab } from '../../../support/openstack-lab.js';
import { fakeServer, startFakeCloud } from '../../../support/openstack-fake-cloud.js';

const getRoute = 'GET /compute/v2.1/servers/{server_id}';
const tokenRoute = 'POST /identity/v3/auth/tokens';
const never = new AbortController().signal;
let lab: OpenstackLab;
before(async () => {
  lab = await startOpenstackLab();
});
after(() => lab.close());
beforeEach(() => lab.simulator.reset());

/** Seeds `count` managed servers and returns their ids. */
function seed(count: number, options: { cell?: string; first?: number } = {}): string[] {
  return lab.simulator.seedDcmServers({ count, tagged: count, firstInstanceNumber: options.first ?? 1, ...(options.cell === undefined ? {} : { cell: options.cell }) }).map((server) => server.serverId);
}

async function confirm(ids: readonly string[], adapter: Parameters<typeof connectOpenstack>[1] = {}, input = lab.endpointInput()): Promise<{ findings: ReadonlyMap<string, AbsenceFinding>; requests: number }> {
  const { connection } = connectOpenstack(input, adapter);
  try {
    const findings = await connection.confirmAbsence(ids, never);
    return { findings, requests: lab.simulator.stats().byRoute[getRoute] ?? 0 };
  } finally {
    await connection.close();
  }
}

const verdictOf = (findings: ReadonlyMap<string, AbsenceFinding>, id: string | undefined): string => findings.get(id ?? '')?.verdict ?? 'missing';

describe('confirmAbsence: each verdict for its reason (simulator)', () => {
  test('gone: a deleted server (404 itemNotFound), also once purged', async () => {
    const [deleted, purged] = seed(2);
    lab.simulator.servers.markDeleted(deleted ?? '');
    lab.simulator.servers.markDeleted(purged ?? '');
    lab.simulator.servers.purge(purged ?? '');
    const { findings } = await confirm([deleted ?? '', purged ?? '']);
    assert.deepEqual(findings.get(deleted ?? ''), { verdict: 'gone', evidence: `GET /servers/${deleted ?? ''} answered 404 itemNotFound` });
    assert.equal(verdictOf(findings, purged), 'gone');
  });

  test('present: still there and still tagged (the list was wrong); SOFT_DELETED too, since restore can bring it back', async () => {
    const [running, softDeleted] = seed(2);
    lab.simulator.servers.setState(softDeleted ?? '', { vmState: 'soft-delete' });
    const listed = (await listServers(connectOpenstack(lab.endpointInput()).connection)).instances.map((instance) => instance.platformId);
    assert.ok(!listed.includes(softDeleted ?? ''), 'Nova lists no SOFT_DELETED server: it is absent');
    const { findings } = await confirm([running ?? '', softDeleted ?? '']);
    assert.deepEqual(findings.get(running ?? ''), { verdict: 'present', evidence: `GET /servers/${running ?? ''}: status ACTIVE, still tagged managed-by=dcm` });
    assert.deepEqual(findings.get(softDeleted ?? ''), { verdict: 'present', evidence: `GET /servers/${softDeleted ?? ''}: status SOFT_DELETED, restorable until Nova reclaims it` });
  });

  test('unmanaged: the managed-by tag removed, or the instance id gone (metadata, or the tag with instanceIdSource: tag)', async () => {
    const [retagged, noId] = seed(2);
    lab.simulator.servers.setTags(retagged ?? '', ['owner=someone-else']);
    lab.simulator.servers.setMetadata(noId ?? '', { 'dcm-instance-id': null });
    const { findings } = await confirm([retagged ?? '', noId ?? '']);
    assert.deepEqual(findings.get(retagged ?? ''), { verdict: 'unmanaged', evidence: `GET /servers/${retagged ?? ''}: status ACTIVE, tag managed-by=dcm removed` });
    assert.deepEqual(findings.get(noId ?? ''), { verdict: 'unmanaged', evidence: `GET /servers/${noId ?? ''}: status ACTIVE, no dcm-instance-id metadata` });

    const [byTag] = lab.simulator.seedDcmServers({ count: 1, tagged: 1, instanceIdAs: 'tag', firstInstanceNumber: 50 });
    lab.simulator.servers.removeTag(byTag?.serverId ?? '', 'dcm-instance-id=inst-00050');
    const tagSource = await confirm([byTag?.serverId ?? ''], {}, lab.endpointInput({ extra: { instanceIdSource: 'tag' } }));
    assert.match(tagSource.findings.get(byTag?.serverId ?? '')?.evidence ?? '', /no dcm-instance-id tag$/);
    assert.equal(verdictOf(tagSource.findings, byTag?.serverId), 'unmanaged');
  });

  test('unknown: a server in a down cell answers a partial record at 2.69 (no tags to check)', async () => {
    const [down] = seed(1, { cell: 'cell2' });
    lab.simulator.quirks.set({ downCells: ['cell2'] });
    const { findings, requests } = await confirm([down ?? '']);
    assert.deepEqual(findings.get(down ?? ''), { verdict: 'unknown', evidence: `GET /servers/${down ?? ''} answered a partial record (status UNKNOWN): its cell is down` });
    assert.equal(requests, 1);
  });

  test('a Nova older than 2.69 refuses the version once; the connection asks at 2.26, where a down cell answers 500: unknown', async () => {
    const old = await startOpenstackLab({ simulator: { maxMicroversion: '2.65' } });
    try {
      const ids = old.simulator.seedDcmServers({ count: 3, tagged: 3, cell: 'cell2' }).map((server) => server.serverId);
      const [up] = old.simulator.seedDcmServers({ count: 1, tagged: 1, firstInstanceNumber: 9 });
      old.simulator.quirks.set({ downCells: ['cell2'] });
      const { connection, logLines } = connectOpenstack(old.endpointInput(), { absenceConcurrency: 1 });
      const findings = await connection.confirmAbsence([...ids, up?.serverId ?? ''], never);
      for (const id of ids) assert.deepEqual(findings.get(id), { verdict: 'unknown', evidence: `GET /servers/${id} answered HTTP 500 computeFault` });
      assert.equal(verdictOf(findings, up?.serverId), 'present');
      assert.equal(old.simulator.stats().byRoute[getRoute], 5, 'one 406, then one GET per id at 2.26');
      assert.ok(logLines.some((line) => line.includes('Nova refuses microversion 2.69')));
      old.simulator.resetStats();
      await connection.confirmAbsence([up?.serverId ?? ''], never);
      assert.equal(old.simulator.stats().byRoute[getRoute], 1, 'the connection remembers 2.26');
      await connection.close();
    } finally {
      await old.close();
    }
  });

  test('unknown and keep asking: a 503 on one GET; a GET slower than the request timeout', async () => {
    const ids = seed(3);
    lab.simulator.faults.set([{ kind: 'http5xx', status: 503, scope: { route: getRoute }, trigger: { type: 'next', count: 1 } }]);
    const failed = await confirm(ids, { absenceConcurrency: 1 });
    assert.deepEqual(failed.findings.get(ids[0] ?? ''), { verdict: 'unknown', evidence: `GET /servers/${ids[0] ?? ''} answered HTTP 503 serviceUnavailable` });
    assert.deepEqual([verdictOf(failed.findings, ids[1]), verdictOf(failed.findings, ids[2])], ['present', 'present']);
    assert.equal(failed.requests, 3);

    lab.simulator.resetStats();
    lab.simulator.faults.set([{ kind: 'latencyMs', delayMs: 1500, scope: { route: getRoute }, trigger: { type: 'next', count: 1 } }]);
    const slow = await confirm(ids, { absenceConcurrency: 1, requestTimeoutMs: 400 });
    assert.deepEqual(slow.findings.get(ids[0] ?? ''), { verdict: 'unknown', evidence: `GET /servers/${ids[0] ?? ''} got no answer in time` });
    assert.equal(verdictOf(slow.findings, ids[1]), 'present');
  });

  test('unknown and stop asking: overLimit (429) — the ids after it cost no request', async () => {
    const ids = seed(6);
    lab.simulator.faults.set([{ kind: 'throttle429', retryAfterSeconds: 30, scope: { route: getRoute }, trigger: { type: 'next', count: 1 } }]);
    const { findings, requests } = await confirm(ids, { absenceConcurrency: 1 });
    assert.equal(requests, 1);
    assert.deepEqual(findings.get(ids[0] ?? ''), { verdict: 'unknown', evidence: `GET /servers/${ids[0] ?? ''} was throttled (HTTP 429 overLimit)` });
    for (const id of ids.slice(1)) assert.deepEqual(findings.get(id), { verdict: 'unknown', evidence: 'not asked: Nova throttled an earlier confirmation' });
  });

  test('a token revoked before confirming: one new token, the GET retried, the verdict stands', async () => {
    const [deleted] = seed(1);
    lab.simulator.servers.markDeleted(deleted ?? '');
    const { connection } = connectOpenstack(lab.endpointInput());
    await listServers(connection);
    lab.simulator.revokeAllTokens();
    const findings = await connection.confirmAbsence([deleted ?? ''], never);
    assert.equal(verdictOf(findings, deleted), 'gone');
    assert.equal(lab.simulator.tokenCounters().issued, 2);
    await connection.close();
  });
});

describe('confirmAbsence: request budget', () => {
  test('100 absent ids (40 deleted, 30 still there, 30 retagged): exactly 100 GETs, no list, no extra token', async () => {
    const ids = seed(100);
    ids.slice(0, 40).forEach((id) => lab.simulator.servers.markDeleted(id));
    ids.slice(70).forEach((id) => lab.simulator.servers.setTags(id, []));
    const { connection, requests } = connectOpenstack(lab.endpointInput());
    await listServers(connection);
    lab.simulator.resetStats();
    const started = Date.now();
    const findings = await connection.confirmAbsence([...ids, ...ids.slice(0, 10)], never);
    const elapsed = Date.now() - started;
    const stats = lab.simulator.stats();
    console.log(`confirmAbsence of 100 ids: ${stats.byRoute[getRoute]} GET /servers/{id}, ${stats.total} requests in all, ${elapsed} ms`);
    assert.equal(stats.byRoute[getRoute], 100, 'one GET per distinct id');
    assert.equal(stats.total, 100, 'no listing, no token request');
    const verdicts = [...findings.values()].map((finding) => finding.verdict);
    assert.deepEqual([verdicts.filter((verdict) => verdict === 'gone').length, verdicts.filter((verdict) => verdict === 'present').length, verdicts.filter((verdict) => verdict === 'unmanaged').length], [40, 30, 30]);
    assert.equal(requests.length, 1 + 1 + 100, 'token + list + 100 GETs reported to the request metrics');
    await connection.close();
  });

  test('at most absenceConcurrency GETs in flight; nothing is asked for no ids', async () => {
    let inFlight = 0;
    let most = 0;
    const cloud = await startFakeCloud((_url, reply) => {
      inFlight++;
      most = Math.max(most, inFlight);
      setTimeout(() => {
        inFlight--;
        reply.json({ itemNotFound: { code: 404, message: 'Instance could not be found.' } }, { status: 404 });
      }, 30);
    });
    try {
      const { connection } = connectOpenstack(lab.endpointInput({ url: `${cloud.url}/v3` }), { absenceConcurrency: 3 });
      assert.equal((await connection.confirmAbsence([], never)).size, 0);
      assert.equal(cloud.requests.length, 0, 'no ids: not even a token');
      const ids = Array.from({ length: 12 }, (_, index) => `srv-${index}`);
      const findings = await connection.confirmAbsence(ids, never);
      assert.equal(most, 3);
      assert.ok(ids.every((id) => findings.get(id)?.verdict === 'gone'));
      await connection.close();
    } finally {
      await cloud.close();
    }
  });
});

describe('confirmAbsence: answers that are not Nova\'s never become gone', () => {
  test('a 404 without itemNotFound (a proxy), 403 (policy), an HTML 200, a server without tags, another server: unknown', async () => {
    const answers: Record<string, (reply: Parameters<Parameters<typeof startFakeCloud>[0]>[1]) => void> = {
      'proxy-404': (reply) => reply.raw(404, { 'content-type': 'text/html' }, '<html>Not Found</html>'),
      'html-200': (reply) => reply.raw(200, { 'content-type': 'text/html', 'openstack-api-version': 'compute 2.69' }, '<html>portal</html>'),
      'json-as-text': (reply) => reply.raw(200, { 'content-type': 'text/plain', 'openstack-api-version': 'compute 2.69' }, JSON.stringify({ server: fakeServer('json-as-text') })),
      'no-tags': (reply) => reply.json({ server: fakeServer('no-tags', { tags: undefined }) }),
      'old-version': (reply) => reply.json({ server: fakeServer('old-version') }, { headers: { 'openstack-api-version': 'compute 2.1' } }),
      'someone-else': (reply) => reply.json({ server: fakeServer('another-id') }),
      empty: (reply) => reply.raw(200, { 'content-type': 'application/json', 'openstack-api-version': 'compute 2.69' }, ''),
    };
    const cloud = await startFakeCloud((url, reply) => {
      const id = decodeURIComponent(url.pathname.split('/').at(-1) ?? '');
      const answer = answers[id];
      if (answer) answer(reply);
      else reply.json({ forbidden: { code: 403, message: 'Policy does not allow os_compute_api:servers:show to be performed.' } }, { status: 403 });
    });
    try {
      const { connection } = connectOpenstack(lab.endpointInput({ url: `${cloud.url}/v3` }), { absenceConcurrency: 1 });
      const findings = await connection.confirmAbsence(Object.keys(answers), never);
      const evidence = Object.fromEntries([...findings].map(([id, finding]) => [id, `${finding.verdict}: ${finding.evidence.replace(`GET /servers/${id} `, '')}`]));
      assert.deepEqual(evidence, {
        'proxy-404': "unknown: answered 404 without Nova's itemNotFound body",
        'html-200': "unknown: answered HTTP 200 with a body that is not Nova's JSON",
        'json-as-text': 'unknown: came as text/plain, not application/json',
        'no-tags': "unknown: answered without tags, so DCM's selector cannot be checked",
        'old-version': "unknown: answered without tags, so DCM's selector cannot be checked",
        'someone-else': 'unknown: answered about another server',
        empty: 'unknown: answered an empty body',
      });
      const refused = await connection.confirmAbsence(['policy-1', 'policy-2', 'policy-3'], never);
      assert.deepEqual(refused.get('policy-1'), { verdict: 'unknown', evidence: 'GET /servers/policy-1 was refused (HTTP 403 forbidden)' });
      assert.deepEqual(refused.get('policy-3'), { verdict: 'unknown', evidence: 'not asked: Nova refused an earlier confirmation (HTTP 403)' });
      assert.equal(cloud.requests.filter((request) => request.url.includes('/policy-')).length, 1, 'a policy refusal is not repeated for every id');
      await connection.close();
    } finally {
      await cloud.close();
    }
  });

  test('no token (Keystone down): it throws, so the core counts every id unknown; an abort throws POLL_ABORTED', async () => {
    const ids = seed(2);
    lab.simulator.faults.set([{ kind: 'http5xx', status: 503, scope: { pathPrefix: '/identity' } }]);
    const { connection } = connectOpenstack(lab.endpointInput({ name: 'os-nokeystone' }));
    await assert.rejects(connection.confirmAbsence(ids, never), { code: ErrorCode.PlatformHttp, message: /^openstack endpoint os-nokeystone: POST \/identity\/v3\/auth\/tokens answered HTTP 503/ });
    assert.equal(lab.simulator.stats().byRoute[getRoute] ?? 0, 0);
    lab.simulator.faults.clear();
    const aborted = new AbortController();
    aborted.abort(new Error('shutting down'));
    await assert.rejects(connection.confirmAbsence(ids, aborted.signal), { code: ErrorCode.PollAborted });
    await connection.close();
    await assert.rejects(connection.confirmAbsence(ids, never), { code: ErrorCode.PollAborted, message: /the connection is closed/ });
    assert.equal(lab.simulator.stats().byRoute[tokenRoute], 1, 'the refused token request only');
  });
});
