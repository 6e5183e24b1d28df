import { parseJsonInPieces } from './json-in-pieces.js';
import type { Readable } from 'node:stream';

/** A body read in full, or the fact that it was larger than allowed. */
export type BodyRead = { readonly ok: true; readonly bytes: Buffer } | { readonly ok: false; readonly tooLarge: true };

/**
 * Reads a response body up to `limit` bytes. A stream error (a connection cut
 * mid-body, an abort) is thrown as is; the caller classifies it.
 */
export async function readBody(body: Readable, limit: number): Promise<BodyRead> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) {
      body.destroy();
      return { ok: false, tooLarge: true };
    }
    chunks.push(buffer);
  }
  return { ok: true, bytes: Buffer.concat(chunks) };
}

/**
 * Parses JSON bytes; an empty body is `undefined`. With `listKey`, a large
 * document whose first key holds a list of objects is parsed in pieces
 * (`parseJsonInPieces`), to the same value. Throws SyntaxError on anything
 * else that is not JSON.
 */
export function parseJson(bytes: Buffer, listKey?: string): unknown {
  if (bytes.length === 0) return undefined;
  if (listKey !== undefined) return parseJsonInPieces(bytes, listKey);
  return JSON.parse(bytes.toString('utf8')) as unknown;
}

/** Like {@link parseJson} but never throws: an error body that is not JSON is just not described. */
export function parseJsonQuietly(bytes: Buffer): unknown {
  try {
    return parseJson(bytes);
  } catch {
    return undefined;
  }
}
