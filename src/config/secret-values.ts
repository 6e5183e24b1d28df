import type { Schema } from 'convict';
import { isJsonObject } from '../values/index.js';

/** Key names whose values are secrets: passwords, tokens, AWS keys and every key of a `credentials` block. */
export const secretKeyPattern = /(password|secret|token|credentials|accesskey)/i;

/** URLs may carry user info (`redis://:pw@host`) and are easily pasted into the wrong key, so their values are never quoted. */
const urlKeyPattern = /url$/i;

/**
 * True when messages about the key at `path` (a full key path such as
 * `endpoints[0].credentials.password`) must not quote its value: the schema
 * marks it `sensitive`, its path names a secret or a `credentials` block,
 * or it is a URL.
 */
export function isSecretKey(path: string, leaf?: { readonly sensitive?: unknown }): boolean {
  const lastKey = path.slice(path.lastIndexOf('.') + 1);
  return leaf?.sensitive === true || secretKeyPattern.test(path) || urlKeyPattern.test(lastKey);
}

/** What a secret key's message says when the format's own reason would have quoted the value. */
export const withheldReason = 'is not valid (the reason is not shown, since it would quote this key\'s value)';

/**
 * A copy of a convict `schema` in which every secret key (see
 * {@link isSecretKey}; paths under `prefix`) is `sensitive`, so convict does
 * not append ": value was …", and has its format wrapped so that a complaint
 * never quotes the value: the format's `withoutValue` wording when it has
 * one, else its message when the message contains no rendering of the value,
 * else {@link withheldReason}. Other keys are kept as they are.
 */
export function hideSecretValues<T>(schema: Schema<T>, prefix: string): Schema<T> {
  return hideIn(schema as unknown as Record<string, unknown>, prefix) as unknown as Schema<T>;
}

function hideIn(group: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(group)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (!isJsonObject(node)) {
      copy[key] = node;
    } else if (!('default' in node) && Object.keys(node).length > 0) {
      copy[key] = hideIn(node, path);
    } else if (isSecretKey(path, node)) {
      const format = node['format'];
      copy[key] = { ...node, sensitive: true, ...(typeof format === 'function' ? { format: quietFormat(format as (value: unknown) => void) } : {}) };
    } else {
      copy[key] = node;
    }
  }
  return copy;
}

function quietFormat(format: (value: unknown) => void): (value: unknown) => void {
  return (value) => {
    try {
      format(value);
    } catch (error) {
      throw new Error(messageWithoutValue(error, value));
    }
  };
}

/** The complaint `error` makes about `value`, without quoting `value`. */
export function messageWithoutValue(error: unknown, value: unknown): string {
  const { message, withoutValue } = (error ?? {}) as { message?: unknown; withoutValue?: unknown };
  if (typeof withoutValue === 'string') return withoutValue;
  if (typeof message !== 'string') return withheldReason;
  return renderingsOf(value).some((rendering) => quotes(message, rendering)) ? withheldReason : message;
}

/** Long renderings anywhere; short ones (`5`, `ab`) only as a word, or every message would quote them. */
function quotes(message: string, rendering: string): boolean {
  if (rendering.length >= 4) return message.includes(rendering);
  const escaped = rendering.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9])${escaped}($|[^A-Za-z0-9])`).test(message);
}

/** Every way a message could quote `value`: itself, its JSON, and each string or number inside it. */
function renderingsOf(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value !== 'object') return [String(value), JSON.stringify(value) ?? ''].filter((text) => text !== '');
  const found: string[] = [];
  const walk = (node: unknown, depth: number): void => {
    if (depth > 32 || node === null || node === undefined) return;
    if (typeof node === 'object') for (const child of Object.values(node)) walk(child, depth + 1);
    else if (String(node) !== '') found.push(String(node));
  };
  walk(value, 0);
  try {
    found.push(JSON.stringify(value));
  } catch {
    // A cyclic value has no JSON rendering to quote.
  }
  return found;
}
