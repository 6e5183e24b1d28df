#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Writable } from 'node:stream';
import { runCommand, type CommandIo } from './main.js';

/**
 * The `dcm-poll-bridge` executable: the only module that touches `process`.
 * Everything else receives what it needs through {@link runCommand}.
 */
async function main(): Promise<void> {
  const io: CommandIo = {
    argv: process.argv.slice(2),
    env: process.env,
    stdout: process.stdout as Writable,
    stderr: process.stderr as Writable,
    onShutdownSignal(handler) {
      const once = (signal: NodeJS.Signals): void => {
        process.off('SIGTERM', once);
        process.off('SIGINT', once);
        handler(signal);
      };
      process.on('SIGTERM', once);
      process.on('SIGINT', once);
    },
  };
  process.exitCode = await runCommand(io);
}

const invokedDirectly = process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invokedDirectly) {
  main().catch((error: unknown) => {
    process.stderr.write(`dcm-poll-bridge: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 70;
  });
}
