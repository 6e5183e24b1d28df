import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createNormalizer, vmStatuses } from '../../../../src/normalize/index.js';
import { ec2StateTable, rawStateOf, stateReasonQualifiers } from '../../../../adapters/ec2/index.js';
import { INSTANCE_STATE_NAMES, STATE_REASONS } from '../../../simulators/ec2/index.js';

const quiet = pino({ level: 'silent' });

describe('EC2 state table', () => {
  const cases = [
    { state: 'pending', reason: 'pending', raw: 'pending', status: 'PROVISIONING' },
    { state: 'running', reason: undefined, raw: 'running', status: 'RUNNING' },
    { state: 'stopping', reason: 'userShutdown', raw: 'stopping', status: 'STOPPING' },
    { state: 'stopped', reason: 'userShutdown', raw: 'stopped', status: 'STOPPED' },
    { state: 'shutting-down', reason: 'userShutdown', raw: 'shutting-down', status: 'DELETING' },
    { state: 'terminated', reason: 'userShutdown', raw: 'terminated', status: 'DELETED' },
    { state: 'stopped', reason: 'scheduledStop', raw: 'stopped', status: 'STOPPED' },
    { state: 'stopped', reason: 'instanceShutdown', raw: 'stopped', status: 'STOPPED' },
    { state: 'terminated', reason: 'insufficientCapacity', raw: 'terminated', status: 'DELETED' },
    { state: 'stopping', reason: 'userHibernate', raw: 'stopping:hibernate', status: 'STOPPING' },
    { state: 'stopped', reason: 'userHibernate', raw: 'stopped:hibernate', status: 'PAUSED' },
    { state: 'stopping', reason: 'spotShutdown', raw: 'stopping:spot-interruption', status: 'STOPPING' },
    { state: 'stopped', reason: 'spotShutdown', raw: 'stopped:spot-interruption', status: 'STOPPED' },
    { state: 'shutting-down', reason: 'spotTermination', raw: 'shutting-down:spot-interruption', status: 'DELETING' },
    { state: 'terminated', reason: 'spotTermination', raw: 'terminated:spot-interruption', status: 'DELETED' },
    // A pair the table does not foresee keeps its plain state.
    { state: 'running', reason: 'userHibernate', raw: 'running', status: 'RUNNING' },
  ] as const;

  for (const { state, reason, raw, status } of cases) {
    test(`${state}${reason ? ` (${STATE_REASONS[reason].code})` : ''} → ${raw} → ${status}`, () => {
      const rawState = rawStateOf(state, reason ? STATE_REASONS[reason].code : undefined);
      assert.equal(rawState, raw);
      const normalized = createNormalizer({ table: ec2StateTable, logger: quiet })({ platformId: 'i-1', instanceId: 'inst-1', rawState });
      assert.equal(normalized.status, status);
    });
  }

  test('every EC2 state name has an entry, every entry is a VM status, every entry has a description', () => {
    for (const state of INSTANCE_STATE_NAMES) assert.ok(Object.hasOwn(ec2StateTable.entries, state), state);
    for (const [raw, status] of Object.entries(ec2StateTable.entries)) {
      assert.ok((vmStatuses as readonly string[]).includes(status), raw);
      assert.ok(ec2StateTable.descriptions?.[raw], `${raw} has a description`);
    }
    for (const qualifier of Object.values(stateReasonQualifiers)) assert.ok(Object.keys(ec2StateTable.entries).some((raw) => raw.endsWith(`:${qualifier}`)), qualifier);
  });

  test('the event message says hibernated; an override of a qualified key wins; an unset state is PROVISIONING', () => {
    const normalize = createNormalizer({ table: ec2StateTable, overrides: { 'stopped:spot-interruption': 'FAILED' }, logger: quiet });
    const hibernated = normalize({ platformId: 'i-1', instanceId: 'inst-1', rawState: 'stopped:hibernate', name: 'web-1', detail: STATE_REASONS.userHibernate.message });
    assert.equal(hibernated.status, 'PAUSED');
    assert.match(hibernated.message, /^VM web-1 is paused \(ec2: hibernated, memory saved to its root volume\) \(Client\.UserInitiatedHibernate: User initiated hibernate\)$/);
    assert.equal(normalize({ platformId: 'i-1', instanceId: 'inst-1', rawState: 'stopped:spot-interruption' }).status, 'FAILED');
    assert.equal(normalize({ platformId: 'i-1', instanceId: 'inst-1', rawState: undefined }).status, 'PROVISIONING');
    assert.equal(rawStateOf(undefined, undefined), undefined);
  });

  test('a qualified key only an operator override knows is kept, so the override applies', () => {
    assert.equal(rawStateOf('stopped', STATE_REASONS.scheduledStop.code), 'stopped', 'no qualifier for a scheduled stop');
    assert.equal(rawStateOf('pending', STATE_REASONS.userHibernate.code), 'pending');
    assert.equal(rawStateOf('pending', STATE_REASONS.userHibernate.code, { 'pending:hibernate': 'PROVISIONING' }), 'pending:hibernate');
  });
});
