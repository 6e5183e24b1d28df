// #15 must-show 3: three bridge processes (the built CLI, cluster.enabled with
// the documented TTLs, 10 s), 30 EC2 endpoints on one simulator process.
// One replica is frozen (SIGSTOP) past its lease while instances of its
// endpoints change; the others take its leases over (Redis holds their
// higher tokens) and report the changes. Resumed (SIGCONT), the frozen
// replica's overdue polls try to write under the old tokens and Redis
// refuses them (LEASE_LOST in its log, naming the new holder); it rejoins
// and polls again only under new leases, and DCM's last event per instance
// is the platform's state, every transition once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useHarness } from '../support/harness.js';
import { checkDcmAgainstPlatform, startMatchedFleet, until, DCM_STATUS_OF } from '../support/replica-fleet.js';
import { redisCommand } from '../support/servers.js';

const harness = useHarness();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** Past the lease (10 s) and past every poll the frozen replica had scheduled (interval 10 s), so each one is overdue when it wakes. */
const frozenAtLeastMs = 16_000;

test('SIGSTOP a replica past its lease, then SIGCONT: its writes are refused with LEASE_LOST under the new holder\'s token, and DCM ends on the platform state', { timeout: 240_000 }, async (t) => {
  const { fleet, dcmMatchesPlatform, marker, markerAt } = await startMatchedFleet(harness(), (dispose) => t.after(dispose), { replicas: 3, endpoints: 30, instancesPerEndpoint: 2 });

  // Not the replica that started the cluster: the founder is among those taking over, and a take-over must not resync.
  const frozen = [2, 1].find((replica) => replica !== fleet.founder()) as number;
  const frozenId = fleet.replicaIds[frozen] as string;
  const owners = await Promise.all(fleet.endpoints.map((endpoint) => fleet.ownerOf(endpoint, 0)));
  const frozenTokens = new Map(fleet.endpoints.flatMap((endpoint, index) => (owners[index]?.replica === frozenId ? [[endpoint, owners[index]?.token as number] as const] : [])));
  const frozenEndpoints = [...frozenTokens.keys()];
  assert.ok(frozenEndpoints.length > 0, 'the frozen replica polls some endpoints');
  const leaseKey = (endpoint: string): string => `${fleet.namespace}:v2:cluster:lease:${endpoint}`;
  for (const endpoint of frozenEndpoints) assert.equal(await redisCommand(harness().redis, 'GET', leaseKey(endpoint)), `${frozenId} ${frozenTokens.get(endpoint)}`);

  const frozenPid = fleet.bridges[frozen]?.pid as number;
  const stoppedAt = Date.now();
  process.kill(frozenPid, 'SIGSTOP');
  for (const endpoint of frozenEndpoints) await fleet.setState(`${endpoint}-i1`, 'stopped');

  // The others take the leases over once they lapse: Redis holds another replica's id and a higher token.
  const holders = new Map<string, string>();
  await until(
    'every lease of the frozen replica is held by another replica',
    async () => {
      for (const endpoint of frozenEndpoints) {
        const value = await redisCommand(harness().redis, 'GET', leaseKey(endpoint));
        const [replica, token] = value.trim().split(' ');
        if (replica && replica !== frozenId && Number(token) > (frozenTokens.get(endpoint) as number)) holders.set(endpoint, value.trim());
      }
      return holders.size === frozenEndpoints.length;
    },
    60_000,
  );
  await until('the new holders reported the stops to DCM', dcmMatchesPlatform, 30_000);
  for (const endpoint of frozenEndpoints) await fleet.setState(`${endpoint}-i2`, 'stopped');
  await until('the new holders reported the second stops to DCM', dcmMatchesPlatform, 30_000);
  await sleep(Math.max(0, stoppedAt + frozenAtLeastMs - Date.now()));
  for (const endpoint of frozenEndpoints) assert.equal(await redisCommand(harness().redis, 'GET', leaseKey(endpoint)), holders.get(endpoint), `${endpoint}'s lease is still the new holder's`);
  const frozenForMs = Date.now() - stoppedAt;

  const bridge = fleet.bridges[frozen];
  assert.ok(bridge);
  const logLinesBefore = bridge.logLines().length;
  process.kill(frozenPid, 'SIGCONT');
  // Every endpoint it held is given up as lost: found at its first renewal, or at once after a refused write.
  const resumedLines = (): Array<Record<string, unknown>> => bridge.logLines().slice(logLinesBefore);
  const givenUp = (): string[] => [...new Set(resumedLines().flatMap((line) => (line['reason'] === 'lost' && String(line['msg']).startsWith('no longer polling') ? [String(line['endpoint'])] : [])))].sort();
  await until('the resumed replica gave up every lease it had held', () => givenUp().join() === [...frozenEndpoints].sort().join(), 15_000);
  // Its overdue polls ran before it learnt that: each one's first write (the poll start) was refused by Redis.
  const refusedNaming = new Map<string, string>();
  for (const line of resumedLines()) {
    const err = line['err'] as { code?: string; message?: string } | undefined;
    if (err?.code === 'LEASE_LOST' && String(line['msg']).startsWith('poll failed')) refusedNaming.set(String(line['endpoint']), String(err.message));
  }
  assert.ok(refusedNaming.size > 0, `the resumed replica logged LEASE_LOST:\n${bridge.stderr().slice(-3000)}`);
  for (const [endpoint, message] of refusedNaming) {
    assert.ok(frozenEndpoints.includes(endpoint), `${endpoint} was not the frozen replica's`);
    assert.ok(message.includes(`token ${frozenTokens.get(endpoint)}`), `the refusal names the old token: ${message}`);
    assert.ok(message.includes(`held as "${holders.get(endpoint)}"`), `the refusal names the new holder ${holders.get(endpoint)}: ${message}`);
  }

  // It rejoins; whatever it polls again it polls under a new lease, with a token above the one that replaced it.
  await fleet.settled(60_000);
  for (const endpoint of frozenEndpoints) {
    const owner = await fleet.ownerOf(endpoint, 0);
    if (owner?.replica === frozenId) assert.ok(owner.token > Number(holders.get(endpoint)?.split(' ')[1]), `${endpoint}: polled again under token ${owner.token}, above the take-over's ${holders.get(endpoint)}`);
  }
  for (const endpoint of frozenEndpoints) await fleet.setState(`${endpoint}-i1`, 'running');
  await until('DCM heard of the restarts', dcmMatchesPlatform, 30_000);
  await sleep(12_000);

  const messages = await harness().dcm.messages();
  const check = checkDcmAgainstPlatform(messages, fleet.instances, marker, markerAt);
  assert.deepEqual(check.problems, [], "DCM's last event per instance is the platform's state, every transition once");
  const cacheStatuses = await Promise.all(
    [...fleet.instances.values()].filter((instance) => frozenEndpoints.includes(instance.endpoint)).map(async (instance) => [instance, JSON.parse(await redisCommand(harness().redis, 'GET', `${fleet.namespace}:v2:instance:${instance.endpoint}:${instance.instanceId}`)) as unknown[]] as const),
  );
  for (const [instance, record] of cacheStatuses) assert.equal(record[2], DCM_STATUS_OF[instance.states.at(-1)?.state ?? 'running'], `${instance.dcmId}: the committed state is the platform's`);

  console.log(
    `SIGSTOP of ${frozenId} for ${(frozenForMs / 1000).toFixed(1)} s (${frozenEndpoints.length} endpoints, lease 10 s): leases taken over with higher tokens (${[...holders.values()].join(', ')}); ` +
      `after SIGCONT ${refusedNaming.size} of its polls refused with LEASE_LOST; ${check.transitionsAfterMarker} transitions, ${check.eventsAfterMarker} events after the marker`,
  );
});
