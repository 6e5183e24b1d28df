// The vim25 path's incremental listing (listChanges) against the vCenter simulator's
// PropertyCollector: the full listing reads a new filter's initial update set and lists exactly
// what list() lists; a cursor yields only what changed (modify with the changed paths applied to
// what the filter told before, enter, leave), reads a VM that became DCM's in one batched
// RetrievePropertiesEx, sends departures to `departed`; cursors that are not this filter's, a
// session that ended, and InvalidCollectorVersion are CURSOR_REJECTED.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChangePage } from '../../../../src/adapter/index.js';
import { ErrorCode, isBridgeError } from '../../../../src/errors/index.js';
import { drainChanges } from '../../../support/adapter-lab.js';
import { listAll, soapOperations, useVsphereLab, type LabConnection } from '../../../support/vsphere-lab.js';

const lab = useVsphereLab();
const connect = (): LabConnection => lab.connectVim({ maxObjects: 1000, requestTimeoutMs: 5_000 });

/** A fresh inventory: `count` VMs, the first `managed` of them DCM's by custom attributes. */
function seed(count: number, managed: number): string[] {
  lab.simulator.reset();
  return lab.simulator.seedDcmVms({ count, tagged: managed, via: 'customAttribute' }).map((vm) => vm.vmId);
}

const operations = (): Record<string, number> => soapOperations(lab.simulator);
const instancesOf = (pages: readonly ChangePage[]) => pages.flatMap((page) => page.instances);
const departedOf = (pages: readonly ChangePage[]) => pages.flatMap((page) => page.departed);
const rejectedCursor = (error: unknown): boolean => isBridgeError(error, ErrorCode.CursorRejected);

test('the full listing reads a new filter\'s initial set: exactly what list() lists, ceil(N/100) WaitForUpdatesEx + CreateFilter, nothing departed', async () => {
  seed(250, 120);
  const { connection } = connect();
  const listed = await listAll(connection);
  lab.simulator.resetStats();
  const full = await drainChanges(connection, undefined);
  assert.deepEqual(
    instancesOf(full.pages).sort((left, right) => left.platformId.localeCompare(right.platformId, 'en', { numeric: true })),
    listed,
  );
  assert.equal(listed.length, 120);
  assert.ok(full.pages.every((page) => page.departed.length === 0 && page.deleted.length === 0));
  assert.deepEqual(operations(), { CreateFilter: 1, WaitForUpdatesEx: 3 }, 'vCenter answers 100 object updates at most');
  assert.match(full.cursor ?? '', /^vim-wfu1:/);

  lab.simulator.resetStats();
  const quiet = await drainChanges(connection, full.cursor);
  assert.deepEqual(instancesOf(quiet.pages), []);
  assert.equal(quiet.cursor, full.cursor, 'no change: the same version');
  assert.deepEqual(operations(), { WaitForUpdatesEx: 1 });

  lab.simulator.resetStats();
  await drainChanges(connection, undefined);
  assert.equal(operations()['DestroyPropertyFilter'], 1, 'a new full listing destroys the previous filter');
});

test('a cursor yields only what changed: states and names applied to what the filter told, new and re-marked VMs, departures', async () => {
  const vms = seed(12, 8);
  const { connection } = connect();
  const { cursor } = await drainChanges(connection, undefined);
  const [powered, renamed, unmarked, removed, hidden, reassigned, disconnected, untouched] = vms as [string, string, string, string, string, string, string, string];
  const unmanaged = vms[10]!;
  const remarked = vms[11]!;
  lab.simulator.inventory.setPowerState(powered, 'POWERED_OFF');
  lab.simulator.inventory.renameVm(renamed, 'renamed-vm');
  lab.simulator.inventory.setCustomValue(unmarked, 'managed-by', '');
  lab.simulator.inventory.removeVm(removed);
  lab.simulator.account.setVisible([hidden], false);
  lab.simulator.inventory.setCustomValue(reassigned, 'dcm-instance-id', 'inst-reassigned');
  lab.simulator.inventory.setConnectionState(disconnected, 'orphaned');
  lab.simulator.inventory.setPowerState(unmanaged, 'SUSPENDED');
  lab.simulator.inventory.setCustomValue(remarked, 'managed-by', 'dcm');
  lab.simulator.inventory.setCustomValue(remarked, 'dcm-instance-id', 'inst-late');
  const added = lab.simulator.inventory.addVm({ name: 'added-vm', powerState: 'POWERED_OFF' });
  lab.simulator.inventory.setCustomValue(added.id, 'managed-by', 'dcm');
  lab.simulator.inventory.setCustomValue(added.id, 'dcm-instance-id', 'inst-added');
  lab.simulator.resetStats();

  const { pages, cursor: next } = await drainChanges(connection, cursor);
  const byId = new Map(instancesOf(pages).map((instance) => [instance.platformId, instance]));
  assert.deepEqual([...byId.keys()].sort(), [powered, renamed, reassigned, disconnected, remarked, added.id].sort());
  assert.deepEqual([byId.get(reassigned)?.instanceId, byId.get(reassigned)?.rawState], ['inst-reassigned', 'POWERED_ON']);
  assert.deepEqual([byId.get(powered)?.rawState, byId.get(powered)?.name], ['POWERED_OFF', lab.simulator.inventory.getVm(powered)?.name], 'the name it had, with the new state');
  assert.deepEqual([byId.get(renamed)?.name, byId.get(renamed)?.rawState], ['renamed-vm', 'POWERED_ON']);
  assert.equal(byId.get(disconnected)?.rawState, 'ORPHANED', 'the connection-state rules of list()');
  assert.deepEqual([byId.get(remarked)?.instanceId, byId.get(remarked)?.rawState, byId.get(remarked)?.name], ['inst-late', 'POWERED_ON', lab.simulator.inventory.getVm(remarked)?.name]);
  assert.deepEqual([byId.get(added.id)?.instanceId, byId.get(added.id)?.rawState], ['inst-added', 'POWERED_OFF']);
  assert.deepEqual(new Set(departedOf(pages)), new Set([unmarked, removed, hidden]));
  assert.ok(!byId.has(untouched) && !byId.has(unmanaged));
  // The VM marked since the last listing carried only its attributes: read with one batched RetrievePropertiesEx.
  assert.deepEqual(operations(), { WaitForUpdatesEx: 1, RetrievePropertiesEx: 1 });
  assert.notEqual(next, cursor);

  const findings = await connection.confirmAbsence(departedOf(pages), new AbortController().signal);
  assert.equal(findings.get(removed)?.verdict, 'gone');
  assert.equal(findings.get(unmarked)?.verdict, 'unmanaged');

  // The VM unmarked is unmanaged now: a later power change of it is nobody's business.
  lab.simulator.inventory.setPowerState(unmarked, 'POWERED_OFF');
  const later = await drainChanges(connection, next);
  assert.deepEqual(instancesOf(later.pages), []);
  assert.deepEqual(departedOf(later.pages), []);
});

