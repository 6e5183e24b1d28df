import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrContains, classifyAddress, createTargetPolicy, judgeAddress, parseCidr, parseIp, parseTargetEntry, unwrapIpv4, type IpAddress, type TargetEntry } from '../../../src/api/index.js';
import { BridgeError } from '../../../src/errors/index.js';

const ip = (text: string): IpAddress => {
  const parsed = parseIp(text);
  assert.ok(parsed, text);
  return parsed;
};
const entries = (...texts: string[]): TargetEntry[] => texts.map((text) => parseTargetEntry(text) as TargetEntry);

test('IPv4 and IPv6 literals parse to the same address in every IPv6 spelling; only standard spellings parse', () => {
  assert.deepEqual(ip('10.1.2.3').toByteArray(), [10, 1, 2, 3]);
  assert.deepEqual(ip('::1').toByteArray(), ip('0:0:0:0:0:0:0:1').toByteArray());
  assert.deepEqual(ip('[fd00:ec2::254]').toByteArray(), ip('fd00:ec2:0:0:0:0:0:254').toByteArray());
  assert.deepEqual(ip('::ffff:169.254.169.254').toByteArray(), ip('::ffff:a9fe:a9fe').toByteArray());
  assert.deepEqual(ip('fe80::1%eth0'), ip('fe80::1'), 'a zone index is dropped');
  // ipaddr.js alone reads inet_aton's spellings (10.1.2 = 10.1.0.2, 0x7f.1 = 127.0.0.1); an allow-list entry must not.
  for (const bad of ['', '10.1.2', '0x7f.1', '010.1.2.3', '2130706433', '10.1.2.256', 'example.com', ':::1', '1::2::3']) assert.equal(parseIp(bad), undefined, bad);
});

test('CIDR matching for IPv4 and IPv6, with prefixes that do not fall on byte boundaries', () => {
  const private172 = parseCidr('172.16.0.0/12');
  assert.ok(private172);
  assert.ok(cidrContains(private172, ip('172.31.255.255')));
  assert.ok(!cidrContains(private172, ip('172.32.0.0')));
  const ula = parseCidr('fc00::/7');
  assert.ok(ula);
  assert.ok(cidrContains(ula, ip('fd12:3456::1')));
  assert.ok(!cidrContains(ula, ip('fe00::1')));
  assert.ok(!cidrContains(ula, ip('10.0.0.1')), 'families never match each other');
  const everything = parseCidr('0.0.0.0/0');
  assert.ok(everything && cidrContains(everything, ip('8.8.8.8')));
  assert.deepEqual(parseCidr('192.0.2.7'), { base: ip('192.0.2.7'), prefix: 32 }, 'a lone address is a block of one');
  for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/-1', '10.0.0.0/8/8', 'host/8', '10.0.0.0/x']) assert.equal(parseCidr(bad), undefined, bad);
});

test('IPv4-mapped and NAT64 IPv6 addresses are judged as the IPv4 address they reach', () => {
  assert.deepEqual(unwrapIpv4(ip('::ffff:10.0.0.1')), ip('10.0.0.1'));
  assert.deepEqual(unwrapIpv4(ip('64:ff9b::a9fe:a9fe')), ip('169.254.169.254'));
  assert.deepEqual(unwrapIpv4(ip('2001:db8::1')), ip('2001:db8::1'));
  assert.equal(classifyAddress(ip('::ffff:169.254.169.254')), 'metadata');
  assert.equal(classifyAddress(ip('::ffff:127.0.0.1')), 'loopback');
  assert.equal(classifyAddress(ip('64:ff9b::192.168.1.1')), 'private');
});

test('address classes', () => {
  const expected: Record<string, string> = {
    '169.254.169.254': 'metadata',
    'fd00:ec2::254': 'metadata',
    '169.254.10.1': 'link-local',
    'fe80::1': 'link-local',
    '127.0.0.53': 'loopback',
    '::1': 'loopback',
    '0.0.0.0': 'unspecified',
    '::': 'unspecified',
    '10.20.30.40': 'private',
    '192.168.1.1': 'private',
    '100.64.0.1': 'private',
    'fd12::1': 'private',
    '224.0.0.1': 'multicast',
    'ff02::1': 'multicast',
    '255.255.255.255': 'reserved',
    '::10.0.0.1': 'reserved',
    '93.184.216.34': 'public',
    '2606:4700::1111': 'public',
  };
  for (const [address, kind] of Object.entries(expected)) assert.equal(classifyAddress(ip(address)), kind, address);
});

