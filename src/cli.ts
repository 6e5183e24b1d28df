#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Writable } from 'node:stream';
import { runCommand, type CommandIo } from './main.js';

/**
 * The process's surroundings as a {@link CommandIo}: arguments, environment,
 * standard streams and SIGTERM/SIGINT. This module is the only one that
 * touches `process`; everything else receives what it needs.
 */
export function processIo(): CommandIo {
  return {
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
}

/** Runs a command with `io` and sets the process exit code. */
export async function runProcess(io: CommandIo): Promise<void> {
  try {
    process.exitCode = await runCommand(io);
  } catch (error) {
    process.stderr.write(`dcm-poll-bridge: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 70;
  }
}

const invokedDirectly = process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invokedDirectly) void runProcess(processIo());
