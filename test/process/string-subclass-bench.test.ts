import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runBench } from '../support/bench-run.js';

// adapters/ec2/README.md quotes this one-off measurement as `node dist/bench/string-subclass.bench.js`; its figures are
// the machine's, so only what it prints is checked here, never how fast anything was.
describe('node dist/bench/string-subclass.bench.js', () => {
  it('prints, for each way of reading a page-sized text (JSON.parse too), its time before and after @redis/client is imported and their ratio', { timeout: 120_000 }, async () => {
    const exit = await runBench({}, 'string-subclass.bench.js');
    assert.equal(exit.code, 0, exit.stderr);
    assert.match(exit.stdout, /^one 1\.4\d MB text, [\d]+ tags; one [\d.]+ MB JSON page of 1,000 servers; Node v\d+\.\d+\.\d+; medians of 7 runs$/m);
    for (const way of ['charCodeAt over the string', "indexOf\\('<'\\) over the string", 'a loop over the UTF-8 bytes', 'JSON\\.parse of a Nova page']) {
      const row = new RegExp(`^${way} +([\\d.]+) ms +([\\d.]+) ms +([\\d.]+)×$`, 'm').exec(exit.stdout);
      assert.ok(row, `a row for ${way}:\n${exit.stdout}`);
      const [before, after, ratio] = row.slice(1).map(Number);
      assert.ok(before !== undefined && after !== undefined && ratio !== undefined && before > 0 && after > 0);
      // The times are printed to 0.01 ms and the ratio to 0.1, each from the unrounded figures: the printed ratio must lie
      // within its own rounding of some ratio the printed times allow.
      const lowest = (after - 0.005) / (before + 0.005);
      const highest = (after + 0.005) / (before - 0.005);
      assert.ok(ratio + 0.05 >= lowest && ratio - 0.05 <= highest, `the ratio is after / before: ${row[0]}`);
    }
  });
});
