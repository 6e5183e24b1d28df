/**
 * Value checks for convict schemas, written as plain functions (convict accepts
 * a function as `format`) so no format is registered on convict's global table.
 * Each throws an Error whose message completes "<key path>: ...".
 */

/** DNS label, as DCM ids and endpoint names are (RFC 1123, at most 63 characters). */
export const dnsLabelPattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export type ConvictFormat = (value: unknown) => void;

export const requiredString: ConvictFormat = (value) => {
  if (typeof value !== 'string') throw new Error(value === null || value === undefined ? 'is required' : `must be a string, not ${describeType(value)}`);
  if (value.trim() === '') throw new Error('must not be empty');
};

export const optionalString: ConvictFormat = (value) => {
  if (value !== null && value !== undefined && typeof value !== 'string') throw new Error(`must be a string, not ${describeType(value)}`);
};

export const dnsLabel: ConvictFormat = (value) => {
  requiredString(value);
  if (!dnsLabelPattern.test(value as string)) throw new Error(`must be a DNS label (lowercase letters, digits and '-', at most 63 characters): "${String(value)}"`);
};

export function oneOf(allowed: readonly string[]): ConvictFormat {
  return (value) => {
    if (typeof value !== 'string' || !allowed.includes(value)) throw new Error(`must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
  };
}

export function integerAtLeast(minimum: number): ConvictFormat {
  return (value) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`must be a whole number, not ${JSON.stringify(value)}`);
    if (value < minimum) throw new Error(`must be at least ${minimum}; got ${value}`);
  };
}

export function numberBetween(minimum: number, maximum: number): ConvictFormat {
  return (value) => {
    if (typeof value !== 'number' || Number.isNaN(value)) throw new Error(`must be a number, not ${JSON.stringify(value)}`);
    if (value < minimum || value > maximum) throw new Error(`must be between ${minimum} and ${maximum}; got ${value}`);
  };
}

export const booleanValue: ConvictFormat = (value) => {
  if (typeof value !== 'boolean') throw new Error(`must be true or false, not ${JSON.stringify(value)}`);
};

/** An absolute URL with one of `schemes`; empty allowed when `optional`. */
export function urlWithScheme(schemes: readonly string[], optional = false): ConvictFormat {
  return (value) => {
    if (optional && (value === null || value === undefined || value === '')) return;
    requiredString(value);
    let parsed: URL;
    try {
      parsed = new URL(value as string);
    } catch {
      throw new Error(`must be an absolute URL (${schemes.map((scheme) => scheme + '://…').join(' or ')}); got "${String(value)}"`);
    }
    if (!schemes.includes(parsed.protocol.replace(/:$/, ''))) throw new Error(`must use ${schemes.join(' or ')}; got ${parsed.protocol}//`);
    if (parsed.username || parsed.password) throw new Error('must not carry credentials; use the credentials block');
  };
}

/** A comma-separated list of absolute URLs, each with one of `schemes`. */
export function urlListWithScheme(schemes: readonly string[]): ConvictFormat {
  const single = urlWithScheme(schemes);
  return (value) => {
    requiredString(value);
    for (const entry of (value as string).split(',')) single(entry.trim());
  };
}

/** A flat map of string keys to string values (labels, overrides). */
export function stringMap(valueFormat?: ConvictFormat): ConvictFormat {
  return (value) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('must be a map of keys to values');
    for (const [key, entry] of Object.entries(value)) {
      try {
        if (valueFormat) valueFormat(entry);
        else requiredString(entry);
      } catch (error) {
        throw new Error(`entry "${key}" ${(error as Error).message}`);
      }
    }
  };
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a map' : `${typeof value} ${JSON.stringify(value)}`;
}
