import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RawInstance } from '../../../../src/adapter/index.js';
import { createSelectionMemory, listManagedVms, type ListingOptions, type SelectionMemory } from '../../../../adapters/vsphere/listing.js';
import type { TagAttachments, VmSummary } from '../../../../adapters/vsphere/payloads.js';
import type { SelectorTags } from '../../../../adapters/vsphere/tag-directory.js';
import type { VcenterApi } from '../../../../adapters/vsphere/vcenter-api.js';
import { memoryLogger } from '../../../support/harness.js';

// Pure logic of the kept selection: the answers are stubbed, so each test states exactly what vCenter answered.

interface Estate {
  /** Tag id → VM ids, as list-attached-objects-on-tags answers. */
  readonly attached: Map<string, string[]>;
  tags: SelectorTags;
  /** Answer the association calls' entries in reverse order (vCenter documents no order). */
  reversed: boolean;
}

function estate(vmCount: number): Estate {
  const vms = Array.from({ length: vmCount }, (_, index) => `vm-${index + 1}`);
  const attached = new Map<string, string[]>([['managed', vms]]);
  const instanceIdTags = new Map<string, string>();
  for (const [index, vm] of vms.entries()) {
    attached.set(`tag-${index + 1}`, [vm]);
    instanceIdTags.set(`tag-${index + 1}`, `inst-${index + 1}`);
  }
  return { attached, tags: { managedByTagId: 'managed', instanceIdTags }, reversed: false };
}

function options(of: Estate, selections: SelectionMemory): ListingOptions {
  const unused = (): never => assert.fail('not called by a listing');
  const api: VcenterApi = {
    listCategoryIds: unused,
    getCategory: unused,
    listTagIdsForCategory: unused,
    getTag: unused,
    getVm: unused,
    listAttachedTagsOnObjects: unused,
    listAttachedObjectsOnTags: async (tagIds) => {
      const answers: TagAttachments[] = tagIds.flatMap((tagId) => (of.attached.has(tagId) ? [{ tagId, vmIds: [...(of.attached.get(tagId) ?? [])] }] : []));
      return of.reversed ? answers.reverse() : answers;
    },
    listVms: async (vmIds) => vmIds.map((vm): VmSummary => ({ vm, name: `name-${vm}`, powerState: 'POWERED_ON' })),
  };
  return {
    api,
    directory: { resolve: async () => of.tags, forget: () => undefined },
    selections,
    endpoint: 'vc-test',
    vmBatchSize: 3,
    tagBatchSize: 4,
    concurrency: 2,
    logger: memoryLogger().logger,
  };
}

async function list(of: Estate, selections: SelectionMemory): Promise<Array<[string, string | undefined]>> {
  const listed: RawInstance[] = [];
  for await (const page of listManagedVms(options(of, selections), new AbortController().signal)) listed.push(...page);
  return listed.map((instance) => [instance.platformId, instance.instanceId]);
}

test('the same answers again reuse the kept selection; a tag moved to another VM (same counts) makes a new one', async () => {
  const of = estate(7);
  const selections = createSelectionMemory();
  const first = await list(of, selections);
  const kept = selections.last;
  assert.ok(kept, 'answers in the order asked are kept');
  assert.deepEqual(await list(of, selections), first);
  assert.equal(selections.last, kept, 'a steady poll reuses the selection');

  of.attached.set('tag-1', ['vm-2']);
  of.attached.set('tag-2', ['vm-1']);
  const swapped = await list(of, selections);
  assert.notEqual(selections.last, kept);
  assert.deepEqual(swapped.slice(0, 2), [
    ['vm-1', 'inst-2'],
    ['vm-2', 'inst-1'],
  ]);
});

test('a VM no longer managed, or a new instance-id tag in the directory, makes a new selection', async () => {
  const of = estate(5);
  const selections = createSelectionMemory();
  await list(of, selections);
  const kept = selections.last;
  of.attached.set('managed', ['vm-1', 'vm-2', 'vm-3', 'vm-5']);
  assert.deepEqual(
    (await list(of, selections)).map(([vm]) => vm),
    ['vm-1', 'vm-2', 'vm-3', 'vm-5'],
  );
  assert.notEqual(selections.last, kept);

  const before = selections.last;
  // The directory hands out a new Map when the category's tags changed; the association answers may still be the same.
  of.tags = { managedByTagId: 'managed', instanceIdTags: new Map([...of.tags.instanceIdTags].map(([tagId, name]) => [tagId, tagId === 'tag-5' ? 'inst-renamed' : name])) };
  assert.deepEqual((await list(of, selections)).at(-1), ['vm-5', 'inst-renamed']);
  assert.notEqual(selections.last, before);
});

test('answers in another order than asked are selected right, but not kept (they cannot be compared by position)', async () => {
  const of = estate(5);
  of.reversed = true;
  const selections = createSelectionMemory();
  assert.deepEqual(await list(of, selections), [
    ['vm-1', 'inst-1'],
    ['vm-2', 'inst-2'],
    ['vm-3', 'inst-3'],
    ['vm-4', 'inst-4'],
    ['vm-5', 'inst-5'],
  ]);
  assert.equal(selections.last, undefined);
});

test('a VM carrying two instance ids is listed without one and warned about on every poll, the kept selection too', async () => {
  const of = estate(3);
  of.attached.set('tag-1', ['vm-1', 'vm-2']);
  const selections = createSelectionMemory();
  const logged = memoryLogger('warn');
  const run = async (): Promise<Array<[string, string | undefined]>> => {
    const listed: RawInstance[] = [];
    for await (const page of listManagedVms({ ...options(of, selections), logger: logged.logger }, new AbortController().signal)) listed.push(...page);
    return listed.map((instance) => [instance.platformId, instance.instanceId]);
  };
  assert.deepEqual(await run(), [
    ['vm-1', 'inst-1'],
    ['vm-2', undefined],
    ['vm-3', 'inst-3'],
  ]);
  const kept = selections.last;
  await run();
  assert.equal(selections.last, kept);
  assert.equal(logged.lines.filter((line) => line.includes('more than one instance-id tag')).length, 2);
});
