// AWS Signature Version 4, header form: the simulator recomputes every signature from the
// canonical request (IAM user guide, "Create a signed AWS API request") and compares.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { EC2_ERRORS, Ec2Error } from './errors.js';

/** The only algorithm SigV4 header authentication uses. */
export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';

/** AWS refuses a request whose `X-Amz-Date` is more than this far from its clock, either way. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** A key pair the simulator accepts; `sessionToken` makes it temporary (STS) credentials. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** What a signature is scoped to besides the key: region and service, e.g. `us-east-1` / `ec2`. */
export interface SigningScope {
  readonly region: string;
  readonly service: string;
}

/** The parts of a request that SigV4 covers. `path` and `query` are as sent on the wire (percent-encoded). */
export interface SignableRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: Buffer | string;
}

/** RFC 3986 encoding as SigV4 wants it: everything but `A-Z a-z 0-9 - _ . ~` becomes `%XX` (upper case). */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function decodeQueryPart(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}

/** Canonical query string: every pair decoded, re-encoded strictly, sorted by name then value. */
export function canonicalQueryString(rawQuery: string): string {
  const query = rawQuery.startsWith('?') ? rawQuery.slice(1) : rawQuery;
  if (query === '') {
    return '';
  }
  const pairs = query.split('&').map((piece) => {
    const equals = piece.indexOf('=');
    const name = equals === -1 ? piece : piece.slice(0, equals);
    const value = equals === -1 ? '' : piece.slice(equals + 1);
    return [uriEncode(decodeQueryPart(name)), uriEncode(decodeQueryPart(value))] as const;
  });
  pairs.sort(([leftName, leftValue], [rightName, rightValue]) => (leftName === rightName ? (leftValue < rightValue ? -1 : leftValue > rightValue ? 1 : 0) : leftName < rightName ? -1 : 1));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

/**
 * Canonical URI for services other than S3: dot segments removed, then each segment
 * URI-encoded once more (the wire form is already encoded, hence "encoded twice").
 */
export function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/').slice(1)) {
    if (segment === '..') {
      segments.pop();
    } else if (segment !== '.') {
      segments.push(segment);
    }
  }
  return `/${segments.map(uriEncode).join('/')}`;
}

function headerValue(headers: SignableRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) {
    return undefined;
  }
  // Repeated headers are joined with commas; whitespace runs collapse to one space.
  const joined = typeof value === 'string' ? value : value.join(',');
  return joined.trim().replace(/\s+/g, ' ');
}

/** The canonical request over the given (lower-case, sorted) signed headers; undefined when one of them is absent. */
export function canonicalRequest(request: SignableRequest, signedHeaders: readonly string[]): string | undefined {
  const lines: string[] = [];
  for (const name of signedHeaders) {
    const value = headerValue(request.headers, name);
    if (value === undefined) {
      return undefined;
    }
    lines.push(`${name}:${value}\n`);
  }
  // Always the hash of the body received: trusting a client's x-amz-content-sha256 would let a tampered body pass.
  return [request.method.toUpperCase(), canonicalPath(request.path), canonicalQueryString(request.query), lines.join(''), signedHeaders.join(';'), sha256Hex(request.body)].join('\n');
}

/** The string to sign: algorithm, date, credential scope and the hash of the canonical request, one per line. */
export function sigv4StringToSign(amzDate: string, scope: SigningScope, canonical: string): string {
  return [SIGV4_ALGORITHM, amzDate, credentialScope(amzDate.slice(0, 8), scope), sha256Hex(canonical)].join('\n');
}

/** `YYYYMMDD/region/service/aws4_request`. */
export function credentialScope(date: string, scope: SigningScope): string {
  return `${date}/${scope.region}/${scope.service}/aws4_request`;
}

/** The signature of a canonical request: HMAC chain secret → date → region → service → `aws4_request`, then HMAC of the string to sign. */
export function computeSignature(secretAccessKey: string, amzDate: string, scope: SigningScope, canonical: string): string {
  const date = amzDate.slice(0, 8);
  const stringToSign = sigv4StringToSign(amzDate, scope, canonical);
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), scope.region), scope.service), 'aws4_request');
  return createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
}

