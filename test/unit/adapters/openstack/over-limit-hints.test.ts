import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createErrorBodyReader, withBodyRetryAfter } from '../../../../adapters/openstack/error-bodies.js';
import { BridgeError, ErrorCode } from '../../../../src/errors/index.js';
import { nextPollAt } from '../../../../src/scheduler/index.js';

const reader = createErrorBodyReader((text) => text);
/** The hint a Nova fault body gives, read from its JSON text as the adapter receives it. */
const hintOf = (bodyText: string): number | undefined => {
  reader.describe(JSON.parse(bodyText));
  return reader.takeRetryAfterMs();
};

test('overLimit retryAfter as Nova writes it (nova/api/openstack/wsgi.py, Fault): a string or a number of seconds', () => {
  assert.equal(hintOf('{"overLimit": {"code": 413, "message": "slow down", "retryAfter": "59"}}'), 59_000);
  assert.equal(hintOf('{"overLimit": {"code": 413, "message": "slow down", "retryAfter": 7}}'), 7_000);
  assert.equal(hintOf('{"overLimit": {"code": 413, "message": "slow down", "retryAfter": "99999999"}}'), 99_999_999_000, 'huge but finite: kept, the scheduler cuts it to its cap');
});

test('an overLimit retryAfter that is not a finite, non-negative number gives no hint', () => {
  const bodies = [
    '{"overLimit": {"code": 413, "message": "m", "retryAfter": 1e400}}', // JSON.parse reads this as Infinity
    `{"overLimit": {"code": 413, "message": "m", "retryAfter": "${'9'.repeat(400)}"}}`, // Number() of it is Infinity
    '{"overLimit": {"code": 413, "message": "m", "retryAfter": -30}}',
    '{"overLimit": {"code": 413, "message": "m", "retryAfter": "soon"}}',
    '{"overLimit": {"code": 413, "message": "m", "retryAfter": null}}',
  ];
  for (const body of bodies) assert.equal(hintOf(body), undefined, body.slice(0, 80));
});

test('a hostile body hint still ends as a bounded poll delay', () => {
  const http413 = new BridgeError(ErrorCode.PlatformHttp, 'openstack endpoint os: GET /servers/detail answered HTTP 413 (overLimit: m)', { endpoint: 'os', status: 413 });
  const folded = withBodyRetryAfter(http413, hintOf('{"overLimit": {"code": 413, "message": "m", "retryAfter": "99999999"}}'));
  assert.ok(folded instanceof BridgeError);
  assert.equal(folded.code, ErrorCode.PlatformThrottled);
  const retryAfterMs = folded.context.retryAfterMs;
  assert.equal(typeof retryAfterMs, 'number');
  const at = nextPollAt({ intervalMs: 30_000, floorMs: 10_000, startedAt: 0, finishedAt: 1_000, consecutiveFailures: 1, backoffMaxMs: 300_000, jitterRatio: 0, random: 0, retryAfterMs: retryAfterMs as number });
  assert.equal(at, 301_000, 'the next poll comes after backoffMaxSeconds');
  assert.equal(withBodyRetryAfter(http413, hintOf('{"overLimit": {"code": 413, "message": "m", "retryAfter": 1e400}}')), http413, 'no hint: the error is left as it was');
});
