import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../common/index.js';
import { createEc2Simulator, type SeededInstance } from './index.js';
import { findElement, parseXml, sdkClient, signedCall, type Ec2Answer } from './support.js';

describe('DescribeInstances parameters and their rules', () => {
  const simulator = createEc2Simulator();
  let running: RunningServer;
  let seeded: SeededInstance[];
  const call = (params: Record<string, string>): Promise<Ec2Answer> => signedCall(running.url, { Action: 'DescribeInstances', ...params });
  const expectError = (answer: Ec2Answer, status: number, code: string): void => {
    assert.deepEqual([answer.status, answer.errorCode], [status, code], answer.text);
    assert.match(answer.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Response><Errors><Error><Code>[^<]+<\/Code><Message>[^<]+<\/Message><\/Error><\/Errors><RequestID>[0-9a-f-]{36}<\/RequestID><\/Response>$/);
  };

  before(async () => {
    seeded = simulator.seedDcmInstances({ count: 12, tagged: 12 });
    running = await simulator.start();
  });
  after(() => running.close());

  it('accepts MaxResults from 5 to 1000 and refuses others with InvalidParameterValue', async () => {
    assert.equal((await call({ MaxResults: '5' })).status, 200);
    assert.equal((await call({ MaxResults: '1000' })).status, 200);
    for (const value of ['4', '1001', '0', 'ten', '5.5']) {
      expectError(await call({ MaxResults: value }), 400, 'InvalidParameterValue');
    }
  });

  it('refuses MaxResults with InstanceId (InvalidParameterCombination), also through the SDK', async () => {
    expectError(await call({ MaxResults: '5', 'InstanceId.1': seeded[0]?.instanceId ?? '' }), 400, 'InvalidParameterCombination');
    await assert.rejects(sdkClient(running.url).send(new DescribeInstancesCommand({ MaxResults: 5, InstanceIds: [seeded[0]?.instanceId ?? ''] })), { name: 'InvalidParameterCombination' });
  });

  it('pages 12 instances 5 at a time: 5, 5, 2, the last page without nextToken', async () => {
    const sizes: number[] = [];
    let token: string | undefined;
    do {
      const answer = await call({ MaxResults: '5', ...(token === undefined ? {} : { NextToken: token }) });
      const document = parseXml(answer.text);
      sizes.push(findElement(document, 'reservationSet')?.children.length ?? 0);
      token = findElement(document, 'nextToken')?.text;
    } while (token !== undefined);
    assert.deepEqual(sizes, [5, 5, 2]);
  });

  it('continues after the cursor even when the last instance of the page was removed meanwhile', async () => {
    const first = parseXml((await call({ MaxResults: '5' })).text);
    const token = findElement(first, 'nextToken')?.text ?? '';
    simulator.inventory.removeInstance(seeded[4]?.instanceId ?? '');
    const second = parseXml((await call({ MaxResults: '5', NextToken: token })).text);
    assert.equal(findElement(second, 'instanceId')?.text, seeded[5]?.instanceId);
  });

  it('refuses a forged, garbled or foreign NextToken with InvalidNextToken', async () => {
    const token = findElement(parseXml((await call({ MaxResults: '5' })).text), 'nextToken')?.text ?? '';
    expectError(await call({ MaxResults: '5', NextToken: 'not-a-token' }), 400, 'InvalidNextToken');
    expectError(await call({ MaxResults: '5', NextToken: `${token.slice(0, -2)}AA` }), 400, 'InvalidNextToken');
    // A token only continues the query that produced it.
    expectError(await call({ MaxResults: '5', NextToken: token, 'Filter.1.Name': 'tag-key', 'Filter.1.Value.1': 'Name' }), 400, 'InvalidNextToken');
    await assert.rejects(sdkClient(running.url).send(new DescribeInstancesCommand({ MaxResults: 5, NextToken: 'bogus' })), { name: 'InvalidNextToken' });
  });

  it('answers InvalidInstanceID.NotFound for an unknown id and InvalidInstanceID.Malformed for a bad one', async () => {
    const notFound = await call({ 'InstanceId.1': 'i-0123456789abcdef0' });
    expectError(notFound, 400, 'InvalidInstanceID.NotFound');
    assert.match(notFound.text, /The instance ID 'i-0123456789abcdef0' does not exist/);
    expectError(await call({ 'InstanceId.1': 'vm-1' }), 400, 'InvalidInstanceID.Malformed');
  });

  it('answers DryRunOperation 412 to DryRun=true', async () => {
    expectError(await call({ DryRun: 'true' }), 412, 'DryRunOperation');
  });

  it('refuses unknown parameters, a missing filter name and a filter without values', async () => {
    expectError(await call({ Bogus: '1' }), 400, 'UnknownParameter');
    expectError(await call({ 'Filter.1.Value.1': 'x' }), 400, 'MissingParameter');
    expectError(await call({ 'Filter.1.Name': 'tag-key' }), 400, 'InvalidParameterValue');
  });

  it('answers InvalidAction, MissingAction and NoSuchVersion', async () => {
    const invalid = await signedCall(running.url, { Action: 'DescribeFoo' });
    expectError(invalid, 400, 'InvalidAction');
    assert.match(invalid.text, /The action DescribeFoo is not valid for this web service\./);
    expectError(await signedCall(running.url, {}), 400, 'MissingAction');
    expectError(await signedCall(running.url, { Action: 'DescribeInstances', Version: '2099-01-01' }), 400, 'NoSuchVersion');
    assert.deepEqual(simulator.usage().actions.DescribeFoo, 1);
  });

  it('serves GET /?Action=DescribeInstances&… as well as the form POST', async () => {
    const answer = await signedCall(running.url, { Action: 'DescribeInstances', 'Filter.1.Name': 'tag:dcm-instance-id', 'Filter.1.Value.1': 'inst-00003' }, { method: 'GET' });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(findElement(parseXml(answer.text), 'instanceId')?.text, seeded[2]?.instanceId);
  });

  it('answers with EC2 headers: text/xml, x-amzn-requestid matching requestId', async () => {
    const response = await fetch(running.url, { method: 'POST' });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('content-type'), 'text/xml;charset=UTF-8');
    const text = await response.text();
    assert.ok(text.includes(`<RequestID>${response.headers.get('x-amzn-requestid') ?? '?'}</RequestID>`));
  });
});
