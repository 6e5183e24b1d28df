/**
 * Why the EC2 page scanner reads bytes, not a decoded string (#12): once any
 * module in the process subclasses `String`, V8 stops taking its fast path
 * for `String.prototype` method calls such as `charCodeAt`, `indexOf` and
 * `slice`, for the rest of the process. `@redis/client`, which every bridge
 * loads for its cache, does so at import (`class VerbatimString extends
 * String`, its RESP3 verbatim strings). This measures three ways to find the
 * tags of one DescribeInstances-sized text (1.4 MB) before and after that
 * import, in one process: `charCodeAt` over the string, `indexOf('<')` over
 * it, and a loop over its UTF-8 bytes. Medians of 7 runs; ratios within the
 * run. A one-off measurement for adapters/ec2/README.md, separate from
 * `npm run bench`.
 * Run: node dist/bench/string-subclass.bench.js
 */
const element = '<item><instanceId>i-0123456789abcdef0</instanceId><imageId>ami-0abcdef1234567890</imageId><instanceState><code>16</code><name>running</name></instanceState></item>';
const text = element.repeat(Math.ceil(1_435_000 / element.length));
const bytes = Buffer.from(text, 'utf8');
const lessThan = 0x3c;

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

const ways = [
  { name: 'charCodeAt over the string', scan: tagsByCharCodeAt },
  { name: "indexOf('<') over the string", scan: tagsByIndexOf },
  { name: 'a loop over the UTF-8 bytes', scan: tagsByBytes },
] as const;

function medianMilliseconds(scan: () => number): number {
  const expected = tagsByBytes();
  for (let warmup = 0; warmup < 5; warmup++) scan();
  const runs: number[] = [];
  for (let run = 0; run < 7; run++) {
    const started = process.hrtime.bigint();
    for (let iteration = 0; iteration < 10; iteration++) {
      if (scan() !== expected) throw new Error('the scans disagree on the number of tags');
    }
    runs.push(Number(process.hrtime.bigint() - started) / 1e6 / 10);
  }
  runs.sort((a, b) => a - b);
  return runs[3] ?? NaN;
}

const before = ways.map((way) => medianMilliseconds(way.scan));
await import('@redis/client');
const after = ways.map((way) => medianMilliseconds(way.scan));
console.log(`one ${(bytes.length / 1e6).toFixed(2)} MB text, ${tagsByBytes()} tags; Node ${process.version}; medians of 7 runs`);
console.log(`${'scan'.padEnd(32)} ${'before'.padStart(9)} ${'after @redis/client'.padStart(20)}  after / before`);
ways.forEach((way, index) => {
  const first = before[index] ?? NaN;
  const second = after[index] ?? NaN;
  console.log(`${way.name.padEnd(32)} ${first.toFixed(2).padStart(6)} ms ${second.toFixed(2).padStart(17)} ms  ${(second / first).toFixed(1)}×`);
});
