import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createNormalizer, type VmStatus } from '../../../../src/normalize/index.js';
import { novaStatuses, openstackStateTable, rawStateKey } from '../../../../adapters/openstack/index.js';
import { STATUS_TABLE, VM_STATES, type TaskState, type VmState } from '../../../simulators/openstack/index.js';
import { connectOpenstack, listServers, startOpenstackLab, type OpenstackLab } from '../../../support/openstack-lab.js';
import { memoryLogger } from '../../../support/harness.js';

/** The decision, status by status (reasons in adapters/openstack/README.md). */
const byStatus: Readonly<Record<string, VmStatus>> = {
  BUILD: 'PROVISIONING',
  ACTIVE: 'RUNNING',
  SHUTOFF: 'STOPPED',
  SHELVED: 'STOPPED',
  SHELVED_OFFLOADED: 'STOPPED',
  PAUSED: 'PAUSED',
  SUSPENDED: 'PAUSED',
  ERROR: 'FAILED',
  DELETED: 'DELETED',
  REBOOT: 'RUNNING',
  HARD_REBOOT: 'RUNNING',
  RESIZE: 'RUNNING',
  VERIFY_RESIZE: 'RUNNING',
  REVERT_RESIZE: 'RUNNING',
  MIGRATING: 'RUNNING',
  PASSWORD: 'RUNNING',
  REBUILD: 'PROVISIONING',
  RESCUE: 'RUNNING',
  SOFT_DELETED: 'DELETING',
  UNKNOWN: 'FAILED',
};

/** Task states that override the status they run under. */
const byTask: Readonly<Record<string, VmStatus>> = {
  scheduling: 'PROVISIONING',
  block_device_mapping: 'PROVISIONING',
  networking: 'PROVISIONING',
  spawning: 'PROVISIONING',
  'powering-off': 'STOPPING',
  deleting: 'DELETING',
  'soft-deleting': 'DELETING',
};

const normalize = createNormalizer({ table: openstackStateTable, logger: memoryLogger().logger });
const statusOf = (rawState: string | undefined): VmStatus => normalize({ platformId: 'srv-1', instanceId: 'inst-1', rawState }).status;

describe('the OpenStack state table', () => {
  test('the table is exactly the decided statuses and task refinements', () => {
    const expected = { ...byStatus, ...Object.fromEntries(Object.entries(byTask).map(([task, status]) => [`task:${task}`, status])) };
    assert.deepEqual({ ...openstackStateTable.entries }, expected);
    assert.deepEqual([...novaStatuses].sort(), Object.keys(byStatus).sort());
  });

  test('every status Nova\'s _STATE_MAP can produce is mapped deliberately', () => {
    const producible = new Set(Object.values(STATUS_TABLE).flatMap((taskMap) => Object.values(taskMap)));
    for (const status of producible) assert.ok(novaStatuses.includes(status), `${status} is in the table`);
  });

  for (const [status, expected] of Object.entries(byStatus)) {
    test(`status ${status} → ${expected}`, () => assert.equal(statusOf(rawStateKey(status, null, openstackStateTable.entries)), expected));
  }

  const refinements: { status: string; task: string | null; key: string | undefined; expected: VmStatus }[] = [
    { status: 'ACTIVE', task: 'powering-off', key: 'task:powering-off', expected: 'STOPPING' },
    { status: 'SHUTOFF', task: 'deleting', key: 'task:deleting', expected: 'DELETING' },
    { status: 'ERROR', task: 'deleting', key: 'task:deleting', expected: 'DELETING' },
    { status: 'BUILD', task: 'scheduling', key: 'task:scheduling', expected: 'PROVISIONING' },
    { status: 'BUILD', task: 'block_device_mapping', key: 'task:block_device_mapping', expected: 'PROVISIONING' },
    { status: 'BUILD', task: 'networking', key: 'task:networking', expected: 'PROVISIONING' },
    { status: 'BUILD', task: 'spawning', key: 'task:spawning', expected: 'PROVISIONING' },
    { status: 'ACTIVE', task: 'soft-deleting', key: 'task:soft-deleting', expected: 'DELETING' },
    // Task states the table does not refine: the status decides.
    { status: 'SHUTOFF', task: 'powering-on', key: 'SHUTOFF', expected: 'STOPPED' },
    { status: 'REBOOT', task: 'rebooting', key: 'REBOOT', expected: 'RUNNING' },
    { status: 'ACTIVE', task: 'image_snapshot', key: 'ACTIVE', expected: 'RUNNING' },
    { status: '', task: null, key: undefined, expected: 'PROVISIONING' },
  ];
  for (const { status, task, key, expected } of refinements) {
    test(`status ${status || '(none)'} + task ${task ?? 'null'} → key ${key ?? '(unset)'} → ${expected}`, () => {
      assert.equal(rawStateKey(status, task, openstackStateTable.entries), key);
      assert.equal(statusOf(key), expected);
    });
  }

  test('a status no Nova release had maps to FAILED, naming it', () => {
    const normalized = normalize({ platformId: 'srv-1', instanceId: 'inst-1', rawState: 'HIBERNATED' });
    assert.equal(normalized.status, 'FAILED');
    assert.match(normalized.message, /openstack state HIBERNATED, which the bridge does not know/);
  });
});

