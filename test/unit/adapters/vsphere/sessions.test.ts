import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode } from '../../../../src/errors/index.js';
import { connectVsphere, listAll, startVsphereLab, type VsphereLab } from '../../../support/vsphere-lab.js';

let lab: VsphereLab;
// Runs inside the simulator's latency hook, i.e. while a faulted request is held.
let onHeldRequest: (() => unknown) | undefined;
before(async () => {
  lab = await startVsphereLab({ simulator: { delay: async () => void (await onHeldRequest?.()) } });
});
after(() => lab.close());
beforeEach(() => {
  lab.simulator.reset();
  onHeldRequest = undefined;
  lab.simulator.seedDcmVms({ count: 30, tagged: 25 });
});

const loginRoute = { api: 'POST /api/session', rest: 'POST /rest/com/vmware/cis/session' } as const;

for (const apiFlavor of ['api', 'rest'] as const) {
  describe(`/${apiFlavor}`, () => {
    test('100 polls use one session; close() logs it out', async () => {
      const { connection } = connectVsphere(lab.endpointInput({ apiFlavor }));
      for (let poll = 0; poll < 100; poll++) assert.equal((await listAll(connection)).length, 25);
      const counters = lab.simulator.sessionCounters();
      console.log(`/${apiFlavor}: 100 polls → ${counters.logins} login(s), ${lab.simulator.stats().total} requests`);
      assert.equal(counters.logins, 1);
      assert.equal(counters.active, 1);
      await connection.close();
      await connection.close();
      assert.deepEqual({ ...lab.simulator.sessionCounters(), expired: 0 }, { logins: 1, failedLogins: 0, logouts: 1, expired: 0, active: 0 });
      assert.equal(lab.simulator.stats().byRoute[loginRoute[apiFlavor].replace('POST', 'DELETE')], 1);
      await assert.rejects(listAll(connection), { code: ErrorCode.PollAborted }, 'a closed connection does not log in again');
      assert.equal(lab.simulator.sessionCounters().logins, 1);
    });

    test('an expired session: exactly one new login, and the poll succeeds', async () => {
      const { connection } = connectVsphere(lab.endpointInput({ apiFlavor }));
      await listAll(connection);
      lab.simulator.expireAllSessions();
      assert.equal((await listAll(connection)).length, 25);
      assert.equal(lab.simulator.sessionCounters().logins, 2);
      await connection.close();
      assert.equal(lab.simulator.sessionCounters().active, 0);
    });
  });
}

test('a session expiring while 8 tag lookups are in flight: their 401s share one new login', async () => {
  const { connection } = connectVsphere(lab.endpointInput({ apiFlavor: 'api' }));
  await listAll(connection);
  // 200 new instances: the next poll looks up 200 tag names, 8 at a time.
  lab.simulator.seedDcmVms({ count: 200, tagged: 200 });
  lab.simulator.resetStats();
  lab.simulator.faults.set([{ kind: 'latencyMs', delayMs: 1, scope: { route: 'GET /api/cis/tagging/tag/{tag_id}' }, trigger: { type: 'next', count: 1 } }]);
  // Expire at once, then hold this request while the other lookups run into the 401.
  onHeldRequest = async () => {
    lab.simulator.expireAllSessions();
    await new Promise((resolve) => setTimeout(resolve, 50));
  };
  assert.equal((await listAll(connection)).length, 225);
  const unauthorized = connectionRequests(lab);
  console.log(`concurrent 401s: ${unauthorized} requests answered 401, ${lab.simulator.sessionCounters().logins} logins in all`);
  assert.ok(unauthorized > 1, 'several requests saw the expired session');
  assert.equal(lab.simulator.sessionCounters().logins, 2, 'one login, then one shared re-login');
  await connection.close();
  assert.equal(lab.simulator.sessionCounters().active, 0, 'no session leaked');
});

/** Tag lookups of the second poll sent more than once (the retries after a 401); 26 tags were known from the first. */
function connectionRequests(running: VsphereLab): number {
  const stats = running.simulator.stats();
  const tags = running.simulator.inventory.listTags().length - 26;
  return (stats.byRoute['GET /api/cis/tagging/tag/{tag_id}'] ?? 0) - tags;
}

