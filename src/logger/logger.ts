import { pino, type DestinationStream, type Logger } from 'pino';
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

function boundErrorSerialization(error: unknown): unknown {
  const serialized: unknown = pino.stdSerializers.err(error as Error);
  try {
    // Serialized errors are pino objects with a prototype; their JSON form is what gets written, so bound that.
    return boundStrings(JSON.parse(JSON.stringify(serialized)), logStringMaxChars);
  } catch {
    return serialized;
  }
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
        err: boundErrorSerialization,
        msg: (message: unknown) => (typeof message === 'string' ? boundText(message, logStringMaxChars) : message),
      },
      hooks: { streamWrite: boundLine },
    },
    options.destination ?? pino.destination({ dest: 2, sync: false }),
  );
}
