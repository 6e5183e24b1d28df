/**
 * Parsing a large JSON page in pieces, so that its objects die young.
 *
 * V8's `JSON.parse` allocates every object of a source of 100 KiB or more
 * straight in the old generation (`kPretenureTreshold` in V8's
 * `json-parser.h`). A 1,000-server Nova page is 1.4 MB, so each page
 * parsed whole leaves about 5 MB of old-generation garbage that only a
 * mark-compact frees: at 100k servers, several a poll, each marking the
 * bridge's whole live heap (the indexes it keeps), where scavenges would
 * have freed the same objects for the price of the few that survive.
 * Parsed in pieces under the threshold, the objects are allocated young.
 */

/** Sources this long and longer are parsed into the old generation by V8 (characters; a UTF-8 byte is at most one). */
export const v8JsonPretenureBytes = 100 * 1024;

/** Default size of a piece: well under V8's threshold, with room for the element a piece ends with. */
const defaultPieceBytes = 64 * 1024;

/** A piece whose boundary turned out not to be one (an object inside an element looked like an element's start) is retried this often before the rest is parsed in one go. */
const boundaryAttempts = 4;

const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const comma = 0x2c;
const colon = 0x3a;
const quote = 0x22;
const backslash = 0x5c;
/** `\u`, which could write any letter of a key. */
const unicodeEscape = Buffer.from('\\u', 'latin1');

function isJsonWhitespace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function skipWhitespace(bytes: Buffer, from: number): number {
  let index = from;
  while (isJsonWhitespace(bytes[index])) index++;
  return index;
}

/**
 * Parses `bytes` (UTF-8 JSON) exactly as `JSON.parse` would, for a document
 * whose bulk is a list of objects under its first key
 * (`{"servers": [{…}, {…}, …], "servers_links": […]}`), with that list read
 * in pieces of about `pieceBytes` so that no parse reaches V8's pretenuring
 * threshold ({@link v8JsonPretenureBytes}).
 *
 * How a piece is cut without scanning the page: the first element starts
 * `{"<first key>"`; a piece ends at a `}` followed by `,` and that same
 * start, the first such place past `pieceBytes`. That place may be inside
 * an element (a nested list of objects starting with the same key), but
 * then the piece, parsed as `[` piece `]`, is not valid JSON: a piece that
 * starts where an element starts parses only if it ends where one ends
 * (JSON values are read deterministically from their start, and an object
 * cannot end before its last `}`), so a piece that parses holds exactly the
 * list's next elements. A piece that does not parse is retried at the next
 * such place. The rest of the document (the last elements and the keys
 * after the list) is parsed with the text before the list as one document.
 *
 * Anything else is parsed whole: a short document, another shape (the list
 * not first, not objects, a key with escapes), a rest that could name the
 * list's key again (JSON.parse keeps the last of duplicate keys: the key
 * as written, or any `\u` escape, which could spell it), or a rest that
 * does not parse (so that a malformed or truncated document throws
 * JSON.parse's own SyntaxError).
 * @throws SyntaxError when `bytes` is not JSON, as JSON.parse does.
 */
export function parseJsonInPieces(bytes: Buffer, listKey: string, pieceBytes = defaultPieceBytes): unknown {
  const parseWhole = (): unknown => JSON.parse(bytes.toString('utf8')) as unknown;
  if (bytes.length <= pieceBytes) return parseWhole();
  const first = firstElementOf(bytes, listKey);
  if (first === undefined) return parseWhole();
  const elementStart = elementStartOf(bytes, first);
  if (elementStart === undefined) return parseWhole();

  const elements: unknown[] = [];
  let start = first;
  let attempts = 0;
  let searchFrom = start + pieceBytes;
  while (attempts < boundaryAttempts && searchFrom < bytes.length) {
    const boundary = nextBoundary(bytes, searchFrom, elementStart);
    if (boundary === undefined) break;
    const piece = parsePiece(bytes, start, boundary.end);
    if (piece === undefined) {
      attempts++;
      searchFrom = boundary.end;
      continue;
    }
    for (const element of piece) elements.push(element);
    start = boundary.next;
    attempts = 0;
    searchFrom = start + pieceBytes;
  }
  if (elements.length === 0) return parseWhole();

  // A second list key in the rest would replace the list in JSON.parse's reading, not extend it.
  if (bytes.indexOf(quotedKey(listKey), start) !== -1 || bytes.indexOf(unicodeEscape, start) !== -1) return parseWhole();
  let rest: unknown;
  try {
    rest = JSON.parse(bytes.toString('utf8', 0, first) + bytes.toString('utf8', start)) as unknown;
  } catch {
    return parseWhole();
  }
  const document = rest as Record<string, unknown>;
  const restList = document[listKey];
  if (!Array.isArray(restList)) return parseWhole();
  for (const element of restList) elements.push(element);
  document[listKey] = elements;
  return document;
}

/** The list key as JSON writes it, quotes included. */
function quotedKey(listKey: string): Buffer {
  return Buffer.from(JSON.stringify(listKey), 'utf8');
}

/** Where the first element of the list under the document's first key starts (its `{`), when the document is `{` `"listKey"` `:` `[` `{`…; undefined otherwise. */
function firstElementOf(bytes: Buffer, listKey: string): number | undefined {
  let index = skipWhitespace(bytes, 0);
  if (bytes[index] !== openBrace) return undefined;
  index = skipWhitespace(bytes, index + 1);
  const key = quotedKey(listKey);
  if (!bytes.subarray(index, index + key.length).equals(key)) return undefined;
  index = skipWhitespace(bytes, index + key.length);
  if (bytes[index] !== colon) return undefined;
  index = skipWhitespace(bytes, index + 1);
  if (bytes[index] !== openBracket) return undefined;
  index = skipWhitespace(bytes, index + 1);
  return bytes[index] === openBrace ? index : undefined;
}

/** The bytes an element starts with: its `{` through its first key's closing quote, as the first element writes them; undefined when its first key holds an escape or it has none. */
function elementStartOf(bytes: Buffer, first: number): Buffer | undefined {
  const keyStart = skipWhitespace(bytes, first + 1);
  if (bytes[keyStart] !== quote) return undefined;
  const keyEnd = bytes.indexOf(quote, keyStart + 1);
  if (keyEnd === -1 || bytes.subarray(keyStart, keyEnd).includes(backslash)) return undefined;
  return bytes.subarray(first, keyEnd + 1);
}

/** The first `}` at or after `from` followed by `,` and an element's start: `end` just after the `}`, `next` where that element starts. */
function nextBoundary(bytes: Buffer, from: number, elementStart: Buffer): { readonly end: number; readonly next: number } | undefined {
  for (let brace = bytes.indexOf(closeBrace, from); brace !== -1; brace = bytes.indexOf(closeBrace, brace + 1)) {
    const separator = skipWhitespace(bytes, brace + 1);
    if (bytes[separator] !== comma) continue;
    const next = skipWhitespace(bytes, separator + 1);
    if (bytes[next] === openBrace && bytes.subarray(next, next + elementStart.length).equals(elementStart)) return { end: brace + 1, next };
  }
  return undefined;
}

/** The elements in `bytes[start, end)`, when that text is a list of JSON values; undefined when it is not. */
function parsePiece(bytes: Buffer, start: number, end: number): unknown[] | undefined {
  try {
    return JSON.parse(`[${bytes.toString('utf8', start, end)}]`) as unknown[];
  } catch {
    return undefined;
  }
}