test('a session refused again right after the new login: PLATFORM_AUTH, no login loop', async () => {
  const { connection } = connectVsphere(lab.endpointInput({ apiFlavor: 'api' }));
  await listAll(connection);
  lab.simulator.faults.set([{ kind: 'latencyMs', delayMs: 1, scope: { route: 'GET /api/vcenter/vm' } }]);
  onHeldRequest = () => lab.simulator.expireAllSessions();
  await assert.rejects(listAll(connection), { code: ErrorCode.PlatformAuth, message: /^vsphere endpoint vc-lab: GET \/api\/vcenter\/vm answered HTTP 401 \(UNAUTHENTICATED/ });
  assert.equal(lab.simulator.sessionCounters().logins, 2, 'one retry only');
  await connection.close();
});

test('wrong password: PLATFORM_AUTH naming the endpoint, never the password; retried on the next poll', async () => {
  const { connection, logLines } = connectVsphere(lab.endpointInput({ password: 'Wrong-Secret-Pass' }));
  for (let poll = 0; poll < 2; poll++) {
    await assert.rejects(listAll(connection), (error: Error & { code?: string; toJSON?: () => unknown }) => {
      assert.equal(error.code, ErrorCode.PlatformAuth);
      assert.match(error.message, /^vsphere endpoint vc-lab: POST \/api\/session answered HTTP 401 .*check credentials.username and credentials.password/);
      assert.doesNotMatch(JSON.stringify(error.toJSON?.()) + error.message + logLines.join(''), /Wrong-Secret-Pass|V3Jvbmct/);
      return true;
    });
  }
  assert.equal(lab.simulator.sessionCounters().failedLogins, 2);
  assert.equal(lab.simulator.stats().byRoute[loginRoute.rest], undefined, 'a refused /api login is not a reason to try /rest');
  await connection.close();
});

test('auto on a 7.0 U2+ vCenter: /api, probed once', async () => {
  const { connection } = connectVsphere(lab.endpointInput({ apiFlavor: 'auto' }));
  for (let poll = 0; poll < 3; poll++) await listAll(connection);
  lab.simulator.expireAllSessions();
  await listAll(connection);
  const stats = lab.simulator.stats();
  assert.equal(stats.byRoute[loginRoute.api], 2);
  assert.ok(Object.keys(stats.byRoute).every((route) => !route.includes('/rest/')), 'nothing sent to /rest');
  await connection.close();
});

/** A vCenter before 7.0 U2: the simulator behind a proxy that answers 404 to everything under /api. */
async function withoutApiFlavor(): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(lab.url);
  const proxy: Server = createServer((req, res) => {
    if ((req.url ?? '').startsWith('/api/')) {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html><body>404 Not Found</body></html>');
      return;
    }
    const forward = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        proxy.closeAllConnections();
      }),
  };
}

test('auto on a 6.5–7.0 vCenter: /api answers 404, /rest is used from then on', async () => {
  const old = await withoutApiFlavor();
  const { connection, logLines } = connectVsphere(lab.endpointInput({ apiFlavor: 'auto', url: old.url }));
  for (let poll = 0; poll < 3; poll++) assert.equal((await listAll(connection)).length, 25);
  lab.simulator.expireAllSessions();
  assert.equal((await listAll(connection)).length, 25);
  assert.equal(lab.simulator.stats().byRoute[loginRoute.rest], 2, 'one login, one after the expiry');
  assert.equal(lab.simulator.stats().byRoute[loginRoute.api], undefined, 'the probe stopped at the proxy');
  assert.equal(logLines.filter((line) => line.includes('using the /rest flavor')).length, 1, 'probed once');
  await connection.close();
  assert.equal(lab.simulator.sessionCounters().active, 0);
  await old.close();
});

test('apiFlavor: rest on a vCenter without /api works; apiFlavor: api there fails with the 404', async () => {
  const old = await withoutApiFlavor();
  const rest = connectVsphere(lab.endpointInput({ apiFlavor: 'rest', url: old.url }));
  assert.equal((await listAll(rest.connection)).length, 25);
  await rest.connection.close();
  const api = connectVsphere(lab.endpointInput({ apiFlavor: 'api', url: old.url }));
  await assert.rejects(listAll(api.connection), { code: ErrorCode.PlatformHttp, message: /POST \/api\/session answered HTTP 404/ });
  await api.connection.close();
  await old.close();
});
