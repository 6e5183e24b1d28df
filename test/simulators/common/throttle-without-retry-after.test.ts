import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FaultSpecError, parseFaultSpecs } from './fault-switch.js';
import { jsonResponse } from './http-types.js';
import { createSimulatorServer, type RunningServer } from './simulator-server.js';

// RFC 6585 §4: a 429 "MAY include a Retry-After header"; rate limiters and proxies in front of
// platform APIs often send none, so the kit's throttle429 can leave it out.
const simulator = createSimulatorServer({
  routes: [{ method: 'GET', path: '/v1/items', handle: () => jsonResponse(200, []) }],
  errorResponse: (_request, status) => jsonResponse(status, { platform_error: status }),
});
let running: RunningServer;

const armOverHttp = async (faults: unknown): Promise<Response> =>
  fetch(`${running.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ faults }) });

describe('throttle429 without Retry-After', () => {
  before(async () => {
    running = await simulator.start();
  });
  after(async () => {
    await running.close();
  });

  it('answers 429 with the platform body and no Retry-After header when omitRetryAfter is set over HTTP', async () => {
    assert.equal((await armOverHttp([{ kind: 'throttle429', omitRetryAfter: true }])).status, 200);
    const answer = await fetch(`${running.url}/v1/items`);
    assert.equal(answer.status, 429);
    assert.equal(answer.headers.get('retry-after'), null);
    assert.deepEqual(await answer.json(), { platform_error: 429 });
  });

  it('still sends Retry-After (1 s by default) when omitRetryAfter is absent or false', async () => {
    for (const spec of [{ kind: 'throttle429' }, { kind: 'throttle429', omitRetryAfter: false }]) {
      await armOverHttp([spec]);
      const answer = await fetch(`${running.url}/v1/items`);
      await answer.arrayBuffer();
      assert.equal(answer.headers.get('retry-after'), '1', JSON.stringify(spec));
    }
  });

  it('plans a throttle without a delay, so nothing downstream invents one', () => {
    simulator.faults.set([{ kind: 'throttle429', omitRetryAfter: true }]);
    assert.deepEqual(simulator.faults.plan({ method: 'GET', path: '/v1/items', routeName: 'GET /v1/items' }).interrupt, { kind: 'throttle429' });
  });

  it('refuses an omitRetryAfter that is not a boolean, or one beside retryAfterSeconds, naming the field', () => {
    assert.throws(() => parseFaultSpecs([{ kind: 'throttle429', omitRetryAfter: 'yes' }]), new FaultSpecError('faults[0].omitRetryAfter must be a boolean'));
    assert.throws(() => parseFaultSpecs([{ kind: 'throttle429', omitRetryAfter: true, retryAfterSeconds: 5 }]), new FaultSpecError('faults[0] cannot have both retryAfterSeconds and omitRetryAfter'));
  });
});
