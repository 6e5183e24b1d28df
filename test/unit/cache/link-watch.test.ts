import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { followRedisLink } from '../../../src/cache/link-watch.js';

// The events node-redis emits, in the orders it emits them: a client that cannot connect at first, then one that loses its link.
test('a lost link that is ready again is told once per loss; the first connect, and errors before it, are not', () => {
  const client = new EventEmitter();
  const errors: unknown[] = [];
  let regained = 0;
  followRedisLink(client, () => regained++, (error) => errors.push(error));

  client.emit('error', new Error('ECONNREFUSED'));
  client.emit('reconnecting');
  client.emit('ready');
  assert.equal(regained, 0, 'the first connect, however many tries it took, is not a link regained');

  client.emit('error', new Error('ECONNRESET'));
  client.emit('reconnecting');
  client.emit('error', new Error('ECONNREFUSED'));
  client.emit('reconnecting');
  client.emit('ready');
  assert.equal(regained, 1, 'one loss, however many tries: told once');

  client.emit('end');
  client.emit('ready');
  client.emit('ready');
  assert.equal(regained, 2, "a second loss is told; a 'ready' without a loss before it is not");
  assert.equal(errors.length, 3, 'every connection error is seen');
});
