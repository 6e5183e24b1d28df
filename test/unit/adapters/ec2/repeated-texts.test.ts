import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'node:test';
import { RepeatedTexts } from '../../../../adapters/ec2/repeated-texts.js';
import { recordedSeed } from '../../../fuzz/settings.js';

describe('RepeatedTexts (the values a DescribeInstances scan decodes once a page)', () => {
  it('reads every value as Buffer.toString does, the same bytes again, other bytes in the same slot, and one buffer overwritten between reads', () => {
    // Few short values (so they repeat and fight over slots) among longer and multi-byte ones.
    const value = fc.oneof(fc.constantFrom('dcm', 'managed-by', 'Name', 'running', '16', 'a', 'b', 'ab', 'ba'), fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 12 }));
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 300 }), (values) => {
        const table = new RepeatedTexts();
        // One buffer, reused for every read as the answer buffers are, with the value at a moving offset.
        const buffer = Buffer.alloc(256, 0x5a);
        values.forEach((text, index) => {
          const bytes = Buffer.from(text, 'utf8');
          const from = index % 7;
          buffer.fill(0x5a);
          bytes.copy(buffer, from);
          assert.equal(table.text(buffer, from, from + bytes.length), bytes.toString('utf8'), `value ${index}`);
        });
      }),
      { numRuns: 300, seed: recordedSeed },
    );
  });

  it('decodes bytes that are not valid UTF-8 as Buffer.toString does, the second time too', () => {
    const table = new RepeatedTexts();
    const bytes = Buffer.from([0x61, 0xff, 0xc3, 0x62]);
    const expected = bytes.toString('utf8');
    assert.equal(table.text(bytes, 0, bytes.length), expected);
    assert.equal(table.text(Buffer.from(bytes), 0, bytes.length), expected);
  });

  it('reads an empty range as the empty string', () => {
    assert.equal(new RepeatedTexts().text(Buffer.from('abc'), 1, 1), '');
  });
});
