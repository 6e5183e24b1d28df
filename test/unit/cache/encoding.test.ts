import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { IndexEntry, InstanceRecord, OutboxEntry } from '../../../src/cache/index.js';
import { decodeIndexEntry, decodeOutboxEntry, decodeRecord, encodeIndexEntry, encodeOutboxEntry, encodeRecord } from '../../../src/cache/encoding.js';
import { vmStatuses } from '../../../src/normalize/index.js';

const dnsLabel = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/);
const record = fc.record(
  {
    platformId: fc.string({ minLength: 1 }),
    instanceId: dnsLabel,
    status: fc.constantFrom(...vmStatuses),
    message: fc.string({ unit: 'binary' }),
    rawState: fc.option(fc.string({ unit: 'binary' }), { nil: null }),
    name: fc.string({ unit: 'binary' }),
    sequence: fc.nat(),
    observedTime: fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
    lastTransitionTime: fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  },
  { requiredKeys: ['platformId', 'instanceId', 'status', 'message', 'rawState', 'sequence', 'observedTime', 'lastTransitionTime'], noNullPrototype: true },
) as fc.Arbitrary<InstanceRecord>;

test('records, index entries and outbox entries read back exactly as written, whatever their texts hold', () => {
  fc.assert(
    fc.property(record, fc.nat(), fc.boolean(), fc.string({ unit: 'binary' }), (written, missedLists, leavesIndex, body) => {
      assert.deepEqual(decodeRecord(written.platformId, encodeRecord(written)), written);
      for (const entry of [{ missedLists }, { missedLists, instanceId: written.instanceId }, { missedLists, instanceId: written.instanceId, status: written.status }] satisfies IndexEntry[]) {
        assert.deepEqual(decodeIndexEntry(encodeIndexEntry(entry)), entry);
      }
      const outbox: OutboxEntry = { record: written, leavesIndex, event: { subject: 'dcm.vm', id: 'id-1', body } };
      assert.deepEqual(decodeOutboxEntry(written.platformId, encodeOutboxEntry(outbox)), outbox);
    }),
    { numRuns: 500 },
  );
});

test('a record is a short array, not a keyed object with a reviver', () => {
  const written: InstanceRecord = { platformId: 'vm-1', instanceId: 'inst-1', status: 'RUNNING', message: 'VM web is running', rawState: 'poweredOn', name: 'web', sequence: 3, observedTime: '2026-12-02T00:00:00.000Z', lastTransitionTime: '2026-12-01T00:00:00.000Z' };
  assert.equal(encodeRecord(written), '["r1","inst-1","RUNNING",3,"2026-12-02T00:00:00.000Z","2026-12-01T00:00:00.000Z","poweredOn","VM web is running","web"]');
  assert.equal(encodeIndexEntry({ missedLists: 2, instanceId: 'inst-1', status: 'RUNNING' }), '2 inst-1 RUNNING');
});

test('an unreadable stored value is refused with what is wrong (the cache names the key), never read as something else', () => {
  for (const [text, problem] of [
    ['{"value":{"platformId":"vm-1"}}', /not a record of layout r1/],
    ['["r1","inst-1","SOMETHING",1,"t","t",null,"m"]', /instance id or status is not valid/],
    ['["r1","inst-1","RUNNING",-1,"t","t",null,"m"]', /sequence is not a whole number/],
    ['not json', /JSON/],
  ] as const) {
    assert.throws(() => decodeRecord('vm-1', text), problem);
  }
  assert.throws(() => decodeIndexEntry('x inst-1'), /does not start with a count/);
  assert.throws(() => decodeIndexEntry('0 inst-1 WALKING'), /names no DCM status/);
});
