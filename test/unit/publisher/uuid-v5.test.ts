import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { v5 } from 'uuid';
import { eventIdNamespace, uuidV5 } from '../../../src/publisher/index.js';

test('the bridge\'s UUID v5 is the uuid package\'s, for any name and namespace', () => {
  // RFC 9562 appendix A.4's example: "www.example.com" in the DNS namespace.
  assert.equal(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), fc.uuid(), (name, namespace) => {
      assert.equal(uuidV5(name, namespace), v5(name, namespace));
      assert.equal(uuidV5(name, eventIdNamespace), v5(name, eventIdNamespace));
    }),
    { numRuns: 1000 },
  );
  assert.throws(() => uuidV5('x', 'not-a-uuid'), /is not a UUID/);
});
