#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Writable } from 'node:stream';
import type { CommandIo } from './main.js';

// The bridge's process entry point: the command runs on the CommandIo made here (arguments, environment, working and
// home directories, streams, signals), and the running bridge touches `process` through nothing else but the process
// id in its default replica id (src/cluster/replica-id.ts). The other entry points (src/build-info/record-cli.ts,
// src/write-config-docs.ts) are processes of their own.

/**
 * The process's surroundings as a {@link CommandIo}: arguments, environment, standard streams and SIGTERM/SIGINT.
 * The SIGTERM/SIGINT handlers are installed here, when the io is made, before anything slow loads: a signal that
 * arrives while the bridge's modules load or its connections open is kept and handed to the command's handler as
 * soon as it registers one. After the first signal the handlers are removed, so a second one ends the process at
 * once (the operator's way out of a stop that hangs).
 */
export function processIo(): CommandIo {
  let received: string | undefined;
  let deliver: ((signal: string) => void) | undefined;
  const once = (signal: NodeJS.Signals): void => {
    process.off('SIGTERM', once);
    process.off('SIGINT', once);
    received = signal;
    deliver?.(signal);
  };
  process.on('SIGTERM', once);
  process.on('SIGINT', once);
  return {
    argv: process.argv.slice(2),
    env: process.env,
    nodeVersion: process.versions.node,
    directories: { cwd: process.cwd(), homeDir: homedir() },
    stdout: process.stdout as Writable,
    stderr: process.stderr as Writable,
    onShutdownSignal(handler) {
      deliver = handler;
      if (received !== undefined) handler(received);
    },
  };
}

/**
 * How long the process may stay alive after its command finished. Every
 * close is bounded, but a handle a library keeps open (a socket still
 * dialling a broker that never answers) must not turn a finished command
 * into a process that never exits.
 */
export const exitGraceMs = 3000;

/** Runs a command with `io`, sets the process exit code, and makes sure the process then ends. */
export async function runProcess(io: CommandIo): Promise<void> {
  try {
    // Imported here, not above: the compile cache must be on before the bridge's modules load.
    const { runCommand } = await import('./main.js');
    process.exitCode = await runCommand(io);
  } catch (error) {
    process.stderr.write(`dcm-poll-bridge: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 70;
  }
  // Unref'd: a process with nothing left open exits at once and never sees this timer.
  setTimeout(() => {
    const open = process.getActiveResourcesInfo().filter((kind) => kind !== 'Timeout');
    process.stderr.write(`dcm-poll-bridge: still busy ${exitGraceMs / 1000} s after the command finished (open: ${open.join(', ') || 'timers'}); exiting\n`);
    process.exit();
  }, exitGraceMs).unref();
}

const invokedDirectly = process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invokedDirectly) {
  // V8's compiled code for our modules and their packages, kept between runs (in $NODE_COMPILE_CACHE, else the
  // system's temporary directory): about a fifth of start-up CPU (#12). Without a writable cache the bridge simply
  // compiles as before; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
  // The signal handlers first: everything after this line may take a while.
  const io = processIo();
  enableCompileCache();
  void runProcess(io);
}
