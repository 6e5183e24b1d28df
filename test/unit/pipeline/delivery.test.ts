import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { openStateCache, type StateCache } from '../../../src/cache/index.js';
import { createDiffer, type Change, type Observation } from '../../../src/diff/index.js';
import { BridgeError, ErrorCode } from '../../../src/errors/index.js';
import { createDelivery } from '../../../src/pipeline/index.js';
import { completePoll } from '../../support/complete-poll.js';
import type { EventPublisher, OutgoingEvent, PublishOutcome } from '../../../src/publisher/index.js';

const observation = (status: Observation['status']): Observation => ({ platformId: 'vm-1', instanceId: 'inst-1', status, message: status, rawState: status });

/**
 * The delivery over an in-memory cache whose next post-ack commit can be
 * made to fail, and a stand-in broker that stores ids (pure logic: it
 * answers "duplicate" for an id it stored before, as JetStream's window does).
 */
async function setup() {
  const memory = await openStateCache({ url: '', namespace: `delivery-${Math.random()}` });
  let failNextCommit = false;
  const cache: StateCache = {
    ...memory,
    async writeState(endpoint, write) {
      if (failNextCommit && write.records && write.records.length > 0) {
        failNextCommit = false;
        throw new BridgeError(ErrorCode.CacheFailed, 'state cache (redis) write failed: connection reset');
      }
      return memory.writeState(endpoint, write);
    },
  };
  const stored: OutgoingEvent[] = [];
  const publisher: EventPublisher = {
    guarantee: 'jetstream',
    publish: async (events) =>
      events.map((event): PublishOutcome => {
        const duplicate = stored.some((held) => held.id === event.id);
        if (!duplicate) stored.push(event);
        return { ok: true, duplicate };
      }),
    announce: async () => undefined,
    isConnected: () => true,
    close: async () => undefined,
  };
  const differ = createDiffer({ cache, deleteAfterMissedLists: 2, debounceMs: 0, guard: { maxShare: 0.2, minimum: 10 } });
  const delivery = createDelivery({ endpoint: 'lab', cache, publisher, logger: pino({ level: 'silent' }) });
  const toEvent = (change: Change): OutgoingEvent => {
    const id = `${change.sequence}:${change.previousStatus ?? '-'}>${change.status}`;
    return { subject: 'dcm.vm', id, body: id };
  };
  const poll = async (at: number, status: Observation['status']) => {
    const done = await completePoll(differ, delivery, { endpoint: 'lab', observedAt: at, epoch: 'e1', pages: [[observation(status)]], absence: { guardReleased: false, confirm: async () => new Map() }, toEvent });
    if (done.failure !== undefined) throw done.failure;
  };
  return { memory, poll, stored, failCommit: () => (failNextCommit = true) };
}

test('a commit that fails after the ack: the platform returns to the committed state, and DCM is told so', async () => {
  const { memory, poll, stored, failCommit } = await setup();
  await poll(1000, 'RUNNING');
  failCommit();
  await assert.rejects(poll(2000, 'STOPPED'), /connection reset/, 'the broker has STOPPED; the cache does not');
  assert.equal((await memory.readInstances('lab', ['vm-1']))[0]?.status, 'RUNNING');
  assert.equal((await memory.readOutbox('lab')).length, 1, 'the told-but-uncommitted event waits in the outbox');

  await poll(3000, 'RUNNING');
  assert.deepEqual(
    stored.map((event) => event.id),
    ['1:->RUNNING', '2:RUNNING>STOPPED', '3:STOPPED>RUNNING'],
    'DCM was told STOPPED, so it hears RUNNING again: compared with what it was told, not what was committed',
  );
  assert.equal((await memory.readInstances('lab', ['vm-1']))[0]?.sequence, 3);
  assert.deepEqual(await memory.readOutbox('lab'), []);
});

test('a fresh transition the broker calls a duplicate is not taken as acknowledged, and a new epoch begins', async () => {
  const { memory, poll, stored } = await setup();
  const epoch = (await memory.currentEpoch()).id;
  await poll(1000, 'RUNNING');
  // The stream already holds the next transition's id (published before the cache lost it).
  stored.push({ subject: 'dcm.vm', id: '2:RUNNING>STOPPED', body: 'older copy' });
  await assert.rejects(poll(2000, 'STOPPED'), /no record of publishing/);
  assert.equal((await memory.readInstances('lab', ['vm-1']))[0]?.status, 'RUNNING', 'not committed');
  assert.notEqual((await memory.currentEpoch()).id, epoch, 'a new epoch: the next ids are fresh');
  await poll(3000, 'STOPPED');
  assert.equal((await memory.readInstances('lab', ['vm-1']))[0]?.status, 'STOPPED', 'the outbox resend (a duplicate it expects) commits');
});
