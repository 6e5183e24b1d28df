/**
 * Value checks for convict schemas, written as plain functions (convict accepts
 * a function as `format`) so no format is registered on convict's global table.
 * Each throws an Error whose message completes "<key path>: ...". A message
 * that quotes the value also carries `withoutValue` (see {@link formatProblem}),
 * which the validation layer shows instead for keys whose values are secret.
 */

/** DNS label, as DCM ids and endpoint names are (RFC 1123, at most 63 characters). */
export const dnsLabelPattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export type ConvictFormat = (value: unknown) => void;

/**
 * What a format accepts, for the generated configuration reference and the
 * editors' JSON Schema (`src/config/reference.ts`), kept beside the check so
 * the two cannot drift apart.
 */
export interface FormatDescription {
  /** In words, for a reference table: `whole number ≥ 1`. */
  readonly text: string;
  /** The same as a JSON Schema (draft 2020-12) fragment, without `null` (the key's `nullable` adds it). */
  readonly jsonSchema: Readonly<Record<string, unknown>>;
}

const formatDescriptions = new WeakMap<ConvictFormat, FormatDescription>();

/** A copy of `check` that carries `description`; a format without one is described by its key's default. */
export function describedFormat(check: ConvictFormat, description: FormatDescription): ConvictFormat {
  const format: ConvictFormat = (value) => check(value);
  formatDescriptions.set(format, description);
  return format;
}

/** The description {@link describedFormat} gave `format`, if any. */
export function formatDescriptionOf(format: unknown): FormatDescription | undefined {
  return typeof format === 'function' ? formatDescriptions.get(format as ConvictFormat) : undefined;
}

/** A format's complaint: `message` may quote the value; `withoutValue` says the same without it. */
export type FormatProblem = Error & { readonly withoutValue: string };

/** Builds a {@link FormatProblem}; the message of a secret key becomes `withoutValue`. */
export function formatProblem(message: string, withoutValue: string): FormatProblem {
  return Object.assign(new Error(message), { withoutValue });
}

export const requiredString: ConvictFormat = describedFormat(
  (value) => {
    if (value === null || value === undefined) throw new Error('is required');
    if (typeof value !== 'string') throw formatProblem(`must be a string, not ${describeType(value)}`, `must be a string, not ${describeKind(value)}`);
    if (value.trim() === '') throw new Error('must not be empty');
  },
  { text: 'non-empty string', jsonSchema: { type: 'string', pattern: '\\S' } },
);

export const optionalString: ConvictFormat = describedFormat(
  (value) => {
    if (value !== null && value !== undefined && typeof value !== 'string') throw formatProblem(`must be a string, not ${describeType(value)}`, `must be a string, not ${describeKind(value)}`);
  },
  { text: 'string', jsonSchema: { type: 'string' } },
);

export const dnsLabel: ConvictFormat = describedFormat(
  (value) => {
    requiredString(value);
    const rule = "must be a DNS label (lowercase letters, digits and '-', at most 63 characters)";
    if (!dnsLabelPattern.test(value as string)) throw formatProblem(`${rule}: ${JSON.stringify(value)}`, rule);
  },
  { text: "DNS label (a-z, 0-9, '-'; at most 63 characters)", jsonSchema: { type: 'string', pattern: dnsLabelPattern.source } },
);

