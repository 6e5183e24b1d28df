// #15 must-show 4: three bridge processes (the built CLI, cluster.enabled).
// Endpoints registered over replica A's HTTP API are polled by their
// rendezvous owner within 2 s of the API call, counted at the EC2 simulator
// process; deleted over replica B's API, their polling stops within 2 s.
// One registration is owned by each replica, so the ones owned by B and by
// the third replica reach their owner only through Redis (the registration
// notice), and the deletions made on B reach A and the third one the same way.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rendezvousOwner } from '../../src/cluster/index.js';
import { useHarness } from '../support/harness.js';
import { registrationAccessKeyId, REPLICA_SECRET_ACCESS_KEY } from '../support/replica-fleet-keys.js';
import { lastStatusById, metricValue, registrationEndpointName, startReplicaFleet, until, type ReplicaFleet } from '../support/replica-fleet.js';

const harness = useHarness();
const writeToken = 'replica-test-write-token-0123456789';
const boundMs = 2000;
const registrationKeys = 20;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A replica's counter for one endpoint, from its `/metrics`. */
async function endpointCounter(fleet: ReplicaFleet, replica: number, name: string, endpoint: string): Promise<number> {
  const text = await (await fetch(`${fleet.bridges[replica]?.apiUrl}/metrics`)).text();
  return metricValue(text.split('\n').filter((line) => line.includes(`endpoint="${endpoint}"`)).join('\n'), name);
}

test('a registration made on replica A is polled by its owner within 2 s; deleted on replica B, its polling stops within 2 s', { timeout: 180_000 }, async (t) => {
  const fleet = await startReplicaFleet(harness(), {
    replicas: 3,
    endpoints: 30,
    instancesPerEndpoint: 1,
    registrations: registrationKeys,
    // The simulator is on loopback, which registrations may only target when the operator allows it; every replica decrypts with the same key.
    api: `writeToken: "\${env:API_WRITE_TOKEN}", allowPrivateTargets: true, credentialKeys: ["k1:\${env:CREDENTIAL_KEY}"]`,
    env: { API_WRITE_TOKEN: writeToken, CREDENTIAL_KEY: Buffer.alloc(32, 7).toString('base64') },
  });
  t.after(() => fleet.dispose());
  await fleet.settled();
  const [replicaA, replicaB] = [0, 1];

  // One registration per owner, picked with the bridges' own rendezvous function over the three live members.
  const picked = fleet.replicaIds.map((replicaId) => {
    const number = Array.from({ length: registrationKeys }, (_, index) => index).find((index) => rendezvousOwner(fleet.replicaIds, registrationEndpointName(index)) === replicaId);
    assert.ok(number !== undefined, `one of ${registrationKeys} ids belongs to ${replicaId}`);
    return { number, name: registrationEndpointName(number), owner: fleet.replicaIds.indexOf(replicaId) };
  });
  for (const { name } of picked) await fleet.addInstances(name, 1);

  const figures: string[] = [];
  for (const { number, name, owner } of picked) {
    const requestedAt = Date.now();
    const created = await fetch(`${fleet.bridges[replicaA]?.apiUrl}/api/v1alpha1/endpoints?id=${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writeToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        platform: 'ec2',
        url: fleet.simulatorUrl,
        region: 'us-east-1',
        interval_seconds: 10,
        credentials: { access_key_id: registrationAccessKeyId(number), secret_access_key: REPLICA_SECRET_ACCESS_KEY },
        selector: { managed_by_value: `dcm-${name}` },
      }),
    });
    assert.equal(created.status, 201, await created.text());
    await until(`${name} is polled`, () => fleet.polls().some((poll) => poll.endpoint === name), 15_000);
    const firstPollMs = (fleet.polls().find((poll) => poll.endpoint === name)?.at ?? Infinity) - requestedAt;
    assert.ok(firstPollMs <= boundMs, `${name} (registered on ${fleet.replicaIds[replicaA]}, owned by ${fleet.replicaIds[owner]}) was first polled ${firstPollMs} ms after the API call`);

    // Its owner polled it, no one else: every replica names the owner, and only the owner's metrics count its requests.
    await until(`${name}'s first poll is counted`, async () => (await endpointCounter(fleet, owner, 'dcm_bridge_platform_requests_total', name)) > 0, 5000);
    for (let asked = 0; asked < 3; asked++) {
      assert.equal((await fleet.ownerOf(name, asked))?.replica, fleet.replicaIds[owner], `${fleet.replicaIds[asked]} names ${name}'s owner`);
      if (asked !== owner) assert.equal(await endpointCounter(fleet, asked, 'dcm_bridge_platform_requests_total', name), 0, `${fleet.replicaIds[asked]} sent ${name} no request`);
    }
    figures.push(`${name} (owner ${fleet.replicaIds[owner]}) polled ${firstPollMs} ms after the POST`);
  }
  await until('DCM heard of the registered endpoints\' instances', async () => {
    const last = lastStatusById(await harness().dcm.messages());
    return picked.every(({ name }) => last.get(`${name}-i1`) === 'RUNNING');
  });

  // Deleted mid-interval on replica B: each owner stops within 2 s (its release is logged), and the simulator hears nothing more for longer than an interval.
  await sleep(3000);
  const deletedAt = new Map<string, number>();
  for (const { name } of picked) {
    deletedAt.set(name, Date.now());
    const deleted = await fetch(`${fleet.bridges[replicaB]?.apiUrl}/api/v1alpha1/endpoints/${name}`, { method: 'DELETE', headers: { authorization: `Bearer ${writeToken}` } });
    assert.equal(deleted.status, 204, await deleted.text());
  }
  for (const { name, owner } of picked) {
    const released = await until(
      `${fleet.replicaIds[owner]} stops polling ${name}`,
      () => fleet.bridges[owner]?.logLines().some((line) => line['endpoint'] === name && line['reason'] === 'removed' && String(line['msg']).startsWith('no longer polling')) === true,
      10_000,
    );
    const line = fleet.bridges[owner]?.logLines().find((entry) => entry['endpoint'] === name && entry['reason'] === 'removed');
    const stoppedMs = Date.parse(String(line?.['time'])) - (deletedAt.get(name) as number);
    assert.ok(stoppedMs <= boundMs, `${fleet.replicaIds[owner]} stopped polling ${name} ${stoppedMs} ms after the DELETE on ${fleet.replicaIds[replicaB]} (seen after ${released} ms)`);
    figures.push(`${name} (owner ${fleet.replicaIds[owner]}) stopped ${stoppedMs} ms after the DELETE`);
  }
  const lastDelete = Math.max(...deletedAt.values());
  await sleep(Math.max(0, lastDelete + boundMs + 12_000 - Date.now()));
  await fleet.caughtUp();
  for (const { name } of picked) {
    const late = fleet.polls().filter((poll) => poll.endpoint === name && poll.at > (deletedAt.get(name) as number) + boundMs);
    assert.deepEqual(late, [], `${name} was polled after its deletion`);
  }
  for (let replica = 0; replica < 3; replica++) assert.equal((await fleet.clusterMetrics(replica)).members, 3);
  console.log(`registered on ${fleet.replicaIds[replicaA]}, deleted on ${fleet.replicaIds[replicaB]}: ${figures.join('; ')}`);
});
