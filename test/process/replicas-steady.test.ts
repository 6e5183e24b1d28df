// #15 must-show 1: three bridge processes (the built CLI, cluster.enabled)
// share 30 EC2 endpoints on one simulator process; counted at the simulator,
// every endpoint is polled by exactly one replica, once per interval.
// EC2 because its simulator counts requests per access key: each replica
// polls each endpoint with its own key, so the count names both the endpoint
// and the process (the bridges' own metrics are not trusted for it), and one
// poll of a few instances is one DescribeInstances request.
// The test in `npm test` watches 30 s; `npm run replicas` runs the
// 5-minute form (REPLICAS_STEADY_SECONDS=300) and prints the same table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useHarness } from '../support/harness.js';
import { startReplicaFleet } from '../support/replica-fleet.js';

const harness = useHarness();
const watchSeconds = Number(process.env['REPLICAS_STEADY_SECONDS'] ?? 30);
const intervalSeconds = 10;
/**
 * Slack on each gap between two polls of an endpoint, as the simulator sees their first requests: timer and request
 * latency on a busy 2-core machine (the suite runs a second lane beside this test; a poll's first request was seen
 * 540 ms late while the next one's was not). The floor is the interval, and a second poller splits an interval in two,
 * so one of its gaps is at most half the interval: a 1 s early slack still catches it.
 */
const gapSlackMs = { early: 1000, late: 1500 };

test(`three bridge processes, 30 endpoints: each endpoint polled by exactly one replica per ${intervalSeconds} s interval, counted at the simulator for ${watchSeconds} s`, { timeout: (watchSeconds + 120) * 1000 }, async (t) => {
  const fleet = await startReplicaFleet(harness(), { replicas: 3, endpoints: 30, instancesPerEndpoint: 2, intervalSeconds });
  t.after(() => fleet.dispose());
  await fleet.settled();

  const from = Date.now() + 1000;
  const to = from + watchSeconds * 1000;
  await new Promise((resolve) => setTimeout(resolve, to - Date.now()));
  await fleet.caughtUp();
  const polls = fleet.polls().filter((poll) => poll.at >= from && poll.at < to);

  const intervalMs = intervalSeconds * 1000;
  const rows: string[] = [];
  const pollsPerReplica = new Map<number, number>();
  let smallestGap = Infinity;
  let largestGap = 0;
  let extraRequests = 0;
  for (const endpoint of fleet.endpoints) {
    const mine = polls.filter((poll) => poll.endpoint === endpoint);
    const replicas = [...new Set(mine.map((poll) => poll.replica))];
    assert.equal(replicas.length, 1, `${endpoint} was polled by ${replicas.length} replicas: ${JSON.stringify(mine)}`);
    const replica = replicas[0] as number;
    pollsPerReplica.set(replica, (pollsPerReplica.get(replica) ?? 0) + mine.length);
    extraRequests += mine.reduce((sum, poll) => sum + poll.requests - 1, 0);

    // Once per interval: the first poll within an interval of the window's start, the last within one of its end, one interval between each two.
    const times = mine.map((poll) => poll.at);
    assert.ok((times[0] ?? Infinity) - from <= intervalMs + gapSlackMs.late, `${endpoint}: first poll ${(times[0] ?? Infinity) - from} ms into the window`);
    assert.ok(to - (times.at(-1) ?? -Infinity) <= intervalMs + gapSlackMs.late, `${endpoint}: last poll ${to - (times.at(-1) ?? -Infinity)} ms before the window's end`);
    const gaps = times.slice(1).map((at, index) => at - (times[index] as number));
    for (const gap of gaps) {
      assert.ok(gap >= intervalMs - gapSlackMs.early && gap <= intervalMs + gapSlackMs.late, `${endpoint}: ${gap} ms between two polls (interval ${intervalMs} ms): ${JSON.stringify(times.map((at) => at - from))}`);
      smallestGap = Math.min(smallestGap, gap);
      largestGap = Math.max(largestGap, gap);
    }
    // Per interval window, aligned to the endpoint's first poll (half an interval either side of each expected poll): exactly one poll each.
    const windows = Math.floor((to - (times[0] as number)) / intervalMs + 0.5);
    const perWindow = Array.from({ length: windows }, (_, k) => times.filter((at) => at >= (times[0] as number) + (k - 0.5) * intervalMs && at < (times[0] as number) + (k + 0.5) * intervalMs).length);
    assert.ok(perWindow.every((count) => count === 1), `${endpoint}: polls per interval window ${JSON.stringify(perWindow)}`);

    // The replica the simulator saw is the lease holder every replica names.
    const owners = await Promise.all(fleet.bridges.map((_, asked) => fleet.ownerOf(endpoint, asked)));
    for (const owner of owners) assert.equal(owner?.replica, fleet.replicaIds[replica], `${endpoint}: the status names ${owner?.replica}, the simulator saw ${fleet.replicaIds[replica]}`);
    rows.push(`${endpoint} ${fleet.replicaIds[replica]} ${mine.length} polls, windows ${perWindow.join('')}`);
  }
  for (let replica = 0; replica < 3; replica++) {
    assert.ok((pollsPerReplica.get(replica) ?? 0) > 0, `replica-${replica} polled some endpoints`);
    const metrics = await fleet.clusterMetrics(replica);
    assert.equal(metrics.members, 3);
  }
  // Every poll of two instances is one DescribeInstances: nothing retried, nothing asked twice.
  assert.equal(extraRequests, 0, 'one request per poll');

  console.log(rows.join('\n'));
  console.log(
    `3 replicas x 30 EC2 endpoints, interval ${intervalSeconds} s, watched ${watchSeconds} s: ${polls.length} polls ` +
      `(replica-0 ${pollsPerReplica.get(0) ?? 0}, replica-1 ${pollsPerReplica.get(1) ?? 0}, replica-2 ${pollsPerReplica.get(2) ?? 0}), ` +
      `each endpoint by one replica, gaps ${(smallestGap / 1000).toFixed(2)}-${(largestGap / 1000).toFixed(2)} s`,
  );
});
