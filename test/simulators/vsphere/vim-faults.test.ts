import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { rawRequest } from '../common/index.js';
import { createVsphereSimulator } from './index.js';
import { useSimulator } from './support.js';
import { createVmView, envelope, faultOf, readResult, soapCall, viewRetrieval } from './vim/soap-client.js';

const delays: number[] = [];
const simulator = createVsphereSimulator({ delay: async (milliseconds) => void delays.push(milliseconds) });
const vcenter = useSimulator(simulator, {
  prepare: () => {
    delays.length = 0;
    simulator.seedDcmVms({ count: 50, tagged: 50, via: 'customAttribute' });
  },
  login: ['soap'],
});
let viewId: string;

const RETRIEVE_ROUTE = 'POST /sdk RetrievePropertiesEx';
const retrieve = (): string => envelope('RetrievePropertiesEx', 'PropertyCollector', 'propertyCollector', viewRetrieval(viewId, ['name', 'customValue'], 1000));

describe('vim25: fault switches and request counters on /sdk', () => {
  beforeEach(async () => {
    viewId = await createVmView(vcenter.url, vcenter.cookie);
    simulator.resetStats();
  });

  it('counts each SOAP request under POST /sdk <Operation>', async () => {
    await soapCall(vcenter.url, envelope('RetrieveServiceContent', 'ServiceInstance', 'ServiceInstance'));
    await soapCall(vcenter.url, retrieve(), vcenter.cookie);
    await soapCall(vcenter.url, retrieve(), vcenter.cookie);
    await soapCall(vcenter.url, envelope('Logout', 'SessionManager', 'SessionManager'), vcenter.cookie);
    assert.deepEqual(simulator.stats().byRoute, {
      'POST /sdk RetrieveServiceContent': 1,
      'POST /sdk RetrievePropertiesEx': 2,
      'POST /sdk Logout': 1,
    });
  });

  it('answers an injected 500 as a SOAP SystemError fault, scoped to one operation', async () => {
    simulator.faults.set([{ kind: 'http5xx', status: 500, scope: { route: RETRIEVE_ROUTE }, trigger: { type: 'next', count: 1 } }]);
    const failed = await soapCall(vcenter.url, retrieve(), vcenter.cookie);
    assert.equal(failed.status, 500);
    assert.equal(faultOf(failed)?.type, 'SystemError');
    assert.equal((await soapCall(vcenter.url, envelope('RetrieveServiceContent', 'ServiceInstance', 'ServiceInstance'))).status, 200, 'other operations are not hit');
    assert.equal(readResult(await soapCall(vcenter.url, retrieve(), vcenter.cookie), 'RetrievePropertiesEx').objects.length, 50);
    assert.equal(simulator.stats().faultsFired.http5xx, 1);
  });

  it('answers 503 with Retry-After and 429 in plain text, as the proxy in front of vCenter does', async () => {
    simulator.faults.set([
      { kind: 'http5xx', status: 503, scope: { pathPrefix: '/sdk' }, trigger: { type: 'next', count: 1 } },
      { kind: 'throttle429', retryAfterSeconds: 7, scope: { pathPrefix: '/sdk' }, trigger: { type: 'next', count: 1 } },
    ]);
    const unavailable = await soapCall(vcenter.url, retrieve(), vcenter.cookie);
    assert.deepEqual([unavailable.status, unavailable.headers.get('content-type'), unavailable.text], [503, 'text/plain; charset=utf-8', '503 Service Unavailable']);
    const throttled = await soapCall(vcenter.url, retrieve(), vcenter.cookie);
    assert.deepEqual([throttled.status, throttled.headers.get('retry-after')], [429, '7']);
    assert.equal(simulator.stats().byRoute[RETRIEVE_ROUTE], 2, 'faulted requests are counted too');
  });

  it('waits before answering under a latency fault', async () => {
    simulator.faults.set([{ kind: 'latencyMs', delayMs: 250, scope: { route: RETRIEVE_ROUTE } }]);
    assert.equal((await soapCall(vcenter.url, retrieve(), vcenter.cookie)).status, 200);
    assert.deepEqual(delays, [250]);
  });

  it('cuts an XML answer mid-body, and drops a connection without answering', async () => {
    const body = retrieve();
    const headers = { 'content-type': 'text/xml; charset=utf-8', cookie: `vmware_soap_session=${vcenter.cookie}` };
    simulator.faults.set([{ kind: 'truncateBody', style: 'destroyMidBody', scope: { route: RETRIEVE_ROUTE }, trigger: { type: 'next', count: 1 } }]);
    const cut = await rawRequest(vcenter.url, '/sdk', { method: 'POST', headers, body });
    assert.equal(cut.kind, 'truncated');
    assert.ok(cut.kind === 'truncated' && cut.received.length < cut.declaredLength);
    simulator.faults.set([{ kind: 'truncateBody', style: 'halfJson', scope: { route: RETRIEVE_ROUTE }, trigger: { type: 'next', count: 1 } }]);
    const half = await rawRequest(vcenter.url, '/sdk', { method: 'POST', headers, body });
    assert.equal(half.kind, 'response');
    assert.ok(half.kind === 'response' && half.body.toString('utf8').startsWith('<?xml') && !half.body.toString('utf8').includes('</soapenv:Envelope>'), 'a complete HTTP answer holding half the XML');
    simulator.faults.set([{ kind: 'dropConnection', scope: { route: RETRIEVE_ROUTE }, trigger: { type: 'next', count: 1 } }]);
    const dropped = await rawRequest(vcenter.url, '/sdk', { method: 'POST', headers, body });
    assert.equal(dropped.kind, 'failed');
    assert.equal(simulator.stats().faultsFired.dropConnection, 1);
  });
});
