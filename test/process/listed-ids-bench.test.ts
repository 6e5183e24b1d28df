import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runBench } from '../support/bench-run.js';

// src/diff/listed-ids.ts and the README quote this one-off measurement as `node dist/bench/listed-ids.bench.js`; its
// figures are the machine's, so only what it prints is checked here, never how fast anything was.
describe('node dist/bench/listed-ids.bench.js', () => {
  it('prints the Map lookup alone, the first poll and the polls after it in ns a VM, and the ratio of the last to the first', { timeout: 60_000 }, async () => {
    const exit = await runBench({ BENCH_MEMBERS: '5000' }, 'listed-ids.bench.js');
    assert.equal(exit.code, 0, exit.stderr);
    assert.match(exit.stdout, /^5,000 members in an order unrelated to the listing's; Node v\d+\.\d+\.\d+; medians of 7 polls$/m);
    const figure = (label: string): number => Number(new RegExp(`^${label} +(\\d+) ns a VM`, 'm').exec(exit.stdout)?.[1] ?? NaN);
    const map = figure('Map lookup alone');
    const after = figure('ListedIds\\.list, polls after it');
    assert.ok(map > 0 && figure('ListedIds\\.list, first poll') > 0 && after > 0, exit.stdout);
    const ratio = Number(/\(([\d.]+)× the Map lookup\)/.exec(exit.stdout)?.[1]);
    // Printed from the unrounded figures: within the rounding of the printed ones.
    assert.ok(Math.abs(ratio - after / map) <= 0.01 + (0.5 * (after + map)) / (map * (map - 0.5)), `the ratio is the polls after / the Map lookup: ${exit.stdout}`);
  });
});