/** `20150830T123600Z` for a time in ms. */
export function formatAmzDate(milliseconds: number): string {
  return new Date(milliseconds).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** Parses `YYYYMMDDTHHMMSSZ` into ms, or undefined. */
export function parseAmzDate(text: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (match === null) {
    return undefined;
  }
  const [, year, month, day, hour, minute, second] = match.map(Number) as [number, number, number, number, number, number, number];
  const time = Date.UTC(year, month - 1, day, hour, minute, second);
  return Number.isNaN(time) ? undefined : time;
}

/** Options of {@link signRequest}. */
export interface SignOptions extends SigningScope {
  readonly credentials: AwsCredentials;
  /** Signing time in ms. */
  readonly now: number;
  /** Headers to sign besides host and x-amz-*; default content-type when present. */
  readonly extraSignedHeaders?: readonly string[];
}

/**
 * Signs a request the way the AWS SDKs do, returning the headers to send
 * (input headers plus `x-amz-date`, `x-amz-security-token` and `authorization`).
 * Header names in `request.headers` must be lower case and include `host`.
 */
export function signRequest(request: SignableRequest, options: SignOptions): Record<string, string> {
  const amzDate = formatAmzDate(options.now);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) {
      headers[name] = typeof value === 'string' ? value : value.join(',');
    }
  }
  headers['x-amz-date'] = amzDate;
  if (options.credentials.sessionToken !== undefined) {
    headers['x-amz-security-token'] = options.credentials.sessionToken;
  }
  const extra = options.extraSignedHeaders ?? ['content-type'];
  const signed = Object.keys(headers)
    .filter((name) => name === 'host' || name.startsWith('x-amz-') || extra.includes(name))
    .sort();
  const canonical = canonicalRequest({ ...request, headers }, signed) ?? '';
  const signature = computeSignature(options.credentials.secretAccessKey, amzDate, options, canonical);
  const scope = credentialScope(amzDate.slice(0, 8), options);
  headers.authorization = `${SIGV4_ALGORITHM} Credential=${options.credentials.accessKeyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
  return headers;
}

/** The fields of an `Authorization: AWS4-HMAC-SHA256 …` header. */
interface ParsedAuthorization {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

function parseAuthorization(header: string): ParsedAuthorization {
  if (!header.startsWith(`${SIGV4_ALGORITHM} `)) {
    throw new Ec2Error('IncompleteSignature', `Unsupported authorization type; expected ${SIGV4_ALGORITHM}.`);
  }
  const fields = new Map<string, string>();
  for (const part of header.slice(SIGV4_ALGORITHM.length + 1).split(',')) {
    const equals = part.indexOf('=');
    if (equals > 0) {
      fields.set(part.slice(0, equals).trim(), part.slice(equals + 1).trim());
    }
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((name) => !fields.has(name));
  if (missing.length > 0) {
    throw new Ec2Error('IncompleteSignature', `Authorization header requires ${missing.map((name) => `'${name}'`).join(', ')} parameter(s). Authorization=${header.split(' ')[0] ?? ''}`);
  }
  const credential = (fields.get('Credential') ?? '').split('/');
  const [accessKeyId, date, region, service, terminator] = credential;
  if (credential.length !== 5 || accessKeyId === undefined || date === undefined || region === undefined || service === undefined || terminator !== 'aws4_request') {
    throw new Ec2Error('IncompleteSignature', "Credential must have the form 'accessKeyId/YYYYMMDD/region/service/aws4_request'.");
  }
  const signedHeaders = (fields.get('SignedHeaders') ?? '').split(';').filter((name) => name !== '');
  return { accessKeyId, date, region, service, signedHeaders, signature: fields.get('Signature') ?? '' };
}

function sameHex(left: string, right: string): boolean {
  const leftBuffer = Buffer.from(left, 'utf8');
  const rightBuffer = Buffer.from(right, 'utf8');
  return leftBuffer.length === rightBuffer.length && timingSafeEqual(leftBuffer, rightBuffer);
}

/** What {@link verifySignature} needs besides the request. */
export interface VerifyOptions extends SigningScope {
  /** Looks a key up by id; undefined for an unknown key. */
  readonly findCredentials: (accessKeyId: string) => AwsCredentials | undefined;
  readonly now: number;
  /** Answer a wrong signature the verbose way (see {@link signatureMismatch}) instead of EC2's `AuthFailure`. */
  readonly verboseSignatureErrors?: boolean;
}

/**
 * A wrong signature answered the way AWS's Query services and S3 word it,
 * rather than EC2's terse `AuthFailure`: `SignatureDoesNotMatch` whose
 * message carries the canonical request and the string to sign the service
 * computed ("The error response includes the canonical request and the
 * string to sign that the service calculated", IAM user guide,
 * "Troubleshoot signed requests for AWS APIs"), and whose `<Error>` carries
 * `AWSAccessKeyId`, `SignatureProvided`, `StringToSign` and
 * `CanonicalRequest` (S3's SignatureDoesNotMatch error document).
 * EC2-compatible endpoints and gateways answer like this; such an answer
 * holds the key id, the signature and, in the canonical request's signed
 * headers, a session token.
 */
function signatureMismatch(accessKeyId: string, signature: string, amzDate: string, scope: SigningScope, canonical: string): Ec2Error {
  const stringToSign = sigv4StringToSign(amzDate, scope, canonical);
  const message = `${EC2_ERRORS.SignatureDoesNotMatch.message}\n\nThe Canonical String for this request should have been\n'${canonical}'\n\nThe String-to-Sign should have been\n'${stringToSign}'\n`;
  return new Ec2Error('SignatureDoesNotMatch', message, { AWSAccessKeyId: accessKeyId, SignatureProvided: signature, StringToSign: stringToSign, CanonicalRequest: canonical });
}

/**
 * Verifies a SigV4-signed request for real, throwing the {@link Ec2Error} EC2 would
 * answer with: `MissingAuthenticationToken` (no Authorization), `IncompleteSignature`
 * (malformed), `AuthFailure` (unknown key, wrong scope, wrong signature or token),
 * `RequestExpired` (more than 15 minutes off). Returns the credentials used.
 */
export function verifySignature(request: Omit<SignableRequest, 'headers'> & { readonly headers: IncomingHttpHeaders }, options: VerifyOptions): AwsCredentials {
  const header = request.headers.authorization;
  if (header === undefined || header === '') {
    throw new Ec2Error('MissingAuthenticationToken');
  }
  const parsed = parseAuthorization(header);
  const amzDateText = headerValue(request.headers, 'x-amz-date');
  if (amzDateText === undefined) {
    throw new Ec2Error('IncompleteSignature', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  const amzDate = parseAmzDate(amzDateText);
  if (amzDate === undefined) {
    throw new Ec2Error('IncompleteSignature', `X-Amz-Date '${amzDateText}' is not in the form YYYYMMDD'T'HHMMSS'Z'.`);
  }
  if (!parsed.signedHeaders.includes('host') || !parsed.signedHeaders.includes('x-amz-date')) {
    throw new Ec2Error('IncompleteSignature', "SignedHeaders must include 'host' and 'x-amz-date'.");
  }
  const credentials = options.findCredentials(parsed.accessKeyId);
  if (credentials === undefined) {
    throw new Ec2Error('AuthFailure');
  }
  if (Math.abs(options.now - amzDate) > MAX_CLOCK_SKEW_MS) {
    throw new Ec2Error('RequestExpired', `Request has expired. Timestamp date is ${new Date(amzDate).toISOString().replace(/\.\d{3}Z$/, 'Z')}`);
  }
  if (parsed.date !== amzDateText.slice(0, 8) || parsed.region !== options.region || parsed.service !== options.service) {
    throw new Ec2Error('AuthFailure');
  }
  const canonical = canonicalRequest(request, parsed.signedHeaders);
  if (canonical === undefined || !sameHex(computeSignature(credentials.secretAccessKey, amzDateText, options, canonical), parsed.signature)) {
    if (canonical !== undefined && options.verboseSignatureErrors === true) throw signatureMismatch(parsed.accessKeyId, parsed.signature, amzDateText, options, canonical);
    throw new Ec2Error('AuthFailure');
  }
  const token = headerValue(request.headers, 'x-amz-security-token');
  // Temporary keys are only valid with their token, and only if the token was signed too.
  if (token !== credentials.sessionToken || (token !== undefined && !parsed.signedHeaders.includes('x-amz-security-token'))) {
    throw new Ec2Error('AuthFailure');
  }
  return credentials;
}
