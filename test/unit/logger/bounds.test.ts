import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { BridgeError, ErrorCode } from '../../../src/errors/index.js';
import { createLogger, logLineMaxChars, logStringMaxChars } from '../../../src/logger/index.js';

const megabyte = 'm'.repeat(1_048_576);

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter((line) => line !== ''));
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }).child({ endpoint: 'lab' }), lines };
}

test('every way a platform string reaches a log line is bounded, with a note that it was cut', () => {
  const { logger, lines } = capture();
  logger.warn(`poll failed: ${megabyte}`);
  logger.warn({ name: megabyte, nested: { detail: megabyte, list: [megabyte] } }, 'huge fields');
  logger.warn({ err: new BridgeError(ErrorCode.PlatformHttp, `platform said ${megabyte}`, { endpoint: 'lab', platformCode: megabyte }, { cause: new Error(megabyte) }) }, 'huge error');
  logger.warn({ invalid: Array.from({ length: 50 }, (_, index) => ({ platformId: `vm-${index}`, instanceId: megabyte })) }, 'many long strings');
  logger.child({ vm: megabyte }).info('huge binding');
  assert.equal(lines.length, 5);
  for (const line of lines) {
    assert.ok(line.length <= logLineMaxChars, `a line of ${line.length} characters`);
    const record = JSON.parse(line) as Record<string, unknown>;
    assert.match(line, /…\[cut \d+ characters\]/, 'says it was cut');
    assert.equal(record['endpoint'], 'lab', 'bindings survive');
  }
  const error = (JSON.parse(lines[2] ?? '{}') as { err: { message: string; code: string } }).err;
  assert.equal(error.code, 'PLATFORM_HTTP', 'the error keeps its code');
  assert.ok(error.message.length <= logStringMaxChars);
  assert.ok((JSON.parse(lines[3] ?? '{}') as { logLineCut?: number }).logLineCut! > logLineMaxChars, 'an over-long line says how long it was');
});

test('ordinary lines are unchanged, and redaction still applies to cut lines', () => {
  const { logger, lines } = capture();
  logger.info({ count: 3, names: ['web-1', 'web-2'] }, 'polled');
  logger.info({ credentials: { password: 'pw-secret-1' }, blob: Array.from({ length: 50 }, () => megabyte.slice(0, 4_000)) }, 'secret beside a huge field');
  const first = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
  assert.deepEqual([first['msg'], first['count'], first['names']], ['polled', 3, ['web-1', 'web-2']]);
  assert.ok(!lines.join('').includes('pw-secret-1'));
  assert.ok((lines[1] ?? '').length <= logLineMaxChars);
});
