import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/logger/index.js';

test('credentials, passwords, tokens and auth headers are redacted wherever they are logged', async () => {
  let output = '';
  const destination = new Writable({
    write(chunk, _encoding, done) {
      output += String(chunk);
      done();
    },
  });
  const logger = createLogger({ level: 'info', destination }).child({ endpoint: 'lab' });
  logger.info({ credentials: { username: 'admin', password: 'pw-secret-1' } }, 'top-level credentials');
  logger.info({ endpoint: { name: 'lab', credentials: { password: 'pw-secret-2' } } }, 'nested credentials');
  logger.info({ request: { headers: { authorization: 'Basic c2VjcmV0LTM=', 'vmware-api-session-id': 'session-secret-4' } } }, 'headers');
  logger.info({ password: 'pw-secret-5', token: 'token-secret-6', secretAccessKey: 'aws-secret-7', sessionToken: 'aws-secret-8' }, 'flat secrets');
  logger.info({ publisher: { token: 'token-secret-9' } }, 'nested token');
  for (const secret of ['pw-secret-1', 'pw-secret-2', 'c2VjcmV0LTM=', 'session-secret-4', 'pw-secret-5', 'token-secret-6', 'aws-secret-7', 'aws-secret-8', 'token-secret-9']) {
    assert.ok(!output.includes(secret), `${secret} is not in the log`);
  }
  assert.equal((output.match(/\[redacted\]/g) ?? []).length >= 9, true);
  assert.match(output, /"endpoint":"lab"/, 'the endpoint child binding stays');
});