test('many changes come in truncated parts, each a page; the previous cursor gives the same changes again (a poll whose commit failed)', async () => {
  const vms = seed(400, 300);
  const { connection } = connect();
  const { cursor } = await drainChanges(connection, undefined);
  for (const vm of vms.slice(0, 250)) lab.simulator.inventory.setPowerState(vm, 'POWERED_OFF');
  lab.simulator.resetStats();
  const first = await drainChanges(connection, cursor);
  assert.deepEqual(first.pages.map((page) => page.instances.length), [100, 100, 50]);
  assert.equal(operations()['WaitForUpdatesEx'], 3);
  const again = await drainChanges(connection, cursor);
  assert.deepEqual(new Set(instancesOf(again.pages).map((instance) => instance.platformId)), new Set(vms.slice(0, 250)));
  assert.ok(instancesOf(again.pages).every((instance) => instance.rawState === 'POWERED_OFF'));
  await assert.rejects(drainChanges(connection, first.cursor), rejectedCursor, 'superseded twice: InvalidCollectorVersion');
});

test('CURSOR_REJECTED: not a cursor, another connection\'s cursor (no request sent), an unknown version, a session that ended', async () => {
  seed(30, 20);
  const { connection } = connect();
  const { connection: other } = connect();
  const mine = await drainChanges(connection, undefined);
  const theirs = await drainChanges(other, undefined);
  lab.simulator.resetStats();
  await assert.rejects(drainChanges(connection, 'not-a-cursor'), rejectedCursor);
  await assert.rejects(drainChanges(connection, theirs.cursor), (error: unknown) => rejectedCursor(error) && /another property filter/.test((error as Error).message));
  assert.deepEqual(operations(), {}, 'refused without asking vCenter');

  const [prefix, nonce] = (mine.cursor ?? '').split(':');
  await assert.rejects(drainChanges(connection, `${prefix}:${nonce}:999`), (error: unknown) => rejectedCursor(error) && /InvalidCollectorVersion/.test((error as Error).message));
  assert.equal(operations()['WaitForUpdatesEx'], 1);

  const fresh = await drainChanges(connection, undefined);
  lab.simulator.expireAllSessions();
  await assert.rejects(drainChanges(connection, fresh.cursor), (error: unknown) => rejectedCursor(error) && /session/.test((error as Error).message));
  lab.simulator.resetStats();
  const relisted = await drainChanges(connection, undefined);
  assert.equal(instancesOf(relisted.pages).length, 20, 'the full listing that follows logs in again and lists everything');
  assert.equal(operations()['Login'], 1);

  // Another call of the connection logged in again since: the filter is gone, nothing is asked with its version.
  lab.simulator.expireAllSessions();
  await connection.confirmAbsence(['vm-1001'], new AbortController().signal);
  lab.simulator.resetStats();
  await assert.rejects(drainChanges(connection, relisted.cursor), rejectedCursor);
  assert.equal(operations()['WaitForUpdatesEx'] ?? 0, 0);
});

test('the session ends while the full listing reads the initial set: it starts over once with a new filter, no VM yielded twice', async () => {
  seed(300, 250);
  const { connection, logLines } = connect();
  const listing = connection.listChanges!(undefined, new AbortController().signal);
  const first = await listing.next();
  assert.equal(first.done, false);
  lab.simulator.expireAllSessions();
  const pages = [first.value as ChangePage];
  let end: string | undefined;
  for (;;) {
    const step = await listing.next();
    if (step.done) {
      end = step.value.cursor;
      break;
    }
    pages.push(step.value);
  }
  const ids = instancesOf(pages).map((instance) => instance.platformId);
  assert.equal(ids.length, 250);
  assert.equal(new Set(ids).size, 250);
  assert.ok(logLines.some((line) => line.includes('listing again with a new filter')));
  lab.simulator.inventory.setPowerState(ids[0]!, 'POWERED_OFF');
  const after = await drainChanges(connection, end);
  assert.deepEqual(instancesOf(after.pages).map((instance) => instance.platformId), [ids[0]], 'the new filter knows every managed VM');
});

test('an abandoned full listing destroys its filter', async () => {
  seed(300, 250);
  const { connection } = connect();
  lab.simulator.resetStats();
  for await (const page of connection.listChanges!(undefined, new AbortController().signal)) {
    assert.ok(page.instances.length > 0);
    break;
  }
  assert.equal(operations()['DestroyPropertyFilter'], 1);
});
