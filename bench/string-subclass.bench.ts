/**
 * Why the EC2 page scanner reads bytes, not a decoded string (#12): once any
 * module in the process subclasses `String`, V8 stops taking its fast path
 * for `String.prototype` method calls such as `charCodeAt`, `indexOf` and
 * `slice`, for the rest of the process. `@redis/client`, which every bridge
 * loads for its cache, does so at import (`class VerbatimString extends
 * String`, its RESP3 verbatim strings). This measures three ways to find the
 * tags of one DescribeInstances-sized text (1.4 MB) before and after that
 * import, in one process: `charCodeAt` over the string, `indexOf('<')` over
 * it, and a loop over its UTF-8 bytes; and, for OpenStack's pages, `JSON.parse`
 * of a 1,000-server `servers/detail` answer of the same size, which the
 * subclass does not slow. Medians of 7 runs; ratios within the run. A one-off measurement for adapters/ec2/README.md, separate from
 * `npm run bench`.
 * Run: node dist/bench/string-subclass.bench.js
 */
const element = '<item><instanceId>i-0123456789abcdef0</instanceId><imageId>ami-0abcdef1234567890</imageId><instanceState><code>16</code><name>running</name></instanceState></item>';
const text = element.repeat(Math.ceil(1_435_000 / element.length));
const bytes = Buffer.from(text, 'utf8');
const lessThan = 0x3c;
/** A Nova `servers/detail` page of 1,000 servers, about the size of the text above. */
const serversJson = JSON.stringify({
  servers: Array.from({ length: 1000 }, (_, index) => ({
    id: `5c1e9d3a-0000-4000-8000-${String(index).padStart(12, '0')}`,
    name: `vm-${index}`,
    status: 'ACTIVE',
    tags: ['managed-by=dcm', `dcm-instance-id=inst-${index}`],
    'OS-EXT-STS:vm_state': 'active',
    'OS-EXT-STS:task_state': null,
    addresses: { private: [{ addr: `10.0.${index >> 8}.${index & 255}`, version: 4, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': 'fa:16:3e:00:00:01' }] },
    flavor: { original_name: 'm1.small', vcpus: 1, ram: 2048, disk: 20, ephemeral: 0, swap: 0, extra_specs: {} },
    image: { id: '70a599e0-31e7-49b7-b260-868f441e862b', links: [{ href: 'http://openstack.example.com/images/70a599e0', rel: 'bookmark' }] },
    metadata: { 'managed-by': 'dcm', 'dcm-instance-id': `inst-${index}`, owner: 'team-a', purpose: 'x'.repeat(600) },
    created: '2026-11-30T10:00:00Z',
    updated: '2026-12-01T10:00:00Z',
    links: [{ href: `http://openstack.example.com/v2.1/servers/${index}`, rel: 'self' }],
  })),
});

function tagsByCharCodeAt(): number {
  let count = 0;
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) === lessThan) count++;
  return count;
}

function tagsByIndexOf(): number {
  let count = 0;
  for (let index = text.indexOf('<'); index !== -1; index = text.indexOf('<', index + 1)) count++;
  return count;
}

function tagsByBytes(): number {
  let count = 0;
  for (let index = 0; index < bytes.length; index++) if (bytes[index] === lessThan) count++;
  return count;
}

function serversByJsonParse(): number {
  return (JSON.parse(serversJson) as { servers: unknown[] }).servers.length;
}

const ways = [
  { name: 'charCodeAt over the string', scan: tagsByCharCodeAt, expected: tagsByBytes() },
  { name: "indexOf('<') over the string", scan: tagsByIndexOf, expected: tagsByBytes() },
  { name: 'a loop over the UTF-8 bytes', scan: tagsByBytes, expected: tagsByBytes() },
  { name: 'JSON.parse of a Nova page', scan: serversByJsonParse, expected: 1000 },
] as const;

function medianMilliseconds(scan: () => number, expected: number): number {
  for (let warmup = 0; warmup < 5; warmup++) scan();
  const runs: number[] = [];
  for (let run = 0; run < 7; run++) {
    const started = process.hrtime.bigint();
    for (let iteration = 0; iteration < 10; iteration++) {
      if (scan() !== expected) throw new Error(`a scan found ${scan()} where ${expected} are`);
    }
    runs.push(Number(process.hrtime.bigint() - started) / 1e6 / 10);
  }
  runs.sort((a, b) => a - b);
  return runs[3] ?? NaN;
}

const before = ways.map((way) => medianMilliseconds(way.scan, way.expected));
await import('@redis/client');
const after = ways.map((way) => medianMilliseconds(way.scan, way.expected));
console.log(`one ${(bytes.length / 1e6).toFixed(2)} MB text, ${tagsByBytes()} tags; one ${(Buffer.byteLength(serversJson) / 1e6).toFixed(2)} MB JSON page of 1,000 servers; Node ${process.version}; medians of 7 runs`);
console.log(`${'scan'.padEnd(32)} ${'before'.padStart(9)} ${'after @redis/client'.padStart(20)}  after / before`);
ways.forEach((way, index) => {
  const first = before[index] ?? NaN;
  const second = after[index] ?? NaN;
  console.log(`${way.name.padEnd(32)} ${first.toFixed(2).padStart(6)} ms ${second.toFixed(2).padStart(17)} ms  ${(second / first).toFixed(1)}×`);
});
