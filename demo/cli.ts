#!/usr/bin/env node
// `npm run demo [-- --nats] [--speed N]`: the only demo module that touches `process`.
import type { Writable } from 'node:stream';
import { runDemo } from './demo.js';
import { demoUsage, parseDemoArgs } from './options.js';

const parsed = parseDemoArgs(process.argv.slice(2), process.env);
if ('help' in parsed) {
  process.stdout.write(`${demoUsage}\n`);
} else if ('error' in parsed) {
  process.stderr.write(`demo: ${parsed.error}\n${demoUsage}\n`);
  process.exitCode = 2;
} else {
  let signals = 0;
  runDemo(
    {
      env: process.env,
      stdout: process.stdout as Writable,
      stderr: process.stderr as Writable,
      onShutdownSignal(handler) {
        const onSignal = (signal: NodeJS.Signals): void => {
          signals += 1;
          // A second Ctrl-C means "now": skip the clean logout.
          if (signals > 1) process.exit(130);
          handler(signal);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      },
    },
    parsed.options,
  ).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // Expected failures (no nats-server, NATS unreachable) are one line; a bug keeps its stack.
      const expected = error instanceof Error && /nats-server|NATS at/.test(error.message);
      process.stderr.write(`demo failed: ${error instanceof Error ? (expected ? error.message : (error.stack ?? error.message)) : String(error)}\n`);
      process.exitCode = 70;
    },
  );
}
