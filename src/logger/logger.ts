import { pino, type DestinationStream, type Logger } from 'pino';
import { errorLogForm } from '../errors/index.js';
import { scrubSecretText, scrubSecrets } from '../secrets/index.js';
import { boundStrings, boundText } from '../text/index.js';

export type { Logger };

/**
 * Paths pino replaces with "[redacted]". Credentials reach log calls only by
 * mistake; this is the safety net, tested by scanning log output for secrets.
 */
export const redactedPaths: readonly string[] = [
  'credentials',
  '*.credentials',
  '*.*.credentials',
  'password',
  '*.password',
  'token',
  '*.token',
  'secretAccessKey',
  '*.secretAccessKey',
  'sessionToken',
  '*.sessionToken',
  'applicationCredentialSecret',
  '*.applicationCredentialSecret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  '*.headers["vmware-api-session-id"]',
  '*.headers["x-auth-token"]',
];

/**
 * Longest string value in a log line (messages, fields, error messages and
 * stacks); longer ones are cut with a note. Platform strings (VM names, raw
 * states, error bodies) reach logs, and a platform may send megabytes.
 */
export const logStringMaxChars = 4096;

/**
 * Longest log line. A line of many bounded strings can still be long (an
 * array of names); such a line is re-emitted with every string cut to
 * {@link logFallbackStringMaxChars}, or, if that is not enough, as its
 * level, time, bindings and message, with `logLineCut` giving the original length.
 */
export const logLineMaxChars = 16_384;

/** String bound of a line re-emitted because it exceeded {@link logLineMaxChars}. */
export const logFallbackStringMaxChars = 256;

/** Fields an over-long line keeps when cutting its strings was not enough. */
const fieldsKeptOfOverlongLines = ['level', 'time', 'service', 'provider', 'component', 'endpoint', 'platform', 'msg'];

/**
 * pino's `err` serializer, scrubbed and bounded. pino appends the message and
 * stack of every `cause` to the error's own, and copies its fields: a
 * platform's or SDK's error chained as a cause would bring its words (an
 * access key id, a signature, a canonical request) along. So every string of
 * the serialized error, causes included, goes through `scrubSecrets`, and
 * fields named like secrets are dropped whole.
 */
function scrubbedErrorSerialization(error: unknown): unknown {
  // Expected failures without their stack, bugs with it (errorLogForm says which is which).
  const serialized: unknown = errorLogForm(error) ?? pino.stdSerializers.err(error as Error);
  let plain: unknown;
  try {
    // Serialized errors are pino objects with a prototype; their JSON form is what gets written, so scrub and bound that.
    plain = JSON.parse(JSON.stringify(serialized)) as unknown;
  } catch {
    // Not JSON-able (a cycle through a field): keep what can be said safely.
    const { type, message, stack } = (serialized ?? {}) as { type?: unknown; message?: unknown; stack?: unknown };
    plain = { type, message, stack };
  }
  return boundStrings(scrubSecrets(plain), logStringMaxChars);
}

/**
 * Scrubs the message strings of a log call. Messages are often built from an
 * error's message (`poll failed: ${error.message}`), and `logger.error(err)`
 * makes the error's message the line's `msg`; either may quote a platform's
 * words. Fields are left to redaction and the `err` serializer.
 */
function scrubbedMessages(this: Logger, args: Parameters<Logger['info']>, method: (...args: unknown[]) => void): void {
  const scrubbed: unknown[] = args.map((arg) => (typeof arg === 'string' ? scrubSecretText(arg) : arg));
  const [first, second] = scrubbed;
  if (first instanceof Error && typeof second !== 'string') scrubbed.splice(1, 0, scrubSecretText(first.message));
  method.apply(this, scrubbed);
}

function boundLine(line: string): string {
  if (line.length <= logLineMaxChars) return line;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    record = { msg: line };
  }
  const cut = JSON.stringify({ ...(boundStrings(record, logFallbackStringMaxChars) as Record<string, unknown>), logLineCut: line.length });
  if (cut.length < logLineMaxChars) return cut + '\n';
  const kept = Object.fromEntries(fieldsKeptOfOverlongLines.map((key) => [key, record[key]]));
  return JSON.stringify({ ...(boundStrings(kept, logFallbackStringMaxChars) as Record<string, unknown>), logLineCut: line.length }) + '\n';
}

/**
 * The bridge's one pino logger (JSON lines). Every component gets a child of
 * it; endpoint code gets `logger.child({ endpoint })`. Every string in a line
 * is at most {@link logStringMaxChars} long and every line at most
 * {@link logLineMaxChars} (see there), whatever a platform sends.
 */
export function createLogger(options: { level: string; destination?: DestinationStream; base?: Record<string, unknown> }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'dcm-poll-bridge', ...options.base },
      redact: { paths: [...redactedPaths], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => boundStrings(fields, logStringMaxChars) as Record<string, unknown>,
        bindings: (bindings) => boundStrings(bindings, logStringMaxChars) as Record<string, unknown>,
      },
      serializers: {
        err: scrubbedErrorSerialization,
        msg: (message: unknown) => (typeof message === 'string' ? boundText(message, logStringMaxChars) : message),
      },
      hooks: { logMethod: scrubbedMessages, streamWrite: boundLine },
    },
    options.destination ?? pino.destination({ dest: 2, sync: false }),
  );
}
