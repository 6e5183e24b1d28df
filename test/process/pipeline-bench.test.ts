import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runBench } from '../support/bench-run.js';

// The README quotes this one-off measurement as `node dist/bench/pipeline.bench.js`; its figures are the
// machine's, so only what it prints is checked here (every phase, its events and Redis batching), never how fast.
describe('node dist/bench/pipeline.bench.js', () => {
  it('prints the first poll, an unchanged poll, 1 % changed and two storms, each with its events, CPU per event and Redis commands', { timeout: 120_000 }, async () => {
    const exit = await runBench({ BENCH_SIZES: '2000' }, 'pipeline.bench.js');
    assert.equal(exit.code, 0, exit.stderr);
    const row = (phase: string): number[] => {
      const line = new RegExp(`^ +2000 +${phase} +(.*)$`, 'm').exec(exit.stdout)?.[1];
      assert.ok(line, `a row for "${phase}": ${exit.stdout}`);
      return line.trim().split(/ +/).map(Number);
    };
    // Columns after the phase: ms, events, events/s, CPU µs each, redis commands, heap change.
    const expected: Array<[string, number]> = [['first poll \\(all new\\)', 2000], ['unchanged', 0], ['1% changed', 20], ['storm: all changed', 1980], ['storm: all back', 2000]];
    for (const [phase, events] of expected) {
      const [, printedEvents, , cpu, commands] = row(phase);
      assert.equal(printedEvents, events, `${phase}: events`);
      assert.ok((cpu as number) > 0, `${phase}: CPU per event or instance is printed`);
      // Where most VMs changed: one MGET a page, and a few commands a page for the outbox, the records and the index, never one a VM.
      if (events >= 1000) assert.ok((commands as number) < events / 10, `${phase}: ${commands} Redis commands for ${events} events`);
    }
  });
});