describe('against Nova\'s own status derivation (simulator)', () => {
  let lab: OpenstackLab;
  before(async () => {
    lab = await startOpenstackLab();
  });
  after(() => lab.close());

  test('every vm_state × task_state pair of _STATE_MAP, plus the refining tasks, lists with the decided status', async () => {
    const expectations = new Map<string, VmStatus>();
    const add = (vmState: VmState, taskState: TaskState | null, status: string): void => {
      const server = lab.simulator.servers.add({ name: `${vmState}-${taskState ?? 'none'}`, vmState, taskState, tags: ['managed-by=dcm'], metadata: { 'dcm-instance-id': `inst-${expectations.size}` } });
      expectations.set(server.id, (taskState !== null ? byTask[taskState] : undefined) ?? byStatus[status] ?? 'FAILED');
    };
    for (const vmState of VM_STATES.filter((state) => state !== 'deleted')) {
      const taskMap = STATUS_TABLE[vmState];
      add(vmState, null, taskMap['default'] ?? 'UNKNOWN');
      for (const [task, status] of Object.entries(taskMap)) if (task !== 'default') add(vmState, task as TaskState, status);
    }
    for (const [vmState, task] of [['building', 'scheduling'], ['building', 'block_device_mapping'], ['building', 'networking'], ['active', 'powering-off'], ['stopped', 'deleting'], ['error', 'deleting'], ['active', 'soft-deleting']] as const) {
      add(vmState, task, STATUS_TABLE[vmState]['default'] ?? 'UNKNOWN');
    }
    // Nova's default list leaves SOFT_DELETED servers out (the DB's `soft_deleted` filter); their mapping is checked above.
    const softDeleted = [...expectations.keys()].filter((id) => lab.simulator.servers.get(id)?.vmState === 'soft-delete');
    assert.equal(softDeleted.length, 1);
    softDeleted.forEach((id) => expectations.delete(id));
    const { connection } = connectOpenstack(lab.endpointInput());
    const { instances } = await listServers(connection);
    assert.equal(instances.length, expectations.size);
    for (const instance of instances) assert.equal(normalize(instance).status, expectations.get(instance.platformId), `${instance.name ?? ''} (${String(instance.rawState)})`);
    console.log(`${instances.length} vm_state/task_state pairs checked against Nova's status derivation`);
    await connection.close();
  });

  test('stateOverrides may override a status and a task state, including one the table does not refine', async () => {
    lab.simulator.reset();
    const rebooting = lab.simulator.servers.add({ name: 'rebooting', vmState: 'active', taskState: 'rebooting', tags: ['managed-by=dcm'], metadata: { 'dcm-instance-id': 'inst-1' } });
    const off = lab.simulator.servers.add({ name: 'off', vmState: 'stopped', taskState: null, tags: ['managed-by=dcm'], metadata: { 'dcm-instance-id': 'inst-2' } });
    const { connection, endpoint } = connectOpenstack(lab.endpointInput({ extra: { stateOverrides: { 'task:rebooting': 'STOPPING', SHUTOFF: 'PAUSED' } } }));
    const withOverrides = createNormalizer({ table: openstackStateTable, overrides: endpoint.stateOverrides, logger: memoryLogger().logger });
    const byId = new Map((await listServers(connection)).instances.map((instance) => [instance.platformId, instance]));
    assert.equal(byId.get(rebooting.id)?.rawState, 'task:rebooting');
    assert.equal(withOverrides(byId.get(rebooting.id)!).status, 'STOPPING');
    assert.equal(withOverrides(byId.get(off.id)!).status, 'PAUSED');
    await connection.close();
  });
});
