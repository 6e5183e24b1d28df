import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeClock } from '../../../support/fake-clock.js';
import { ErrorCode } from '../../../../src/errors/index.js';
import { connectOpenstack, listServers, startOpenstackLab, type OpenstackLab } from '../../../support/openstack-lab.js';

const clock = createFakeClock(Date.parse('2026-01-01T00:00:00Z'));
const tokenRoute = 'POST /identity/v3/auth/tokens';
const listRoute = 'GET /compute/v2.1/servers/detail';
let lab: OpenstackLab;
before(async () => {
  lab = await startOpenstackLab({ simulator: { now: () => clock.now(), tokenTtlSeconds: 3600 } });
});
after(() => lab.close());
beforeEach(() => {
  lab.simulator.reset();
  lab.simulator.seedDcmServers({ count: 30, tagged: 25 });
});

describe('Keystone authentication', () => {
  for (const auth of ['password', 'application-credential'] as const) {
    test(`${auth}: one project-scoped token lists the 25 managed servers with their instance ids`, async () => {
      const { connection } = connectOpenstack(lab.endpointInput({ auth }), {}, clock);
      const { instances } = await listServers(connection);
      assert.equal(instances.length, 25);
      assert.ok(instances.every((instance) => /^inst-\d{5}$/.test(instance.instanceId ?? '') && instance.rawState === 'ACTIVE'));
      assert.equal(lab.simulator.tokenCounters().issued, 1);
      assert.equal(lab.simulator.stats().byRoute[tokenRoute], 1);
      await connection.close();
    });
  }

  test('refused credentials: PLATFORM_AUTH naming the endpoint and what to check, never the password', async () => {
    const { connection, logLines } = connectOpenstack(lab.endpointInput({ name: 'os-badpass', password: 'Wrong-Passw0rd-Value' }), {}, clock);
    const error = await listServers(connection).then(
      () => assert.fail('the listing should fail'),
      (thrown: unknown) => thrown as { code: string; message: string },
    );
    assert.equal(error.code, ErrorCode.PlatformAuth);
    assert.match(error.message, /^openstack endpoint os-badpass: POST \/identity\/v3\/auth\/tokens answered HTTP 401 \(Unauthorized: The request you have made requires authentication\.\)/);
    assert.match(error.message, /check credentials\.username/);
    assert.doesNotMatch(error.message + logLines.join(''), /Wrong-Passw0rd-Value/);
    assert.equal(lab.simulator.tokenCounters().failedAuth, 1);
    await connection.close();
  });
});

describe('token reuse and renewal', () => {
  test('100 polls within a token lifetime: 1 token request', async () => {
    const { connection } = connectOpenstack(lab.endpointInput(), {}, clock);
    for (let poll = 0; poll < 100; poll++) {
      assert.equal((await listServers(connection)).instances.length, 25);
      await clock.advance(10_000);
    }
    const stats = lab.simulator.stats();
    console.log(`100 polls over ${100 * 10} s of a 3600 s token: ${stats.byRoute[tokenRoute]} token request(s), ${stats.byRoute[listRoute]} list requests`);
    assert.equal(lab.simulator.tokenCounters().issued, 1);
    assert.equal(stats.byRoute[listRoute], 100);
    await connection.close();
  });

  test('a token near its expiry (injected clock) is renewed once, before Nova refuses it', async () => {
    const { connection, logLines } = connectOpenstack(lab.endpointInput(), {}, clock);
    await listServers(connection);
    await clock.advance(3600_000 - 6 * 60_000);
    await listServers(connection);
    assert.equal(lab.simulator.tokenCounters().issued, 1, 'outside the 5 min margin: same token');
    await clock.advance(2 * 60_000);
    await listServers(connection);
    await listServers(connection);
    assert.deepEqual([lab.simulator.tokenCounters().issued, lab.simulator.tokenCounters().rejected], [2, 0], 'one proactive renewal, no 401');
    assert.ok(logLines.some((line) => line.includes('due for renewal')));
    await connection.close();
  });

  test('a token revoked between page 1 and page 2: page 2 gets a 401, one re-authentication, the poll succeeds', async () => {
    lab.simulator.seedDcmServers({ count: 2500, tagged: 2500, firstInstanceNumber: 100 });
    const { connection } = connectOpenstack(lab.endpointInput(), {}, clock);
    lab.simulator.failListingPage(2, { kind: 'revokeToken' });
    const { instances } = await listServers(connection);
    assert.equal(instances.length, 2525);
    const counters = lab.simulator.tokenCounters();
    assert.deepEqual([counters.issued, counters.rejected, counters.revoked], [2, 1, 1]);
    assert.equal(lab.simulator.stats().byRoute[listRoute], 4, '3 pages + the one retried page');
    await connection.close();
  });

  test('every token revoked between polls: the next poll re-authenticates once; a second 401 is not retried again', async () => {
    const { connection } = connectOpenstack(lab.endpointInput(), {}, clock);
    await listServers(connection);
    lab.simulator.revokeAllTokens();
    assert.equal((await listServers(connection)).instances.length, 25);
    assert.equal(lab.simulator.tokenCounters().issued, 2);
    // Nova refusing every token (e.g. a broken keystonemiddleware): one retry, then the 401 is the poll's error.
    lab.simulator.faults.set([{ kind: 'http5xx', status: 401, scope: { route: listRoute } }]);
    await assert.rejects(listServers(connection), { code: ErrorCode.PlatformAuth });
    assert.equal(lab.simulator.tokenCounters().issued, 3);
    await connection.close();
  });

  test('close() releases the connection without revoking the token; a closed connection lists nothing', async () => {
    const { connection } = connectOpenstack(lab.endpointInput(), {}, clock);
    await listServers(connection);
    await connection.close();
    await connection.close();
    assert.equal(lab.simulator.tokenCounters().revoked, 0);
    await assert.rejects(listServers(connection), { code: ErrorCode.PollAborted });
    assert.equal(lab.simulator.tokenCounters().issued, 1);
  });
});
