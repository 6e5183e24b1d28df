// Opaque, tamper-evident NextToken values. Like EC2's, a token is only good for the
// request that produced it: it names a cursor and a digest of the request's filters.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Ec2Error } from './errors.js';

/** What a token carries. */
export interface TokenPayload {
  /** `seq` of the last instance already returned. */
  readonly afterSeq: number;
  /** Digest of the filters the pages belong to. */
  readonly queryDigest: string;
  /** The number of the page the token leads to (the first page, asked without a token, is 1). */
  readonly page: number;
}

/** Encodes and checks NextToken values. */
export interface NextTokenCodec {
  encode(payload: TokenPayload): string;
  /** Throws `InvalidNextToken` for a token that is malformed, forged, or from another query. */
  decode(token: string, queryDigest: string): TokenPayload;
}

/** A short digest of a query's canonical text. */
export function digestQuery(canonicalQuery: string): string {
  return createHash('sha256').update(canonicalQuery).digest('base64url').slice(0, 16);
}

/** Creates a codec whose MAC key derives from `secret` (the simulator's seed), so tokens are stable across runs. */
export function createNextTokenCodec(secret: string): NextTokenCodec {
  const key = createHash('sha256').update(`ec2-simulator-next-token:${secret}`).digest();
  const mac = (body: string): Buffer => createHmac('sha256', key).update(body).digest().subarray(0, 16);

  return {
    encode(payload) {
      const body = Buffer.from(JSON.stringify({ v: 1, a: payload.afterSeq, q: payload.queryDigest, p: payload.page })).toString('base64url');
      return `${body}.${mac(body).toString('base64url')}`;
    },
    decode(token, queryDigest) {
      const invalid = new Ec2Error('InvalidNextToken', `The specified NextToken is not valid: '${token.length > 40 ? `${token.slice(0, 40)}…` : token}'`);
      const [body, signature, extra] = token.split('.');
      if (body === undefined || signature === undefined || extra !== undefined) {
        throw invalid;
      }
      const given = Buffer.from(signature, 'base64url');
      const expected = mac(body);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw invalid;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      } catch {
        throw invalid;
      }
      const fields = parsed as { v?: unknown; a?: unknown; q?: unknown; p?: unknown };
      if (fields.v !== 1 || typeof fields.a !== 'number' || !Number.isInteger(fields.a) || fields.q !== queryDigest || typeof fields.p !== 'number' || !Number.isInteger(fields.p)) {
        throw invalid;
      }
      return { afterSeq: fields.a, queryDigest, page: fields.p };
    },
  };
}
