import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instances, useHarness } from '../support/harness.js';

const harness = useHarness();

test('a list that throws halfway publishes the changes it saw, once, and deletes nothing', async () => {
  harness().setPlatform('halfway', { instances: instances(6), pageSize: 2 });
  const bridge = await harness().bridge(harness().config({ endpoints: ['halfway'] }));
  assert.ok((await bridge.runOnce()).ok);
  const baseline = (await harness().dcm.messages()).length;
  assert.equal(baseline, 6);

  // Page 1 carries a real change; vm-5 and vm-6 are absent; the list then fails on page 2.
  const changed = instances(4);
  changed[0] = { ...changed[0]!, rawState: 'off' };
  harness().setPlatform('halfway', { instances: changed, pageSize: 2, failAfterPages: 1, failure: { message: 'HTTP 503 on page 2' } });
  for (let attempt = 0; attempt < 3; attempt++) {
    const result = await bridge.runOnce();
    assert.equal(result.ok, false);
    assert.equal(result.endpoints[0]?.lastError?.code, 'PLATFORM_HTTP');
  }
  // Pages are delivered as they are listed: what page 1 showed is a true observation, told once however often the list fails.
  const partial = (await harness().dcm.messages()).slice(baseline);
  assert.deepEqual(partial.map((message) => `${message.event.data.id}:${message.event.data.status}`), ['inst-1:STOPPED'], 'the change page 1 showed, once; no DELETED from a partial list');
  const index = await bridge.cache.readIndex('halfway');
  assert.deepEqual([...index.members.values()].map((entry) => entry.missedLists), [0, 0, 0, 0, 0, 0], 'no absence was counted');

  // Complete lists again: nothing new for the changed one, and the absent pair is deleted after two of them.
  harness().setPlatform('halfway', { instances: changed, pageSize: 2 });
  assert.ok((await bridge.runOnce()).ok);
  let events = (await harness().dcm.messages()).slice(baseline);
  assert.deepEqual(events.map((message) => `${message.event.data.id}:${message.event.data.status}`), ['inst-1:STOPPED'], 'first complete list: nothing more');

  assert.ok((await bridge.runOnce()).ok);
  events = (await harness().dcm.messages()).slice(baseline + 1);
  assert.deepEqual(events.map((message) => `${message.event.data.id}:${message.event.data.status}`).sort(), ['inst-5:DELETED', 'inst-6:DELETED'], 'second complete list: one DELETED each');
  assert.match(events[0]!.event.data.message, /absent from the list and the platform confirms it/);

  for (let poll = 0; poll < 3; poll++) assert.ok((await bridge.runOnce()).ok);
  assert.equal((await harness().dcm.messages()).length, baseline + 3, 'never a second DELETED');
});

test('an authoritative deletion signal is published once, and the later absence adds nothing', async () => {
  harness().setPlatform('terminated', { instances: instances(2, 'on', 30) });
  const bridge = await harness().bridge(harness().config({ endpoints: ['terminated'] }));
  assert.ok((await bridge.runOnce()).ok);
  const baseline = (await harness().dcm.messages()).length;
  harness().setPlatform('terminated', { instances: [instances(1, 'on', 30)[0]!, instances(1, 'gone', 31)[0]!] });
  assert.ok((await bridge.runOnce()).ok);
  harness().setPlatform('terminated', { instances: instances(1, 'on', 30) });
  for (let poll = 0; poll < 4; poll++) assert.ok((await bridge.runOnce()).ok);
  const events = (await harness().dcm.messages()).slice(baseline);
  assert.deepEqual(events.map((message) => `${message.event.data.id}:${message.event.data.status}`), ['inst-31:DELETED']);
});
