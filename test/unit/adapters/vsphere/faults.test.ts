import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RawInstance } from '../../../../src/adapter/index.js';
import { ErrorCode, isBridgeError, type BridgeError } from '../../../../src/errors/index.js';
import type { FaultSpec } from '../../../simulators/common/index.js';
import { connectVsphere, listAll, startVsphereLab, type LabConnection, type VsphereLab } from '../../../support/vsphere-lab.js';

const vmCount = 2500;
let lab: VsphereLab;
before(async () => {
  lab = await startVsphereLab();
  lab.simulator.seedDcmVms({ count: vmCount, tagged: vmCount });
});
after(() => lab.close());

/** Lists with `fault` armed on the second VM-list call vCenter receives; returns the pages seen and the error. */
async function listWithFaultOnSecondVmCall(connection: LabConnection, fault: FaultSpec): Promise<{ pages: (readonly RawInstance[])[]; error: BridgeError }> {
  const pages: (readonly RawInstance[])[] = [];
  lab.simulator.faults.set([fault]);
  try {
    for await (const page of connection.connection.list(new AbortController().signal)) pages.push(page);
  } catch (error) {
    assert.ok(isBridgeError(error), `a BridgeError, got ${String(error)}`);
    return { pages, error };
  } finally {
    lab.simulator.faults.clear();
  }
  assert.fail(`the listing ended normally with ${pages.flat().length} of ${vmCount} VMs despite ${fault.kind}`);
}