export function oneOf(allowed: readonly string[]): ConvictFormat {
  return describedFormat(
    (value) => {
      const rule = `must be one of ${allowed.join(', ')}`;
      if (typeof value !== 'string' || !allowed.includes(value)) throw formatProblem(`${rule}; got ${JSON.stringify(value)}`, rule);
    },
    { text: `one of ${allowed.map((entry) => `\`${entry}\``).join(', ')}`, jsonSchema: { type: 'string', enum: [...allowed] } },
  );
}

export function integerAtLeast(minimum: number): ConvictFormat {
  return describedFormat(
    (value) => {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw formatProblem(`must be a whole number, not ${JSON.stringify(value)}`, 'must be a whole number');
      if (value < minimum) throw formatProblem(`must be at least ${minimum}; got ${value}`, `must be at least ${minimum}`);
    },
    { text: `whole number ≥ ${minimum}`, jsonSchema: { type: 'integer', minimum } },
  );
}

export function numberBetween(minimum: number, maximum: number): ConvictFormat {
  return describedFormat(
    (value) => {
      if (typeof value !== 'number' || Number.isNaN(value)) throw formatProblem(`must be a number, not ${JSON.stringify(value)}`, `must be a number, not ${describeKind(value)}`);
      if (value < minimum || value > maximum) throw formatProblem(`must be between ${minimum} and ${maximum}; got ${value}`, `must be between ${minimum} and ${maximum}`);
    },
    { text: `number ${minimum}–${maximum}`, jsonSchema: { type: 'number', minimum, maximum } },
  );
}

export const booleanValue: ConvictFormat = describedFormat(
  (value) => {
    if (typeof value !== 'boolean') throw formatProblem(`must be true or false, not ${JSON.stringify(value)}`, `must be true or false, not ${describeKind(value)}`);
  },
  { text: 'true or false', jsonSchema: { type: 'boolean' } },
);

/**
 * An absolute URL with one of `schemes`; empty allowed when `optional`. Its
 * messages never quote the URL, not even its scheme: a URL may carry a
 * password, and a value in the wrong key may be a secret altogether.
 */
export function urlWithScheme(schemes: readonly string[], optional = false): ConvictFormat {
  const examples = schemes.map((scheme) => `${scheme}://…`).join(', ');
  const schemePattern = `^(${schemes.join('|')})://`;
  const description: FormatDescription = optional
    ? { text: `URL (${examples}) or empty`, jsonSchema: { type: 'string', pattern: `^$|${schemePattern}` } }
    : { text: `URL (${examples})`, jsonSchema: { type: 'string', pattern: schemePattern } };
  return describedFormat((value) => {
    if (optional && (value === null || value === undefined || value === '')) return;
    requiredString(value);
    let parsed: URL;
    try {
      parsed = new URL(value as string);
    } catch {
      throw new Error(`must be an absolute URL (${schemes.map((scheme) => scheme + '://…').join(' or ')})`);
    }
    if (!schemes.includes(parsed.protocol.replace(/:$/, ''))) throw new Error(`must use ${schemes.join(' or ')} (${schemes.map((scheme) => scheme + '://…').join(', ')})`);
    if (parsed.username || parsed.password) throw new Error('must not carry credentials (user:password@); use the credentials block');
  }, description);
}

/** A comma-separated list of absolute URLs, each with one of `schemes`. */
export function urlListWithScheme(schemes: readonly string[]): ConvictFormat {
  const single = urlWithScheme(schemes);
  const description: FormatDescription = {
    text: `comma-separated URLs (${schemes.map((scheme) => `${scheme}://…`).join(', ')})`,
    jsonSchema: { type: 'string', pattern: `^(${schemes.join('|')})://` },
  };
  return describedFormat((value) => {
    requiredString(value);
    for (const entry of (value as string).split(',')) single(entry.trim());
  }, description);
}

/** A flat map of string keys to string values (labels, overrides). */
export function stringMap(valueFormat?: ConvictFormat): ConvictFormat {
  const entries = (valueFormat ? formatDescriptionOf(valueFormat) : undefined) ?? formatDescriptionOf(requiredString) ?? { text: 'string', jsonSchema: { type: 'string' } };
  const description: FormatDescription = { text: `map of keys to ${entries.text}`, jsonSchema: { type: 'object', additionalProperties: entries.jsonSchema } };
  return describedFormat((value) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('must be a map of keys to values');
    for (const [key, entry] of Object.entries(value)) {
      try {
        if (valueFormat) valueFormat(entry);
        else requiredString(entry);
      } catch (error) {
        const { message, withoutValue = message } = error as Partial<FormatProblem> & Error;
        throw formatProblem(`entry "${key}" ${message}`, `entry "${key}" ${withoutValue}`);
      }
    }
  }, description);
}

/** The type and value of `value` in words (`number 5`, `a map`), for messages of keys that are not secret. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a map' : `${typeof value} ${JSON.stringify(value)}`;
}

/** The type of `value` in words without the value (`a number`, `a map`), for messages of secret keys. */
export function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a map' : `a ${typeof value}`;
}
