// #15 must-show 2: three bridge processes (the built CLI, cluster.enabled with
// the documented TTLs, 10 s), 30 EC2 endpoints on one simulator process.
// One replica is SIGKILLed while instances change state on the platform:
// the simulator sees each of its endpoints polled by another replica within
// 15 s, and DCM's JetStream stream carries every transition exactly once,
// ending on each instance's platform state.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useHarness } from '../support/harness.js';
import { checkDcmAgainstPlatform, startMatchedFleet, until } from '../support/replica-fleet.js';

const harness = useHarness();
const failoverBoundMs = 15_000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('SIGKILL one of three replicas while states change: its endpoints are polled by the others within 15 s, and DCM gets every transition once', { timeout: 240_000 }, async (t) => {
  const { fleet, dcmMatchesPlatform, marker, markerAt } = await startMatchedFleet(harness(), (dispose) => t.after(dispose), { replicas: 3, endpoints: 30, instancesPerEndpoint: 2 });

  // Not the replica that started the cluster: the founder is among those taking over, and a take-over must not resync.
  const victim = [1, 2].find((replica) => replica !== fleet.founder()) as number;
  const owners = await Promise.all(fleet.endpoints.map((endpoint) => fleet.ownerOf(endpoint, 0)));
  const victimEndpoints = fleet.endpoints.filter((_, index) => owners[index]?.replica === fleet.replicaIds[victim]);
  const otherEndpoints = fleet.endpoints.filter((endpoint) => !victimEndpoints.includes(endpoint));
  assert.ok(victimEndpoints.length > 0, 'the victim polls some endpoints');

  // Changes just before the kill (the victim may or may not have published them) and while its endpoints wait for a new owner.
  for (const endpoint of [...victimEndpoints, ...otherEndpoints.slice(0, 3)]) await fleet.setState(`${endpoint}-i1`, 'stopped');
  await sleep(2000);
  const killedAt = Date.now();
  const killed = await fleet.bridges[victim]!.stop('SIGKILL');
  assert.equal(killed.signal, 'SIGKILL');
  await sleep(3000);
  for (const endpoint of [...victimEndpoints, ...otherEndpoints.slice(3, 6)]) await fleet.setState(`${endpoint}-i2`, 'stopped');

  // Measured at the simulator: the first request of each of the victim's endpoints under another replica's key.
  const takenOverAfter = new Map<string, number>();
  await until(
    `every endpoint of ${fleet.replicaIds[victim]} is polled by another replica`,
    () => {
      for (const poll of fleet.polls()) {
        if (poll.at > killedAt && poll.replica !== victim && victimEndpoints.includes(poll.endpoint) && !takenOverAfter.has(poll.endpoint)) takenOverAfter.set(poll.endpoint, poll.at - killedAt);
      }
      return takenOverAfter.size === victimEndpoints.length;
    },
    60_000,
  );
  for (const [endpoint, afterMs] of takenOverAfter) assert.ok(afterMs <= failoverBoundMs, `${endpoint} was polled again ${afterMs} ms after the SIGKILL (bound ${failoverBoundMs} ms)`);
  assert.equal(fleet.polls().filter((poll) => poll.at > killedAt + 1000 && poll.replica === victim).length, 0, 'the killed replica polled nothing more');

  // Once the new owners reported the stops, some instances start again: transitions published by the new owners only.
  await until('DCM heard of the stops', dcmMatchesPlatform, 30_000);
  for (const endpoint of victimEndpoints) await fleet.setState(`${endpoint}-i1`, 'running');
  await until('DCM heard of the restarts', dcmMatchesPlatform, 30_000);
  // One more interval: a late duplicate or a stale state would land now.
  await sleep(12_000);

  const messages = await harness().dcm.messages();
  const check = checkDcmAgainstPlatform(messages, fleet.instances, marker, markerAt);
  assert.deepEqual(check.problems, [], 'DCM saw every transition once and ends on the platform state');
  assert.equal(check.eventsAfterMarker, check.transitionsAfterMarker);
  const survivors = await Promise.all([0, 1, 2].filter((replica) => replica !== victim).map((replica) => fleet.clusterMetrics(replica)));
  for (const metrics of survivors) assert.equal(metrics.members, 2, 'the survivors count two members');
  assert.equal(survivors[0]!.owned + survivors[1]!.owned, 30, 'the two survivors hold all 30 endpoints');

  const delays = [...takenOverAfter.values()];
  console.log(
    `SIGKILL of ${fleet.replicaIds[victim]} (${victimEndpoints.length} endpoints, memberTtl/leaseTtl 10 s): polled again by the others after ` +
      `${(Math.min(...delays) / 1000).toFixed(1)}-${(Math.max(...delays) / 1000).toFixed(1)} s; ${check.transitionsAfterMarker} transitions, ${check.eventsAfterMarker} events after the marker, ${messages.length} in the stream, no id twice`,
  );
});
