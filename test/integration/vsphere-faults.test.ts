import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FaultSpec } from '../simulators/common/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startVsphereBridge } from '../support/vsphere-bridge.js';
import { startVsphereLab, type VsphereLab } from '../support/vsphere-lab.js';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.dispose());

for (const apiFlavor of ['api', 'rest'] as const) {
  describe(`vSphere /${apiFlavor}: platform faults fail the poll and delete nothing; a change is told once`, () => {
    const name = `vc-faults-${apiFlavor}`;
    const vmList = `GET /${apiFlavor}/vcenter/vm`;
    let lab: VsphereLab;
    before(async () => {
      lab = await startVsphereLab();
    });
    after(() => lab.close());

    test('each fault: a failed poll tells only what its complete pages showed; with the next healthy poll the change is told once; no false deletion', async () => {
      // Three VM-list pages, so a fault can strike after the first page was read.
      lab.simulator.seedDcmVms({ count: 25, tagged: 25 });
      const { bridge, events } = await startVsphereBridge(harness, [{ lab, input: { name, apiFlavor } }], { requestTimeoutMs: 500, vmBatchSize: 10 });
      assert.ok((await bridge.runOnce()).ok);
      assert.equal((await events(name)).length, 25);

      const faults: { fault: FaultSpec; code: string }[] = [
        { fault: { kind: 'http5xx', status: 500, scope: { route: vmList }, trigger: { type: 'probability', probability: 0.5 } }, code: 'PLATFORM_HTTP' },
        { fault: { kind: 'http5xx', status: 503, scope: { pathPrefix: `/${apiFlavor}` } }, code: 'PLATFORM_HTTP' },
        { fault: { kind: 'throttle429', retryAfterSeconds: 30, scope: { route: vmList } }, code: 'PLATFORM_THROTTLED' },
        { fault: { kind: 'latencyMs', delayMs: 1500, scope: { route: vmList } }, code: 'PLATFORM_TIMEOUT' },
        { fault: { kind: 'truncateBody', style: 'destroyMidBody', scope: { route: vmList } }, code: 'PLATFORM_PAYLOAD' },
        { fault: { kind: 'truncateBody', style: 'halfJson', scope: { route: vmList } }, code: 'PLATFORM_PAYLOAD' },
        { fault: { kind: 'dropConnection', scope: { route: vmList } }, code: 'PLATFORM_UNREACHABLE' },
      ];
      let expected = 25;
      for (const [index, { fault, code }] of faults.entries()) {
        const state = index % 2 === 0 ? 'POWERED_OFF' : 'POWERED_ON';
        lab.simulator.inventory.setPowerState('vm-1001', state);
        lab.simulator.faults.set([fault]);
        lab.simulator.faults.reseed(3); // the probability fault hits the second page, after the first was read
        const failed = await bridge.runOnce();
        assert.equal(failed.ok, false, `${fault.kind} fails the poll`);
        assert.equal(failed.endpoints[0]?.lastError?.code, code, failed.endpoints[0]?.lastError?.message);
        assert.match(failed.endpoints[0]?.lastError?.message ?? '', new RegExp(`^vsphere endpoint ${name}: `));
        // Pages are delivered as they are listed: a change on a page read before the fault is told now (only the
        // probability fault lets page 1 through), any other change waits for the next poll; never both.
        const toldEarly = index === 0 ? 1 : 0;
        assert.equal((await events(name)).length, expected + toldEarly, `${fault.kind}: only what complete pages showed, from a failed poll`);

        lab.simulator.faults.clear();
        assert.ok((await bridge.runOnce()).ok, `the poll after ${fault.kind} recovers`);
        const received = await events(name);
        expected += 1;
        assert.equal(received.length, expected, `exactly one event for the change across the failed and the recovering poll (${fault.kind})`);
        assert.equal(received.at(-1)?.event.data.status, state === 'POWERED_OFF' ? 'STOPPED' : 'RUNNING');
      }
      console.log(`/${apiFlavor}: ${faults.length} faults, each one failed poll then one recovering poll; ${lab.simulator.sessionCounters().logins} login(s)`);

      lab.simulator.inventory.removeVm('vm-1025');
      lab.simulator.faults.set([{ kind: 'http5xx', status: 502, scope: { route: vmList } }]);
      for (let poll = 0; poll < 3; poll++) assert.equal((await bridge.runOnce()).ok, false);
      lab.simulator.faults.clear();
      assert.ok((await bridge.runOnce()).ok);
      assert.equal((await events(name)).length, expected, 'failed polls do not count towards deletion');
      assert.ok((await bridge.runOnce()).ok);
      const received = await events(name);
      assert.equal(received.length, expected + 1);
      assert.deepEqual([received.at(-1)?.event.data.id, received.at(-1)?.event.data.status], ['inst-00025', 'DELETED']);
    });

    test('expired sessions: the poll logs in again and succeeds', async () => {
      const { bridge, events } = await startVsphereBridge(harness, [{ lab, input: { name: `${name}-sessions`, apiFlavor } }]);
      assert.ok((await bridge.runOnce()).ok);
      const before = (await events(`${name}-sessions`)).length;
      const logins = lab.simulator.sessionCounters().logins;
      lab.simulator.expireAllSessions();
      lab.simulator.inventory.setPowerState('vm-1002', 'SUSPENDED');
      assert.ok((await bridge.runOnce()).ok);
      assert.equal(lab.simulator.sessionCounters().logins, logins + 1);
      const received = await events(`${name}-sessions`);
      assert.equal(received.length, before + 1);
      assert.equal(received.at(-1)?.event.data.status, 'PAUSED');
    });
  });
}
