import type { ProcessExit } from '../support/cli-process.js';

/** What the judge reads of one bridge process. */
export interface ProcessRecord {
  /** The signal the suite sent to end it, if any. */
  readonly endedBy?: 'SIGKILL' | 'SIGTERM';
  /** Undefined while it still runs. */
  readonly exit?: ProcessExit;
  stderr(): string;
}

/** Errors that only a bug throws: a logged one is a crash in all but name. */
const programmingErrors = new Set(['TypeError', 'ReferenceError', 'RangeError', 'SyntaxError', 'AssertionError']);

/** pino's level of `fatal`. */
const fatalLevel = 60;

/**
 * Signs that a bridge process crashed, each in words: an exit the suite did
 * not cause (or a SIGTERM not ending in exit code 0), a stack trace printed
 * outside the JSON log (an uncaught exception, an unhandled rejection, the
 * CLI's last-resort handler), a `fatal` log line, or a logged error of a
 * kind only bugs throw. Operational errors logged with their stack (a
 * publish that timed out, Redis refusing a connection) are not crashes.
 */
export function crashSigns(record: ProcessRecord): string[] {
  const signs: string[] = [];
  const { exit, endedBy } = record;
  if (exit) {
    if (endedBy === undefined) signs.push(`exited by itself: code ${String(exit.code)}, signal ${String(exit.signal)}`);
    else if (endedBy === 'SIGTERM' && exit.code !== 0) signs.push(`SIGTERM ended in code ${String(exit.code)}, signal ${String(exit.signal)} (expected 0)`);
    else if (endedBy === 'SIGKILL' && exit.signal !== 'SIGKILL') signs.push(`ended with code ${String(exit.code)} before the suite's SIGKILL landed`);
  }
  const lines = record.stderr().split('\n');
  lines.forEach((line, index) => {
    if (line.startsWith('{')) {
      let entry: { level?: unknown; msg?: unknown; err?: { type?: unknown; message?: unknown } };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return; // A line cut by SIGKILL.
      }
      if (typeof entry.level === 'number' && entry.level >= fatalLevel) signs.push(`fatal log line: ${String(entry.msg)}`);
      const type = entry.err?.type;
      if (typeof type === 'string' && programmingErrors.has(type)) signs.push(`${type} logged: ${String(entry.err?.message ?? entry.msg)}`);
      return;
    }
    if (/^\s+at\s/.test(line) && !/^\s+at\s/.test(lines[index - 1] ?? '')) signs.push(`stack trace outside the log: ${(lines[index - 1] ?? '').slice(0, 200)}`);
  });
  return signs;
}