for (const apiFlavor of ['api', 'rest'] as const) {
  describe(`/${apiFlavor}`, () => {
    const vmList = `GET /${apiFlavor}/vcenter/vm`;
    // The second VM-list call: page 2 when calls go one at a time.
    const once = { type: 'next', count: 1, skip: 1 } as const;
    const cases: { fault: FaultSpec; code: ErrorCode; message: RegExp; retryAfterMs?: number }[] = [
      { fault: { kind: 'http5xx', status: 500, scope: { route: vmList }, trigger: once }, code: ErrorCode.PlatformHttp, message: /answered HTTP 500 \(INTERNAL_SERVER_ERROR/ },
      { fault: { kind: 'http5xx', status: 503, scope: { route: vmList }, trigger: once }, code: ErrorCode.PlatformHttp, message: /answered HTTP 503 \(SERVICE_UNAVAILABLE/ },
      { fault: { kind: 'throttle429', retryAfterSeconds: 7, scope: { route: vmList }, trigger: once }, code: ErrorCode.PlatformThrottled, message: /answered HTTP 429 .*; retry after 7 s$/, retryAfterMs: 7000 },
      { fault: { kind: 'latencyMs', delayMs: 1500, scope: { route: vmList }, trigger: once }, code: ErrorCode.PlatformTimeout, message: /got no complete answer within 0.4 s/ },
      { fault: { kind: 'truncateBody', style: 'destroyMidBody', scope: { route: vmList }, trigger: once }, code: ErrorCode.PlatformPayload, message: /answered HTTP 200 with a body cut off before its end/ },
      { fault: { kind: 'truncateBody', style: 'halfJson', scope: { route: vmList }, trigger: once }, code: ErrorCode.PlatformPayload, message: /answered HTTP 200 with a body that is not valid JSON/ },
      { fault: { kind: 'dropConnection', scope: { route: vmList }, trigger: once }, code: ErrorCode.PlatformUnreachable, message: /failed: / },
    ];

    // One VM-list call at a time (page 2 is the second call), and the default 8 in flight (the second call vCenter receives may be any page's).
    let sequential: LabConnection;
    let connection: LabConnection;
    before(async () => {
      sequential = connectVsphere(lab.endpointInput({ apiFlavor }), { requestTimeoutMs: 400, concurrency: 1 });
      connection = connectVsphere(lab.endpointInput({ apiFlavor }), { requestTimeoutMs: 400 });
      for (const open of [sequential, connection]) assert.equal((await listAll(open.connection)).length, vmCount, 'a healthy first poll warms the caches');
    });
    after(async () => {
      await sequential.connection.close();
      await connection.connection.close();
    });

    for (const expected of cases) {
      const label = `${expected.fault.kind}${'style' in expected.fault && expected.fault.style ? ` (${expected.fault.style})` : ''}${'status' in expected.fault ? ` ${expected.fault.status}` : ''}`;
      const checkError = (error: BridgeError): void => {
        assert.equal(error.code, expected.code);
        assert.match(error.message, new RegExp(`^vsphere endpoint vc-lab: GET /${apiFlavor}/vcenter/vm `));
        assert.match(error.message, expected.message);
        assert.equal(error.context.endpoint, 'vc-lab');
        assert.equal(error.context.retryAfterMs, expected.retryAfterMs);
        if (expected.code !== ErrorCode.PlatformTimeout && expected.code !== ErrorCode.PlatformUnreachable) assert.ok(typeof error.context.status === 'number');
      };
      test(`${label} on page 2 → ${expected.code} naming the endpoint, not a short list; the next poll recovers`, async () => {
        const { pages, error } = await listWithFaultOnSecondVmCall(sequential, expected.fault);
        assert.equal(pages.length, 1, 'the failure ends the listing with a throw');
        checkError(error);
        assert.equal((await listAll(sequential.connection)).length, vmCount);
      });
      test(`${label} on one of the VM-list calls in flight together → ${expected.code} after the pages before it, never a complete-looking list`, async () => {
        const { pages, error } = await listWithFaultOnSecondVmCall(connection, expected.fault);
        assert.ok(pages.length < 3, `${pages.length} of 3 pages before the throw`);
        checkError(error);
        assert.equal((await listAll(connection.connection)).length, vmCount);
      });
    }

    test('a fault on a tagging call fails the listing before any page', async () => {
      lab.simulator.faults.set([{ kind: 'http5xx', status: 502, scope: { pathPrefix: `/${apiFlavor === 'api' ? 'api/cis' : 'rest/com/vmware/cis'}/tagging/tag-association` }, trigger: { type: 'next', count: 1 } }]);
      const pages: unknown[] = [];
      await assert.rejects(
        (async () => {
          for await (const page of connection.connection.list(new AbortController().signal)) pages.push(page);
        })(),
        { code: ErrorCode.PlatformHttp, message: /^vsphere endpoint vc-lab: POST \/.*tag-association answered HTTP 502/ },
      );
      assert.equal(pages.length, 0);
      lab.simulator.faults.clear();
    });

    test('sessions expiring mid-listing: one new login and the listing completes', async () => {
      const logins = lab.simulator.sessionCounters().logins;
      const pages: unknown[] = [];
      // One call at a time: the third page's call starts only after the expiry.
      for await (const page of sequential.connection.list(new AbortController().signal)) {
        pages.push(page);
        if (pages.length === 1) lab.simulator.expireAllSessions();
      }
      assert.equal(pages.length, 3);
      assert.equal(lab.simulator.sessionCounters().logins, logins + 1);
    });

    test('aborting the poll mid-listing → POLL_ABORTED', async () => {
      const controller = new AbortController();
      lab.simulator.faults.set([{ kind: 'latencyMs', delayMs: 300, scope: { route: vmList } }]);
      setTimeout(() => controller.abort(new Error('shutting down')), 100);
      await assert.rejects(listAll(connection.connection, controller.signal), { code: ErrorCode.PollAborted, message: /was aborted: shutting down/ });
      lab.simulator.faults.clear();
    });
  });
}

test('429 is reported to the request hook as throttled', async () => {
  const connection = connectVsphere(lab.endpointInput());
  lab.simulator.faults.set([{ kind: 'throttle429', retryAfterSeconds: 2, scope: { route: 'POST /api/session' }, trigger: { type: 'next', count: 1 } }]);
  await assert.rejects(listAll(connection.connection), { code: ErrorCode.PlatformThrottled });
  assert.deepEqual(connection.requests, [{ status: 429, throttled: true }]);
  await connection.connection.close();
});
