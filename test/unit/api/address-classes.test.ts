import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyAddress, createTargetPolicy, parseIp, unwrapIpv4, type AddressClass, type IpAddress } from '../../../src/api/index.js';

const ip = (text: string): IpAddress => {
  const parsed = parseIp(text);
  assert.ok(parsed, text);
  return parsed;
};

const expectClasses = (expected: Record<string, AddressClass>): void => {
  for (const [address, kind] of Object.entries(expected)) assert.equal(classifyAddress(ip(address)), kind, address);
};

test('IPv6 forms that carry an IPv4 address are judged as that address: mapped, translated, NAT64 and 6to4', () => {
  assert.equal(unwrapIpv4(ip('::ffff:169.254.169.254')).toString(), '169.254.169.254');
  assert.equal(unwrapIpv4(ip('::ffff:0:a9fe:a9fe')).toString(), '169.254.169.254', 'IPv4-translated (RFC 6145)');
  assert.equal(unwrapIpv4(ip('64:ff9b::7f00:1')).toString(), '127.0.0.1', 'NAT64 well-known prefix (RFC 6052)');
  assert.equal(unwrapIpv4(ip('2002:a9fe:a9fe:1::1')).toString(), '169.254.169.254', '6to4 (RFC 3056): the IPv4 of the site router');
  assert.equal(unwrapIpv4(ip('2606:4700::1111')).kind(), 'ipv6', 'a plain IPv6 address stays itself');
  expectClasses({
    '::ffff:169.254.169.254': 'metadata',
    '::ffff:100.100.100.200': 'metadata',
    '::ffff:0:a9fe:a9fe': 'metadata',
    '64:ff9b::a9fe:a9fe': 'metadata',
    '2002:a9fe:a9fe::': 'metadata',
    '::ffff:127.0.0.1': 'loopback',
    '2002:7f00:1::1': 'loopback',
    '::ffff:10.0.0.1': 'private',
    '2002:0a00:0001::1': 'private',
    '64:ff9b::100.64.0.1': 'private',
    '::ffff:0.0.0.0': 'unspecified',
    '::ffff:8.8.8.8': 'public',
    '2002:0808:0808::1': 'public',
    '64:ff9b::1.1.1.1': 'public',
  });
});

test('tunnels whose IPv4 cannot be judged are refused as reserved: Teredo and the NAT64 local-use prefix', () => {
  expectClasses({
    // RFC 4380's own example: server 65.54.227.120, client 192.0.2.45 (obfuscated).
    '2001:0:4136:e378:8000:63bf:3fff:fdd2': 'reserved',
    '64:ff9b:1::a9fe:a9fe': 'reserved',
  });
});

test('IPv4 special-purpose ranges, from ipaddr.js: CGNAT is private, documentation and benchmarking are reserved', () => {
  expectClasses({
    '100.64.0.1': 'private',
    '100.127.255.254': 'private',
    '100.63.255.255': 'public',
    '100.128.0.1': 'public',
    '100.100.100.200': 'metadata',
    '169.254.169.254': 'metadata',
    '169.254.0.1': 'link-local',
    '127.255.255.254': 'loopback',
    '0.1.2.3': 'unspecified',
    '10.255.255.255': 'private',
    '172.31.0.1': 'private',
    '172.32.0.1': 'public',
    '192.168.255.1': 'private',
    '239.1.2.3': 'multicast',
    '255.255.255.255': 'reserved',
    '250.1.2.3': 'reserved',
    '192.0.2.1': 'reserved',
    '198.51.100.7': 'reserved',
    '203.0.113.9': 'reserved',
    '198.18.0.1': 'reserved',
    '192.0.0.8': 'reserved',
    '192.175.48.1': 'public',
    '1.1.1.1': 'public',
    '93.184.216.34': 'public',
  });
});

test('IPv6 special-purpose ranges, from ipaddr.js', () => {
  expectClasses({
    'fd00:ec2::254': 'metadata',
    '::1': 'loopback',
    '::': 'unspecified',
    'fe80::1': 'link-local',
    'fd12:3456::1': 'private',
    'fc00::1': 'private',
    'fec0::1': 'private',
    'ff02::1': 'multicast',
    '100::1': 'reserved',
    '2001:db8::1': 'reserved',
    '2001:2::1': 'reserved',
    '2001:20::1': 'reserved',
    '::8.8.8.8': 'reserved',
    '2606:4700:4700::1111': 'public',
  });
});

test('the policy refuses a metadata address in every IPv6 disguise, for literals and for resolved names alike', () => {
  const policy = createTargetPolicy({ allowedTargets: [], allowPrivateTargets: true }, async () => []);
  for (const disguise of ['::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '64:ff9b::a9fe:a9fe', '2002:a9fe:a9fe::1', 'fd00:ec2::254']) {
    assert.match(policy.refusal(disguise, disguise) ?? '', /is a metadata address/, disguise);
    assert.match(policy.refusal('platform.example', disguise) ?? '', new RegExp(`^host platform\\.example resolves to ${disguise.replace(/\./g, '\\.')}, which is a metadata address`), disguise);
  }
  assert.equal(policy.refusal('platform.example', '::ffff:10.1.2.3'), undefined, 'allowPrivateTargets admits a private address however it is spelled');
  assert.match(policy.refusal('platform.example', 'not-an-address') ?? '', /is not an IP address/);
});
