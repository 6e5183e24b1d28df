import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../common/index.js';
import { createEc2Simulator, DESCRIBE_INSTANCES_PARAMS, EC2_API_VERSION, EC2_XMLNS } from './index.js';
import { loadEc2ServiceModel, parseXml, signedCall, type ModelShape, type XmlNode } from './support.js';

// The EC2 service model ships with Debian's python3-botocore, which .ci/run installs and the
// README lists beside redis-server and nats-server. Without it these tests fail: never skipped.
const model = loadEc2ServiceModel();

/** Checks an XML element against a model shape: each child must be a member by its `locationName`, each leaf parse as its type. Returns visited paths. */
function checkAgainstShape(node: XmlNode, shapeName: string, shapes: Readonly<Record<string, ModelShape>>, path: string, problems: string[], visited: Set<string>): void {
  visited.add(path);
  const shape = shapes[shapeName];
  if (shape === undefined) {
    problems.push(`${path}: shape ${shapeName} is not in the model`);
    return;
  }
  switch (shape.type) {
    case 'structure':
      for (const child of node.children) {
        const member = Object.entries(shape.members ?? {}).find(([name, definition]) => (definition.locationName ?? name) === child.name);
        if (member === undefined) {
          problems.push(`${path}.${child.name}: no member of ${shapeName} has this locationName`);
        } else {
          checkAgainstShape(child, member[1].shape, shapes, `${path}.${child.name}`, problems, visited);
        }
      }
      return;
    case 'list':
      for (const child of node.children) {
        const itemName = shape.member?.locationName ?? 'member';
        if (child.name !== itemName) {
          problems.push(`${path}.${child.name}: items of ${shapeName} are named ${itemName}`);
        } else if (shape.member !== undefined) {
          checkAgainstShape(child, shape.member.shape, shapes, `${path}[]`, problems, visited);
        }
      }
      return;
    case 'integer':
    case 'long':
      if (!/^-?\d+$/.test(node.text)) {
        problems.push(`${path}: "${node.text}" is not an integer`);
      }
      return;
    case 'boolean':
      if (node.text !== 'true' && node.text !== 'false') {
        problems.push(`${path}: "${node.text}" is not a boolean`);
      }
      return;
    case 'timestamp':
      if (Number.isNaN(Date.parse(node.text))) {
        problems.push(`${path}: "${node.text}" is not a timestamp`);
      }
      return;
    case 'string':
      if (shape.enum !== undefined && !shape.enum.includes(node.text)) {
        problems.push(`${path}: "${node.text}" is not one of ${shapeName}`);
      }
      return;
    default:
      problems.push(`${path}: unexpected shape type ${shape.type}`);
  }
}

describe('DescribeInstances against the botocore EC2 service model', () => {
  const simulator = createEc2Simulator();
  let running: RunningServer;

  before(async () => {
    const [tagged] = simulator.seedDcmInstances({ count: 8, tagged: 8 });
    simulator.inventory.setState(tagged?.instanceId ?? '', 'stopped', { reason: 'userHibernate' });
    running = await simulator.start();
  });
  after(() => running.close());

  it('names the API version and XML namespace of the model', () => {
    assert.ok(model !== undefined, 'the botocore EC2 service model is missing: apt-get install -y python3-botocore');
    assert.equal(model.metadata.apiVersion, EC2_API_VERSION);
    assert.equal(model.metadata.protocol, 'ec2');
    assert.equal(`${String(model.metadata.xmlNamespace).replace(/\/$/, '')}/`, EC2_XMLNS);
  });

  it('answers with member names (locationName) and value types of DescribeInstancesResult', async () => {
    assert.ok(model !== undefined);
    const answer = await signedCall(running.url, { Action: 'DescribeInstances', MaxResults: '5' });
    const document = parseXml(answer.text);
    assert.equal(document.name, 'DescribeInstancesResponse');
    const problems: string[] = [];
    const visited = new Set<string>();
    // requestId is protocol metadata of every EC2 answer, not a member of the result shape.
    checkAgainstShape({ ...document, children: document.children.filter((child) => child.name !== 'requestId') }, 'DescribeInstancesResult', model.shapes, 'DescribeInstancesResult', problems, visited);
    assert.deepEqual(problems, []);
    for (const needed of [
      'DescribeInstancesResult.reservationSet[].reservationId',
      'DescribeInstancesResult.reservationSet[].ownerId',
      'DescribeInstancesResult.reservationSet[].instancesSet[].instanceId',
      'DescribeInstancesResult.reservationSet[].instancesSet[].instanceState.code',
      'DescribeInstancesResult.reservationSet[].instancesSet[].instanceState.name',
      'DescribeInstancesResult.reservationSet[].instancesSet[].stateReason.code',
      'DescribeInstancesResult.reservationSet[].instancesSet[].stateReason.message',
      'DescribeInstancesResult.reservationSet[].instancesSet[].tagSet[].key',
      'DescribeInstancesResult.reservationSet[].instancesSet[].tagSet[].value',
      'DescribeInstancesResult.nextToken',
    ]) {
      assert.ok(visited.has(needed), `${needed} was not in the answer`);
    }
  });

  it('reads the request parameters the SDKs send, named as the model serializes them', () => {
    assert.ok(model !== undefined);
    // EC2 protocol: a member goes on the wire as its queryName, else its locationName capitalized, else its name.
    const wireName = (shapeName: string, member: string): string => {
      const definition = model.shapes[shapeName]?.members?.[member];
      assert.ok(definition !== undefined, `${shapeName}.${member} is in the model`);
      const location = definition.queryName ?? definition.locationName;
      return location === undefined ? member : `${location.charAt(0).toUpperCase()}${location.slice(1)}`;
    };
    assert.equal(wireName('DescribeInstancesRequest', 'Filters'), DESCRIBE_INSTANCES_PARAMS.filter);
    assert.equal(wireName('DescribeInstancesRequest', 'InstanceIds'), DESCRIBE_INSTANCES_PARAMS.instanceId);
    assert.equal(wireName('DescribeInstancesRequest', 'MaxResults'), DESCRIBE_INSTANCES_PARAMS.maxResults);
    assert.equal(wireName('DescribeInstancesRequest', 'NextToken'), DESCRIBE_INSTANCES_PARAMS.nextToken);
    assert.equal(wireName('DescribeInstancesRequest', 'DryRun'), DESCRIBE_INSTANCES_PARAMS.dryRun);
    assert.equal(wireName('Filter', 'Name'), DESCRIBE_INSTANCES_PARAMS.filterName);
    assert.equal(wireName('Filter', 'Values'), DESCRIBE_INSTANCES_PARAMS.filterValue);
    assert.deepEqual(model.shapes.InstanceStateName?.enum, ['pending', 'running', 'shutting-down', 'terminated', 'stopping', 'stopped']);
  });
});