test('the allow-list: CIDRs admit anything they cover, host names admit their own public or (when allowed) private addresses', () => {
  const none = entries();
  assert.equal(judgeAddress('platform.example', ip('93.184.216.34'), none, false), undefined, 'an empty list allows public addresses');
  assert.match(judgeAddress('vc.corp', ip('10.0.0.5'), none, false) ?? '', /private/);
  assert.equal(judgeAddress('vc.corp', ip('10.0.0.5'), none, true), undefined, 'allowPrivateTargets admits private addresses');
  assert.equal(judgeAddress('localhost', ip('127.0.0.1'), none, true), undefined, 'and loopback');
  assert.match(judgeAddress('x', ip('169.254.169.254'), none, true) ?? '', /metadata/, 'never metadata');
  assert.match(judgeAddress('x', ip('fe80::1'), none, true) ?? '', /link-local/);
  assert.match(judgeAddress('x', ip('0.0.0.0'), none, true) ?? '', /unspecified/);

  const list = entries('10.1.0.0/16', '*.corp.example', 'vc.lab', 'fd00:ec2::254/128');
  assert.equal(judgeAddress('any', ip('10.1.2.3'), list, false), undefined, 'a CIDR admits a private address without allowPrivateTargets');
  assert.equal(judgeAddress('any', ip('::ffff:10.1.2.3'), list, false), undefined, 'also when reached through IPv4-mapped IPv6');
  assert.equal(judgeAddress('imds', ip('fd00:ec2::254'), list, false), undefined, 'a CIDR may even admit the metadata address, on purpose');
  assert.match(judgeAddress('other.example', ip('93.184.216.34'), list, false) ?? '', /not in api\.allowedTargets/, 'a non-empty list admits only what it names');
  assert.equal(judgeAddress('vc.corp.example', ip('93.184.216.34'), list, false), undefined);
  assert.equal(judgeAddress('vc.lab', ip('93.184.216.34'), list, false), undefined);
  assert.match(judgeAddress('sub.vc.lab', ip('93.184.216.34'), list, false) ?? '', /not in/, 'a plain host entry does not admit subdomains');
  assert.match(judgeAddress('vc.corp.example', ip('169.254.169.254'), list, false) ?? '', /metadata/, 'a host entry never admits metadata');
  assert.match(judgeAddress('vc.lab', ip('192.168.0.9'), list, false) ?? '', /private/, 'nor private addresses without allowPrivateTargets');
});

test('allow-list entries: CIDRs, addresses and host names; anything else is refused', () => {
  assert.deepEqual(parseTargetEntry('*.Example.COM'), { kind: 'host', host: 'example.com', subdomains: true });
  assert.equal(parseTargetEntry('10.0.0.0/8')?.kind, 'cidr');
  assert.equal(parseTargetEntry('2001:db8::/32')?.kind, 'cidr');
  for (const bad of ['', 'http://x', 'a..b', '*', '10.0.0.0/40', 'under_score.example']) assert.equal(parseTargetEntry(bad), undefined, bad);
});

test('the policy resolves names and checks every address; literals are not resolved', async () => {
  const asked: string[] = [];
  const dns: Record<string, string[]> = { 'good.example': ['93.184.216.34', '2606:4700::1111'], 'split.example': ['93.184.216.34', 'fe80::1'] };
  const policy = createTargetPolicy({ allowedTargets: [], allowPrivateTargets: false }, async (host) => {
    asked.push(host);
    return dns[host] ?? [];
  });
  await policy.check('https://good.example:8443/sdk', 'body.url');
  await policy.check('https://[2606:4700::1111]/', 'body.url');
  const refusal = async (url: string): Promise<string> => {
    try {
      await policy.check(url, 'body.url');
    } catch (error) {
      assert.ok(error instanceof BridgeError && error.code === 'INVALID_ARGUMENT' && error.context.issues?.[0]?.path === 'body.url');
      return error.context.issues[0].message;
    }
    return 'allowed';
  };
  assert.match(await refusal('https://split.example/'), /resolves to fe80::1, which is a link-local address/);
  assert.match(await refusal('https://unknown.example/'), /does not resolve/);
  assert.match(await refusal('http://0x7f.1/'), /127\.0\.0\.1 is a loopback address/, 'the URL parser normalizes odd IPv4 spellings first');
  assert.match(await refusal('http://[::ffff:7f00:1]/'), /loopback/);
  assert.deepEqual(asked, ['good.example', 'split.example', 'unknown.example']);
});
