#!/usr/bin/env node
// `npm run demo`: the only demo module that touches `process`.
import type { Writable } from 'node:stream';
import { runDemo } from './demo.js';

let signals = 0;
runDemo({
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
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 70;
  },
);
