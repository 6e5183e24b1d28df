// The DescribeInstances answer in EC2's XML, element names as the service model's
// `locationName`s (reservationSet, instancesSet, instanceState, tagSet, nextToken…).
import { INSTANCE_STATE_CODES, type InstanceRecord } from './model.js';
import { xmlDocument, xmlElement } from './xml.js';

/** The XML namespace of API version 2016-11-15 (the only version the simulator serves). */
export const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

/** EC2 writes timestamps with milliseconds, e.g. `2018-05-08T16:46:19.000Z`. */
function timestamp(date: Date): string {
  return date.toISOString();
}

function privateDnsName(record: InstanceRecord, region: string): string {
  const domain = region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`;
  return `ip-${record.privateIpAddress.replace(/\./g, '-')}.${domain}`;
}

/** One `instancesSet/item`: the members the reference sample shows that a poller can use, in the sample's order. */
export function renderInstance(record: InstanceRecord, region: string): string {
  const networkId = record.seq % 4;
  const children = [
    xmlElement('instanceId', record.instanceId),
    xmlElement('imageId', record.imageId),
    xmlElement('instanceState', [xmlElement('code', String(INSTANCE_STATE_CODES[record.state])), xmlElement('name', record.state)]),
    xmlElement('privateDnsName', privateDnsName(record, region)),
    xmlElement('dnsName', ''),
    xmlElement('reason', record.transitionReason),
    xmlElement('amiLaunchIndex', '0'),
    xmlElement('productCodes', ''),
    xmlElement('instanceType', record.instanceType),
    xmlElement('launchTime', timestamp(record.launchTime)),
    xmlElement('placement', [xmlElement('availabilityZone', record.availabilityZone), xmlElement('groupName', ''), xmlElement('tenancy', 'default')]),
    xmlElement('monitoring', [xmlElement('state', 'disabled')]),
    xmlElement('subnetId', `subnet-0${networkId}abcdef012345678`),
    xmlElement('vpcId', 'vpc-0abcdef0123456789'),
    xmlElement('privateIpAddress', record.privateIpAddress),
    xmlElement('sourceDestCheck', 'true'),
    xmlElement('groupSet', [xmlElement('item', [xmlElement('groupId', 'sg-0abcdef0123456789'), xmlElement('groupName', 'default')])]),
    ...(record.stateReason === undefined ? [] : [xmlElement('stateReason', [xmlElement('code', record.stateReason.code), xmlElement('message', record.stateReason.message)])]),
    xmlElement('architecture', 'x86_64'),
    xmlElement('rootDeviceType', 'ebs'),
    xmlElement('rootDeviceName', '/dev/xvda'),
    xmlElement('virtualizationType', 'hvm'),
    xmlElement('clientToken', ''),
    // EC2 leaves tagSet out entirely for an instance without tags.
    ...(record.tags.length === 0 ? [] : [xmlElement('tagSet', record.tags.map((tag) => xmlElement('item', [xmlElement('key', tag.key), xmlElement('value', tag.value)])))]),
    xmlElement('hypervisor', 'xen'),
    xmlElement('ebsOptimized', 'false'),
    xmlElement('cpuOptions', [xmlElement('coreCount', '1'), xmlElement('threadsPerCore', '2')]),
  ];
  return xmlElement('item', children);
}

/**
 * The whole answer. Consecutive instances of one reservation share a
 * `reservationSet/item`; a reservation cut by a page boundary appears on both pages.
 */
export function renderDescribeInstances(requestId: string, instances: readonly InstanceRecord[], nextToken: string | undefined, region: string): string {
  const reservations: string[] = [];
  let index = 0;
  while (index < instances.length) {
    const first = instances[index];
    if (first === undefined) {
      break;
    }
    const members: string[] = [];
    while (index < instances.length && instances[index]?.reservationId === first.reservationId) {
      const record = instances[index];
      if (record !== undefined) {
        members.push(renderInstance(record, region));
      }
      index += 1;
    }
    reservations.push(
      xmlElement('item', [xmlElement('reservationId', first.reservationId), xmlElement('ownerId', first.ownerId), xmlElement('groupSet', ''), xmlElement('instancesSet', members)]),
    );
  }
  return xmlDocument(
    xmlElement(
      'DescribeInstancesResponse',
      [xmlElement('requestId', requestId), xmlElement('reservationSet', reservations), ...(nextToken === undefined ? [] : [xmlElement('nextToken', nextToken)])],
      { xmlns: EC2_XMLNS },
    ),
  );
}
