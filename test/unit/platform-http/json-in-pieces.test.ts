// A large list page parsed in pieces reads exactly as JSON.parse reads it whole: the pieces are cut
// where an element seems to start, and the generated documents below put that look-alike start
// inside elements too (nested lists of objects with the same first key, strings holding it).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseJsonInPieces, v8JsonPretenureBytes } from '../../../src/platform-http/index.js';
import { recordedSeed } from '../../fuzz/settings.js';
import { readOpenstackFixture } from '../../simulators/openstack/support.js';

/** The compute API reference's sample `GET /servers/detail` answer (test/fixtures/openstack). */
const referenceSample = readOpenstackFixture('nova-servers-details-resp.json') as { servers: Record<string, unknown>[] };

/** A Nova-like page of `count` servers copied from the reference sample, each with its own id. */
function novaPage(count: number): Buffer {
  const [template] = referenceSample.servers;
  const servers = Array.from({ length: count }, (_, index) => ({ ...template, id: `server-${index}`, name: `vm-${index}` }));
  return Buffer.from(JSON.stringify({ servers, servers_links: [{ href: 'http://nova/v2.1/servers/detail?marker=server-999', rel: 'next' }] }), 'utf8');
}

/** Every source JSON.parse is given while `run` runs. */
function parseSources(run: () => unknown): { readonly value: unknown; readonly sourceLengths: number[] } {
  const original = JSON.parse;
  const sourceLengths: number[] = [];
  JSON.parse = ((text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
    sourceLengths.push(text.length);
    return original(text, reviver);
  }) as typeof JSON.parse;
  try {
    return { value: run(), sourceLengths };
  } finally {
    JSON.parse = original;
  }
}

const wholeParse = (bytes: Buffer): unknown => JSON.parse(bytes.toString('utf8')) as unknown;

describe('parseJsonInPieces', () => {
  it('reads a 1,000-server page as JSON.parse does, with no parse reaching V8\'s pretenuring threshold', () => {
    const page = novaPage(1000);
    assert.ok(page.length > 10 * v8JsonPretenureBytes, `the page is ${page.length} bytes`);
    const { value, sourceLengths } = parseSources(() => parseJsonInPieces(page, 'servers'));
    assert.deepEqual(value, wholeParse(page));
    assert.ok(sourceLengths.length > 10, `${sourceLengths.length} parses`);
    assert.ok(Math.max(...sourceLengths) < v8JsonPretenureBytes, `largest parse ${Math.max(...sourceLengths)} characters`);
  });

  it('reads as JSON.parse does the pages it cannot cut: a short page, the list not first, a list of non-objects, escapes in the rest, the key again', () => {
    const big = 'x'.repeat(200);
    const documents = [
      { servers: [{ id: 'a' }] },
      { servers_links: [], servers: Array.from({ length: 50 }, (_, index) => ({ id: index, big })) },
      { servers: Array.from({ length: 50 }, (_, index) => `server-${index}-${big}`) },
      { servers: Array.from({ length: 50 }, (_, index) => ({ id: index, name: `caf\\u00e9 ${big}` })) },
    ];
    for (const document of documents) {
      const bytes = Buffer.from(JSON.stringify(document), 'utf8');
      assert.deepEqual(parseJsonInPieces(bytes, 'servers', 256), document);
    }
    // JSON.parse keeps the last of duplicate keys, whether the key is written as is or with escapes.
    const list = Array.from({ length: 50 }, (_, index) => `{"id":${index},"big":"${big}"}`).join(',');
    for (const again of ['"servers"', '"serv\\u0065rs"']) {
      const bytes = Buffer.from(`{"servers":[${list}],${again}:["last"]}`, 'utf8');
      assert.deepEqual(parseJsonInPieces(bytes, 'servers', 256), { servers: ['last'] });
    }
  });

  it('throws JSON.parse\'s SyntaxError on a page cut short or garbled in its last piece', () => {
    const page = novaPage(200);
    for (const bytes of [page.subarray(0, page.length - 40), Buffer.concat([page.subarray(0, page.length - 2), Buffer.from('x}')])]) {
      assert.throws(() => parseJsonInPieces(bytes, 'servers'), (error: unknown) => {
        assert.ok(error instanceof SyntaxError);
        assert.throws(() => wholeParse(bytes), { message: error.message });
        return true;
      });
    }
  });

  it('reads every generated list page as JSON.parse does, whatever piece size cuts it', () => {
    // Strings that look like an element's start or a list's end, as they are, escaped and spread.
    const lookAlike = fc.constantFrom('}, {"id"', '},{"id":', '}]', '"}', '\\', '\u00e9\u{1f600}', ',{"id":1}', '{"id":"x"}');
    const text = fc.oneof(fc.string({ maxLength: 12 }), lookAlike, fc.array(lookAlike, { maxLength: 3 }).map((parts) => parts.join('')));
    const leaf = fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null));
    // Nested lists of objects whose first key is the elements' own, the look-alike start inside an element.
    const inner = fc.array(fc.record({ id: leaf, rel: text }), { maxLength: 3 });
    const element = fc.record({ id: leaf, name: text, links: inner, metadata: fc.dictionary(text, text, { maxKeys: 3 }), nested: fc.array(fc.record({ id: leaf, inner }), { maxLength: 2 }) });
    const page = fc.record({
      servers: fc.array(element, { minLength: 1, maxLength: 40 }),
      after: fc.option(fc.record({ servers_links: inner, count: fc.integer() }), { nil: undefined }),
      indent: fc.constantFrom(0, 1, 2),
      pieceBytes: fc.integer({ min: 8, max: 600 }),
    });
    fc.assert(
      fc.property(page, ({ servers, after, indent, pieceBytes }) => {
        const bytes = Buffer.from(JSON.stringify({ servers, ...after }, null, indent), 'utf8');
        assert.deepEqual(parseJsonInPieces(bytes, 'servers', pieceBytes), wholeParse(bytes));
      }),
      { numRuns: 500, seed: recordedSeed },
    );
  });

  it('throws on every generated page cut short, as JSON.parse does', () => {
    const element = fc.record({ id: fc.string({ maxLength: 6 }), links: fc.array(fc.record({ id: fc.string({ maxLength: 4 }) }), { maxLength: 2 }) });
    fc.assert(
      fc.property(fc.array(element, { minLength: 2, maxLength: 30 }), fc.nat(), fc.integer({ min: 8, max: 200 }), (servers, cut, pieceBytes) => {
        const whole = Buffer.from(JSON.stringify({ servers, servers_links: [] }), 'utf8');
        const bytes = whole.subarray(0, 1 + (cut % (whole.length - 1)));
        assert.throws(() => parseJsonInPieces(bytes, 'servers', pieceBytes), SyntaxError);
      }),
      { numRuns: 300, seed: recordedSeed },
    );
  });
});
