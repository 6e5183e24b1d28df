import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { openStateCache } from '../../../src/cache/index.js';
import { createDiffer, type Change, type Observation } from '../../../src/diff/index.js';
import type { VmStatus } from '../../../src/normalize/index.js';
import { createDelivery } from '../../../src/pipeline/index.js';
import { completePoll } from '../../support/complete-poll.js';
import type { EventPublisher } from '../../../src/publisher/index.js';

const observation = (platformId: string, status: VmStatus): Observation => ({ platformId, instanceId: `inst-${platformId}`, status, message: `${platformId} ${status}`, rawState: status.toLowerCase() });
const summary = (changes: readonly Change[]) => changes.map((change) => `${change.platformId}:${change.previousStatus ?? '-'}>${change.status}`);

// Found by the fault suite (issue 11, scenario redis-older-snapshot): after Redis reloaded a snapshot
// older than the last commits, the first poll of the new epoch diffed against the stale records and
// sent transitions DCM (and audit subscribers reading dcmpreviousstatus) had already received,
// e.g. RUNNING→PAUSED twice. In a new epoch a change states no previous status.
test('in a new cache epoch, changes are announced without the (possibly stale) previous status; the next poll names it again', async () => {
  const cache = await openStateCache({ url: '', namespace: `test-${Math.random()}` });
  const differ = createDiffer({ cache, deleteAfterMissedLists: 1, debounceMs: 0, guard: { maxShare: 0.2, minimum: 10 } });
  // Pure logic: a broker stand-in that acknowledges everything.
  const publisher: EventPublisher = { guarantee: 'core', publish: async (events) => events.map(() => ({ ok: true as const, duplicate: false })), announce: async () => undefined, isConnected: () => true, close: async () => undefined };
  const delivery = createDelivery({ endpoint: 'lab', cache, publisher, logger: pino({ level: 'silent' }) });
  const poll = async (at: number, epoch: string, observations: Observation[]) => {
    const done = await completePoll(differ, delivery, {
      endpoint: 'lab',
      observedAt: at,
      epoch,
      pages: [observations],
      absence: { guardReleased: false, confirm: async (ids) => new Map(ids.map((id) => [id, { verdict: 'gone' as const, evidence: 'test' }])) },
      toEvent: (change) => ({ subject: 'dcm.vm', id: `${epoch}:${change.platformId}:${change.sequence}`, body: '' }),
    });
    assert.equal(done.failure, undefined);
    return done.changes;
  };

  await poll(1000, 'epoch-1', [observation('a', 'RUNNING'), observation('b', 'RUNNING')]);
  assert.deepEqual(summary(await poll(2000, 'epoch-1', [observation('a', 'STOPPED'), observation('b', 'RUNNING')])), ['a:RUNNING>STOPPED'], 'within an epoch a transition names its previous status');

  const newEpoch = await poll(3000, 'epoch-2', [observation('a', 'PAUSED')]);
  assert.deepEqual(summary(newEpoch.filter((change) => change.kind === 'transition')), ['a:->PAUSED', 'b:->DELETED'], 'the records may be stale: no previous status, for a change or a deletion');

  assert.deepEqual(summary(await poll(4000, 'epoch-2', [observation('a', 'RUNNING')])), ['a:PAUSED>RUNNING'], 'once the epoch is recorded, previous statuses are trusted again');
});
