import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeShapeDifferences, type RunningServer, type ShapeOptions } from '../common/index.js';
import { createEc2Simulator, DEFAULT_CREDENTIALS, type InstanceRecord } from './index.js';
import { parseXml, readEc2Fixture, signedCall, xmlShape } from './support.js';

const INSTANCE = 'DescribeInstancesResponse.reservationSet[].instancesSet[]';

/**
 * Members of the reference sample the simulator leaves out (a poller reads none of
 * them; EC2 itself omits them when unset), and the one it adds (stateReason, which
 * EC2 sends only for stopped, stopping or terminated instances, absent from the sample).
 */
const DESCRIBE_SHAPE: ShapeOptions = {
  optionalPaths: ['keyName', 'ipAddress', 'blockDeviceMapping', 'networkInterfaceSet', 'iamInstanceProfile'].map((member) => `${INSTANCE}.${member}`),
  extraPaths: [`${INSTANCE}.stateReason`],
};

describe('EC2 simulator answers match the reference samples', () => {
  const clock = Date.now();
  const simulator = createEc2Simulator({ now: () => clock });
  let running: RunningServer;
  let instance: InstanceRecord;

  before(async () => {
    instance = simulator.inventory.addInstance({ tags: { Name: 'Server_1' } });
    running = await simulator.start();
  });
  after(() => running.close());

  it('describe-instances-response.xml (running instance)', async () => {
    const answer = await signedCall(running.url, { Action: 'DescribeInstances', 'InstanceId.1': instance.instanceId }, { now: clock });
    assert.equal(answer.status, 200);
    const reference = xmlShape({ name: '#', children: [parseXml(readEc2Fixture('describe-instances-response.xml'))], text: '' });
    const actual = xmlShape({ name: '#', children: [parseXml(answer.text)], text: '' });
    assert.deepEqual(describeShapeDifferences(actual, reference, DESCRIBE_SHAPE), []);
  });

  it('describe-instances-response.xml (stopped instance, with stateReason)', async () => {
    simulator.inventory.setState(instance.instanceId, 'stopped');
    const answer = await signedCall(running.url, { Action: 'DescribeInstances' }, { now: clock });
    const reference = xmlShape({ name: '#', children: [parseXml(readEc2Fixture('describe-instances-response.xml'))], text: '' });
    const actual = xmlShape({ name: '#', children: [parseXml(answer.text)], text: '' });
    assert.deepEqual(describeShapeDifferences(actual, reference, DESCRIBE_SHAPE), []);
  });

  const errorCases = [
    { fixture: 'error-response.xml', code: 'InvalidInstanceID.NotFound', send: () => signedCall(running.url, { Action: 'DescribeInstances', 'InstanceId.1': 'i-1a2b3c4d' }, { now: clock }) },
    { fixture: 'error-auth-failure.xml', code: 'AuthFailure', send: () => signedCall(running.url, { Action: 'DescribeInstances' }, { now: clock, credentials: { ...DEFAULT_CREDENTIALS, secretAccessKey: 'wrong' } }) },
    { fixture: 'error-request-expired.xml', code: 'RequestExpired', send: () => signedCall(running.url, { Action: 'DescribeInstances' }, { now: clock - 3_600_000 }) },
  ];
  for (const errorCase of errorCases) {
    it(`${errorCase.fixture} (${errorCase.code})`, async () => {
      const answer = await errorCase.send();
      const referenceDocument = parseXml(readEc2Fixture(errorCase.fixture));
      const actualDocument = parseXml(answer.text);
      assert.deepEqual(describeShapeDifferences(xmlShape({ name: '#', children: [actualDocument], text: '' }), xmlShape({ name: '#', children: [referenceDocument], text: '' })), []);
      assert.equal(answer.errorCode, /<Code>([^<]*)<\/Code>/.exec(readEc2Fixture(errorCase.fixture))?.[1]);
    });
  }

  it('finds a difference when there is one (the comparison is not vacuous)', () => {
    const reference = xmlShape(parseXml(readEc2Fixture('error-response.xml')));
    assert.deepEqual(describeShapeDifferences(xmlShape(parseXml('<Response><Errors><Error><Code>X</Code></Error></Errors><RequestId>1</RequestId></Response>')), reference), [
      'Errors.Error.Message: missing',
      'RequestId: not in the reference sample',
      'RequestID: missing',
    ]);
  });
});
