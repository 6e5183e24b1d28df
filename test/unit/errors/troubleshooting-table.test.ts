// #16: the operator guide's troubleshooting table names the error codes operators really see (in `poll failed`
// lines, `last_error.code`, and `dcm_bridge_poll_failures_total{code}`, which the dashboard sends to this table).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode } from '../../../src/errors/index.js';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** The first cell of each row of the guide's "Troubleshooting" table. */
function troubleshootingRows(): string[] {
  const guide = readFileSync(join(projectRoot, 'docs', 'operator-guide.md'), 'utf8');
  const section = guide.split(/^## Troubleshooting\s*$/m)[1]?.split(/^## /m)[0] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('| ') && !/^\|\s*-/.test(line))
    .slice(1)
    .map((line) => line.split(' | ')[0] ?? '');
}

/** The codes a failed poll can carry: the platform's answers and the bridge's own stages (not API-request codes). */
const pollFailureCodes = [
  ErrorCode.PlatformAuth,
  ErrorCode.PlatformThrottled,
  ErrorCode.PlatformHttp,
  ErrorCode.PlatformTimeout,
  ErrorCode.PlatformUnreachable,
  ErrorCode.PlatformPayload,
  ErrorCode.ListIncomplete,
  ErrorCode.CursorRejected,
  ErrorCode.PublishFailed,
  ErrorCode.CacheFailed,
  ErrorCode.LeaseLost,
  ErrorCode.Internal,
];

test('every code the troubleshooting table names is a real ErrorCode, and every poll failure code has a row', () => {
  const rows = troubleshootingRows();
  assert.ok(rows.length >= 15, `the table was found: ${rows.length} rows`);
  const known = new Set<string>(Object.values(ErrorCode));
  // Upper-case words in backticks, but for Node's socket errno names (`ENOTFOUND`), which are causes, not our codes.
  const named = rows.flatMap((cell) => [...cell.matchAll(/`([A-Z][A-Z_]*[A-Z])`/g)].map((match) => match[1] ?? '')).filter((word) => !/^E[A-Z]+$/.test(word));
  assert.deepEqual(named.filter((code) => !known.has(code)), [], 'codes in the table that the bridge has no such code for');
  assert.deepEqual(pollFailureCodes.filter((code) => !named.includes(code)), [], 'poll failure codes without a row');
});
