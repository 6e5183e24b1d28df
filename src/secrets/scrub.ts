/**
 * Scrubbing of secrets out of text and objects the bridge did not write:
 * platform and SDK error messages, their fields and their causes. Known
 * values (an endpoint's own keys) are best removed where they are known, by
 * value; these patterns catch the shapes secrets take in such text when the
 * value is not known: AWS access key ids, SigV4 credentials and signatures,
 * authorization headers, URL user info and `secret-name=value` pairs.
 */

/** What a scrubbed value is replaced with. */
export const scrubbedMark = '[redacted]';

/** Pattern → replacement, applied in order to every string. */
const textRules: ReadonlyArray<readonly [RegExp, string]> = [
  // IAM unique id prefixes of access keys (AKIA long-term, ASIA temporary, ...) and the 16 characters after them.
  [/\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}\b/g, scrubbedMark],
  // A whole Authorization header value (SigV4's holds the key id and the signature; Basic holds a password).
  [/\b(authorization["']?\s*[:=]\s*["']?)[^"'\r\n]+/gi, `$1${scrubbedMark}`],
  // A credential after Basic/Bearer: 12+ token characters with a digit or symbol, so prose ("Basic authentication") stays.
  [/\b(Basic|Bearer)\s+(?=[A-Za-z0-9._~+/=-]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{12,}/g, `$1 ${scrubbedMark}`],
  // SigV4 parts wherever they appear on their own (query strings of presigned URLs, error texts).
  [/\b((?:X-Amz-)?(?:Credential|Signature|Security-Token)["']?\s*[:=]\s*["']?)[^\s,&"';]+/gi, `$1${scrubbedMark}`],
  // user:password@ in URLs.
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]*:[^\s/@]*@/gi, `$1${scrubbedMark}@`],
  // name=value, name:value and "name": "value" where the name says secret (query strings, canonical headers, bodies);
  // not "name: words", which is how validation messages name a key.
  [/\b([A-Za-z0-9_-]*(?:password|passwd|secret|token|session-id|access-?key-?id|accesskeyid)["']?(?:\s*=\s*["']?|:["']?(?=\S)|\s*:\s*["']))[^\s"',&;]+/gi, `$1${scrubbedMark}`],
];

/** Field names whose values are dropped whole in {@link scrubSecrets}. */
const secretFieldPattern = /(password|passwd|secret|token|signature|credential|accesskey|access_key|authorization|session-id|cookie)/i;

/** `text` with every secret-shaped part replaced by {@link scrubbedMark}. */
export function scrubSecretText(text: string): string {
  let result = text;
  for (const [pattern, replacement] of textRules) result = result.replace(pattern, replacement);
  return result;
}

/**
 * A copy of a plain-data `value` (JSON-like) with every string scrubbed by
 * {@link scrubSecretText} and every field whose name says secret
 * (`SignatureProvided`, `AWSAccessKeyId`, `password`, …) replaced whole.
 */
export function scrubSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubSecretText(value);
  if (value === null || typeof value !== 'object' || depth > 32) return value;
  if (Array.isArray(value)) return value.map((item) => scrubSecrets(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    copy[key] = secretFieldPattern.test(key) && child !== null && child !== undefined && child !== '' ? scrubbedMark : scrubSecrets(child, depth + 1);
  }
  return copy;
}
