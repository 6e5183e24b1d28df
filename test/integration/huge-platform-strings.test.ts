import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, logLineMaxChars } from '../../src/logger/index.js';
import { eventMessageMaxChars, platformTextMaxChars } from '../../src/normalize/index.js';
import { useHarness } from '../support/harness.js';

const harness = useHarness();
const megabyte = 1_048_576;
/** NATS's default max_payload: an event above it is refused by the server, so its poll fails on every retry. */
const natsMaxPayload = 1_048_576;

test('1 MB platform strings (VM name, raw state, detail, DCM id) give small events that say they were cut, bounded log lines, and a successful poll', async () => {
  harness().setPlatform('huge', {
    instances: [
      { platformId: 'vm-1', instanceId: 'inst-1', rawState: 'on', name: 'n'.repeat(megabyte) },
      { platformId: 'vm-2', instanceId: 'inst-2', rawState: 's'.repeat(megabyte), name: 'web-2', detail: 'd'.repeat(megabyte) },
      { platformId: 'vm-3', instanceId: 'i'.repeat(megabyte), rawState: 'on', name: 'web-3' },
    ],
  });
  const logLines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: new Writable({ write: (chunk, _encoding, done) => (logLines.push(...String(chunk).split('\n').filter(Boolean)), done()) }) });
  const bridge = await harness().bridge(harness().config({ endpoints: ['huge'] }), { logger });

  const result = await bridge.runOnce();
  assert.ok(result.ok, JSON.stringify(result.endpoints[0]?.lastError));

  const events = (await harness().dcm.messages()).filter((message) => message.event['dcmendpoint'] === 'huge');
  assert.deepEqual(events.map((message) => [message.event.data.id, message.event.data.status]).sort(), [['inst-1', 'RUNNING'], ['inst-2', 'FAILED']], 'the invalid DCM id is not published');
  const sizes = events.map((message) => Buffer.byteLength(JSON.stringify(message.event)));
  for (const [index, message] of events.entries()) {
    assert.ok((sizes[index] ?? Infinity) < 4_096, `event of ${sizes[index]} bytes, far below NATS's ${natsMaxPayload}`);
    assert.ok(message.event.data.message.length <= eventMessageMaxChars);
    assert.match(message.event.data.message, /…\[cut \d+ characters\]/, 'the message says it was cut');
  }
  const [record] = await bridge.cache.readInstances('huge', ['vm-1']);
  assert.ok(record?.name !== undefined && record.name.length <= platformTextMaxChars, `the record keeps a name of ${record?.name?.length} characters`);

  const longest = Math.max(...logLines.map((line) => line.length));
  assert.ok(longest <= logLineMaxChars, `longest log line ${longest} characters`);
  assert.ok(logLines.some((line) => line.includes('not published') && line.includes('…[cut')), 'the invalid id is logged, cut');
  console.log(`event sizes ${sizes.join(', ')} bytes; ${logLines.length} log lines, longest ${longest} characters`);
});
