import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFaultSwitch, FaultSpecError, parseFaultSpecs, type FaultTarget } from './fault-switch.js';
import { createSeededRandom } from './random.js';

const LIST: FaultTarget = { method: 'GET', path: '/api/vcenter/vm', routeName: 'GET /api/vcenter/vm' };
const LOGIN: FaultTarget = { method: 'POST', path: '/api/session', routeName: 'POST /api/session' };

function newSwitch(seed = 1) {
  return createFaultSwitch({ seed, randomForSeed: createSeededRandom });
}

describe('fault switch', () => {
  it('fires an "always" fault on every request until cleared', () => {
    const faults = newSwitch();
    faults.set([{ kind: 'http5xx', status: 503 }]);
    assert.deepEqual(faults.plan(LIST).interrupt, { kind: 'http5xx', status: 503 });
    assert.deepEqual(faults.plan(LIST).interrupt, { kind: 'http5xx', status: 503 });
    faults.clear();
    assert.equal(faults.plan(LIST).interrupt, undefined);
  });

  it('fires a "next N" fault N times, then disarms it', () => {
    const faults = newSwitch();
    faults.set([{ kind: 'throttle429', retryAfterSeconds: 7, trigger: { type: 'next', count: 2 } }]);
    assert.deepEqual(faults.list(), [{ spec: { kind: 'throttle429', retryAfterSeconds: 7, trigger: { type: 'next', count: 2 } }, remaining: 2 }]);
    assert.deepEqual(faults.plan(LIST).interrupt, { kind: 'throttle429', retryAfterSeconds: 7 });
    assert.deepEqual(faults.plan(LIST).interrupt, { kind: 'throttle429', retryAfterSeconds: 7 });
    assert.equal(faults.plan(LIST).interrupt, undefined);
    assert.deepEqual(faults.list(), []);
  });

  it('only spends a "next" budget on requests in scope', () => {
    const faults = newSwitch();
    faults.set([{ kind: 'dropConnection', trigger: { type: 'next', count: 1 }, scope: { route: 'GET /api/vcenter/vm' } }]);
    assert.equal(faults.plan(LOGIN).interrupt, undefined);
    assert.deepEqual(faults.plan(LIST).interrupt, { kind: 'dropConnection' });
    assert.equal(faults.plan(LIST).interrupt, undefined);
  });

  it('lets "skip" matching requests of a "next" fault through first; requests out of scope do not count', () => {
    const faults = newSwitch();
    faults.set([{ kind: 'http5xx', trigger: { type: 'next', count: 1, skip: 2 }, scope: { route: 'GET /api/vcenter/vm' } }]);
    assert.equal(faults.plan(LIST).interrupt, undefined);
    assert.equal(faults.plan(LOGIN).interrupt, undefined);
    assert.equal(faults.plan(LIST).interrupt, undefined);
    assert.deepEqual(faults.plan(LIST).interrupt, { kind: 'http5xx', status: 500 });
    assert.equal(faults.plan(LIST).interrupt, undefined);
    assert.deepEqual(faults.list(), []);
  });

  it('matches scopes by method and path prefix', () => {
    const faults = newSwitch();
    faults.set([{ kind: 'http5xx', scope: { method: 'post', pathPrefix: '/api/session' } }]);
    assert.equal(faults.plan(LIST).interrupt, undefined);
    assert.deepEqual(faults.plan(LOGIN).interrupt, { kind: 'http5xx', status: 500 });
  });

  it('replays the same probability draws for the same seed', () => {
    const draws = (seed: number): boolean[] => {
      const faults = newSwitch(seed);
      faults.set([{ kind: 'http5xx', trigger: { type: 'probability', probability: 0.5 } }]);
      return Array.from({ length: 40 }, () => faults.plan(LIST).interrupt !== undefined);
    };
    const first = draws(42);
    assert.deepEqual(draws(42), first);
    assert.ok(first.includes(true) && first.includes(false), 'a 0.5 probability over 40 draws fires sometimes, not always');
    assert.equal(draws(7).filter(Boolean).length > 0, true);
  });

  it('lets the first listed terminal fault win and leaves the budget of the others', () => {
    const faults = newSwitch();
    faults.set([
      { kind: 'http5xx', trigger: { type: 'next', count: 1 } },
      { kind: 'throttle429', trigger: { type: 'next', count: 1 } },
    ]);
    assert.equal(faults.plan(LIST).interrupt?.kind, 'http5xx');
    assert.equal(faults.plan(LIST).interrupt?.kind, 'throttle429');
    assert.equal(faults.plan(LIST).interrupt, undefined);
  });

  it('adds up latency and combines it with other faults', () => {
    const faults = newSwitch();
    faults.set([{ kind: 'latencyMs', delayMs: 100 }, { kind: 'latencyMs', delayMs: 50 }, { kind: 'truncateBody', style: 'halfJson' }]);
    const plan = faults.plan(LIST);
    assert.equal(plan.delayMs, 150);
    assert.equal(plan.truncate, 'halfJson');
    assert.deepEqual(plan.fired, ['latencyMs', 'latencyMs', 'truncateBody']);
  });

  it('does not truncate an answer that a terminal fault replaced', () => {
    const faults = newSwitch();
    faults.set([{ kind: 'truncateBody', trigger: { type: 'next', count: 1 } }, { kind: 'http5xx', trigger: { type: 'next', count: 1 } }]);
    const plan = faults.plan(LIST);
    assert.equal(plan.interrupt?.kind, 'http5xx');
    assert.equal(plan.truncate, undefined);
    assert.equal(faults.plan(LIST).truncate, 'destroyMidBody');
  });

  it('validates specs from JSON and names the offending field', () => {
    assert.deepEqual(parseFaultSpecs([{ kind: 'latencyMs', delayMs: 5, trigger: { type: 'next', count: 3 } }]), [
      { kind: 'latencyMs', delayMs: 5, trigger: { type: 'next', count: 3 }, scope: undefined },
    ]);
    assert.throws(() => parseFaultSpecs({}), FaultSpecError);
    assert.throws(() => parseFaultSpecs([{ kind: 'nope' }]), /faults\[0\]\.kind must be one of/);
    assert.throws(() => parseFaultSpecs([{ kind: 'http5xx', status: 404 }]), /faults\[0\]\.status must be an integer from 500 to 599/);
    assert.throws(() => parseFaultSpecs([{ kind: 'latencyMs' }]), /delayMs is required/);
    assert.throws(() => parseFaultSpecs([{ kind: 'dropConnection', trigger: { type: 'probability', probability: 2 } }]), /probability must be a number from 0 to 1/);
    assert.throws(() => parseFaultSpecs([{ kind: 'dropConnection', trigger: { type: 'next', count: 0 } }]), /count must be a positive integer/);
    assert.throws(() => parseFaultSpecs([{ kind: 'dropConnection', trigger: { type: 'next', count: 1, skip: -1 } }]), /skip must be a non-negative integer/);
    assert.deepEqual(parseFaultSpecs([{ kind: 'dropConnection', trigger: { type: 'next', count: 1, skip: 3 } }])[0]?.trigger, { type: 'next', count: 1, skip: 3 });
  });
});
