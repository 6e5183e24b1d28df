import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { DiagnosticSeverity, Parser, type AsyncAPIDocumentInterface, type Diagnostic } from '@asyncapi/parser';

/**
 * The AsyncAPI document of the bridge's events, in the repository (not in the
 * build): three levels above this compiled module (`<outDir>/test/contract/`).
 */
export const asyncApiPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'api', 'asyncapi.yaml');

/** The JSON Schemas one message of the document gives its NATS headers and its body. */
export interface MessageSchemas {
  /** The message's key under its channel (`vmStatusEvent`). */
  readonly name: string;
  readonly headers: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
  /** The message's examples, as written in the document. */
  readonly examples: readonly { readonly name: string; readonly headers: Record<string, unknown> | undefined; readonly payload: unknown }[];
}

/** What a NATS message was found to break; empty when it matches its channel's message. */
export type ContractViolations = readonly string[];

/**
 * The parsed document with a validator per channel. Schemas are taken from
 * the parser's dereferenced output, so what is checked is what a consumer
 * generating code from the document would get.
 */
export interface EventContract {
  readonly document: AsyncAPIDocumentInterface;
  /** Every diagnostic the parser reported (errors make {@link loadEventContract} throw). */
  readonly diagnostics: readonly Diagnostic[];
  /** Channel addresses (NATS subjects) in document order. */
  addresses(): readonly string[];
  /** The one message of the channel at `address`; throws when there is none or several. */
  message(address: string): MessageSchemas;
  /**
   * Checks one message as received on `address` (headers as a plain map,
   * the body parsed) against that channel's message: headers and payload.
   */
  check(address: string, message: { readonly headers: Record<string, unknown>; readonly payload: unknown }): ContractViolations;
}

/** How long each step of loading took, for the report (the parser's import is the caller's). */
export interface LoadTimings {
  readonly parseMs: number;
}

/**
 * Parses `api/asyncapi.yaml` with the AsyncAPI parser (its own ruleset and the
 * AsyncAPI 3.0.0 JSON Schema; no network: every `$ref` is inside the document)
 * and compiles each message's schemas with ajv in strict mode. Throws, listing
 * them, when the parser reports an error.
 */
export async function loadEventContract(path = asyncApiPath): Promise<EventContract & { readonly timings: LoadTimings }> {
  const started = performance.now();
  const { document, diagnostics } = await new Parser().parse(readFileSync(path, 'utf8'), { source: path });
  const parseMs = performance.now() - started;
  const errors = diagnostics.filter((diagnostic) => diagnostic.severity === DiagnosticSeverity.Error);
  if (!document || errors.length > 0) {
    throw new Error(`the AsyncAPI parser refuses ${path}:\n${errors.map((diagnostic) => `  ${diagnostic.code} at ${diagnostic.path.join('.') || `line ${diagnostic.range.start.line + 1}`}: ${diagnostic.message}`).join('\n')}`);
  }

  const ajv = new Ajv({ allErrors: true, strict: true, logger: false });
  // Both formats are checked by the schemas' patterns too; these keep ajv's strict mode from refusing the keyword.
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  ajv.addFormat('date-time', (text: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text) && !Number.isNaN(Date.parse(text)));

  const byAddress = new Map<string, MessageSchemas & { readonly validateHeaders: ValidateFunction; readonly validatePayload: ValidateFunction }>();
  const addresses: string[] = [];
  for (const channel of document.channels().all()) {
    const address = channel.address() ?? '';
    addresses.push(address);
    const messages = channel.messages().all();
    if (messages.length !== 1) continue;
    const [message] = messages;
    if (!message) continue;
    const headers = withoutParserKeys(message.headers()?.json() ?? {}) as Record<string, unknown>;
    const payload = withoutParserKeys(message.payload()?.json() ?? {}) as Record<string, unknown>;
    const examples = message.examples().all().map((example) => ({ name: example.name() ?? '', headers: example.headers(), payload: example.payload() }));
    byAddress.set(address, { name: message.id(), headers, payload, examples, validateHeaders: ajv.compile(headers), validatePayload: ajv.compile(payload) });
  }

  const messageAt = (address: string) => {
    const found = byAddress.get(address);
    if (!found) throw new Error(`the AsyncAPI document has no single message on channel ${address}; channels: ${addresses.join(', ')}`);
    return found;
  };
  return {
    document,
    diagnostics,
    timings: { parseMs },
    addresses: () => addresses,
    message: (address) => {
      const { name, headers, payload, examples } = messageAt(address);
      return { name, headers, payload, examples };
    },
    check(address, received) {
      const { validateHeaders, validatePayload } = messageAt(address);
      const violations: string[] = [];
      if (!validateHeaders(received.headers)) violations.push(...(validateHeaders.errors ?? []).map((error) => `headers${error.instancePath} ${error.message ?? ''} ${JSON.stringify(error.params)}`));
      if (!validatePayload(received.payload)) violations.push(...(validatePayload.errors ?? []).map((error) => `payload${error.instancePath} ${error.message ?? ''} ${JSON.stringify(error.params)}`));
      return violations;
    },
  };
}

/** The parser marks every schema it read with `x-parser-*` keys; they are not JSON Schema, and ajv's strict mode refuses them. */
function withoutParserKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutParserKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !key.startsWith('x-parser-')).map(([key, inner]) => [key, withoutParserKeys(inner)]));
}
