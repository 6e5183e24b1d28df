import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { RunningServer } from '../common/index.js';
import { createEc2Simulator, MAX_FILTER_VALUES } from './index.js';
import { findElement, parseXml, signedCall, type Ec2Answer } from './support.js';

describe('EC2 simulator: awkward answers and eventual consistency', () => {
  let aheadMs = 0;
  const simulator = createEc2Simulator({ now: () => Date.now() + aheadMs });
  let running: RunningServer;
  const call = (params: Record<string, string>): Promise<Ec2Answer> => signedCall(running.url, { Action: 'DescribeInstances', ...params }, { now: Date.now() + aheadMs });
  const control = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const response = await fetch(`${running.url}/_sim${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
    const text = await response.text();
    return { status: response.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
  };
  const instanceIds = (answer: Ec2Answer): string[] => [...answer.text.matchAll(/<instanceId>([^<]+)<\/instanceId>/g)].map((match) => match[1] ?? '');
  const pageOf = async (page: number): Promise<Ec2Answer> => {
    let answer = await call({ MaxResults: '5' });
    for (let current = 1; current < page; current++) {
      answer = await call({ MaxResults: '5', NextToken: findElement(parseXml(answer.text), 'nextToken')?.text ?? '' });
    }
    return answer;
  };

  before(async () => {
    running = await simulator.start();
  });
  beforeEach(() => {
    aheadMs = 0;
    simulator.reset();
    simulator.seedDcmInstances({ count: 12, tagged: 12 });
  });
  afterEach(() => simulator.clearDescribeFaults());
  after(() => running.close());

  it(`FilterLimitExceeded (400) above ${MAX_FILTER_VALUES} filter values in one call, counted over all filters`, async () => {
    const values = (count: number, from = 0): Record<string, string> => Object.fromEntries(Array.from({ length: count }, (_, index) => [`Filter.1.Value.${index + 1}`, `i-0${String(from + index).padStart(16, '0')}`]));
    assert.equal((await call({ 'Filter.1.Name': 'instance-id', ...values(200) })).status, 200);
    const over = await call({ 'Filter.1.Name': 'instance-id', ...values(200), 'Filter.2.Name': 'tag-key', 'Filter.2.Value.1': 'managed-by' });
    assert.deepEqual([over.status, over.errorCode], [400, 'FilterLimitExceeded']);
    assert.match(over.text, /The maximum number of filter values specified on a single call is 200/);
  });

  it('page faults hit page N only, once by default: html, empty body, another action, an instance without instanceId', async () => {
    simulator.failDescribe({ page: 2, answer: 'html' });
    assert.equal((await pageOf(1)).status, 200, 'page 1 untouched');
    const html = await pageOf(2);
    assert.equal(html.status, 200);
    assert.match(html.contentType ?? '', /^text\/html/);
    assert.match(html.text, /^<!DOCTYPE html>/);
    assert.deepEqual(instanceIds(await pageOf(2)).length, 5, 'disarmed after one answer');

    simulator.failDescribe({ page: 3, answer: 'emptyBody' }, { page: 2, answer: 'otherAction' }, { page: 1, answer: 'missingInstanceId' });
    const first = await call({ MaxResults: '5' });
    assert.deepEqual(instanceIds(first).length, 4, 'page 1 lost one instanceId');
    assert.match(first.text, /<instancesSet><item><imageId>/);
    const second = await call({ MaxResults: '5', NextToken: findElement(parseXml(first.text), 'nextToken')?.text ?? '' });
    assert.match(second.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<DescribeInstanceStatusResponse xmlns="http:\/\/ec2.amazonaws.com\/doc\/2016-11-15\/"><requestId>[0-9a-f-]+<\/requestId><instanceStatusSet\/><\/DescribeInstanceStatusResponse>$/);
    const third = await pageOf(3);
    assert.deepEqual([third.status, third.text, third.contentType], [200, '', 'text/xml;charset=UTF-8']);
    assert.deepEqual(simulator.usage().describeFaults, { html: 1, emptyBody: 1, otherAction: 1, missingInstanceId: 1 });
  });

  it('withFilter aims a fault at one kind of call; times keeps it armed; EC2 errors as answers', async () => {
    simulator.failDescribe({ withFilter: 'instance-id', answer: 'RequestLimitExceeded', times: 2 });
    assert.equal((await call({ 'Filter.1.Name': 'tag-key', 'Filter.1.Value.1': 'managed-by' })).status, 200, 'a listing call is not hit');
    for (let attempt = 0; attempt < 2; attempt++) {
      const throttled = await call({ 'Filter.1.Name': 'instance-id', 'Filter.1.Value.1': 'i-00000000' });
      assert.deepEqual([throttled.status, throttled.errorCode], [503, 'RequestLimitExceeded']);
    }
    assert.equal((await call({ 'Filter.1.Name': 'instance-id', 'Filter.1.Value.1': 'i-00000000' })).status, 200);
  });

  it('the same switches over /_sim/describe-faults, with named refusals', async () => {
    assert.equal((await control('POST', '/describe-faults', { faults: [{ page: 2, answer: 'emptyBody', times: 2 }] })).status, 200);
    assert.deepEqual((await control('GET', '/describe-faults')).json, { faults: [{ page: 2, answer: 'emptyBody', times: 2 }] });
    assert.equal((await pageOf(2)).text, '');
    assert.deepEqual((await control('GET', '/describe-faults')).json, { faults: [{ page: 2, answer: 'emptyBody', times: 1 }] });
    assert.equal((await control('DELETE', '/describe-faults')).status, 204);
    assert.equal(instanceIds(await pageOf(2)).length, 5);
    const refused = await control('POST', '/describe-faults', { faults: [{ page: 0, answer: 'teapot' }] });
    assert.equal(refused.status, 400);
    assert.match(JSON.stringify(refused.json), /faults\[0\]\.answer must be one of html, emptyBody, otherAction, missingInstanceId, RequestLimitExceeded, Unavailable/);
  });

  it('visibility lag: a just-launched instance is missing from lists and InvalidInstanceID.NotFound by id, then appears', async () => {
    aheadMs = 300_000; // the seeded instances launched 5 minutes ago (simulator time)
    assert.deepEqual((await control('POST', '/visibility-lag', { seconds: 30 })).json, { seconds: 30 });
    const fresh = simulator.inventory.addInstance({ tags: { 'managed-by': 'dcm', 'dcm-instance-id': 'inst-new' } });
    const listed = await call({ 'Filter.1.Name': 'tag:managed-by', 'Filter.1.Value.1': 'dcm' });
    assert.equal(instanceIds(listed).length, 12);
    assert.ok(!instanceIds(listed).includes(fresh.instanceId));
    const byId = await call({ 'InstanceId.1': fresh.instanceId });
    assert.deepEqual([byId.status, byId.errorCode], [400, 'InvalidInstanceID.NotFound']);
    assert.deepEqual(instanceIds(await call({ 'Filter.1.Name': 'instance-id', 'Filter.1.Value.1': fresh.instanceId })), []);

    aheadMs += 31_000;
    assert.deepEqual(instanceIds(await call({ 'InstanceId.1': fresh.instanceId })), [fresh.instanceId]);
    assert.equal(instanceIds(await call({ 'Filter.1.Name': 'tag:managed-by', 'Filter.1.Value.1': 'dcm' })).length, 13);
    assert.equal((await control('POST', '/visibility-lag', { seconds: -1 })).status, 400);
    simulator.reset();
    assert.deepEqual((await control('GET', '/visibility-lag')).json, { seconds: 0 }, 'reset turns it off');
  });
});
