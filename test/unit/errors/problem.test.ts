import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BridgeError, ErrorCode, toProblem, validationError } from '../../../src/errors/index.js';

test('bridge errors become RFC 7807 problems with DCM problem types', () => {
  const notFound = toProblem(new BridgeError(ErrorCode.NotFound, 'endpoint lab does not exist'), '/api/v1alpha1/endpoints/lab');
  assert.deepEqual(notFound, { type: 'https://dcm-project.github.io/problems/not-found', title: 'Not found', status: 404, detail: 'endpoint lab does not exist', code: 'NOT_FOUND', instance: '/api/v1alpha1/endpoints/lab' });
  const invalid = toProblem(validationError('endpoint', [{ path: 'url', message: 'must be an absolute URL' }]));
  assert.equal(invalid.status, 400);
  assert.equal(invalid.type, 'https://dcm-project.github.io/problems/invalid-argument');
  assert.deepEqual(invalid.issues, [{ path: 'url', message: 'must be an absolute URL' }]);
  assert.equal(toProblem(new BridgeError(ErrorCode.AlreadyExists, 'x')).status, 409);
  assert.equal(toProblem(new BridgeError(ErrorCode.Unauthenticated, 'x')).status, 401);
  assert.equal(toProblem(new BridgeError(ErrorCode.PermissionDenied, 'x')).status, 403);
  assert.equal(toProblem(new BridgeError(ErrorCode.CacheFailed, 'x')).status, 503);
});

test('a foreign error is an internal problem that does not leak its text', () => {
  const problem = toProblem(new Error('connect ECONNREFUSED with password=hunter2'));
  assert.equal(problem.status, 500);
  assert.equal(problem.type, 'https://dcm-project.github.io/problems/internal');
  assert.ok(!problem.detail.includes('hunter2'));
});

test('errors chain their cause and freeze their context', () => {
  const cause = new Error('socket hang up');
  const error = new BridgeError(ErrorCode.PlatformUnreachable, 'vc-lab unreachable', { endpoint: 'vc-lab', status: 0 }, { cause });
  assert.equal(error.cause, cause);
  assert.ok(Object.isFrozen(error.context));
  assert.deepEqual(JSON.parse(JSON.stringify(error)), { name: 'BridgeError', code: 'PLATFORM_UNREACHABLE', message: 'vc-lab unreachable', context: { endpoint: 'vc-lab', status: 0 } });
});
