import { pino, type DestinationStream, type Logger } from 'pino';

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
 * The bridge's one pino logger (JSON lines). Every component gets a child of
 * it; endpoint code gets `logger.child({ endpoint })`.
 */
export function createLogger(options: { level: string; destination?: DestinationStream; base?: Record<string, unknown> }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'dcm-poll-bridge', ...options.base },
      redact: { paths: [...redactedPaths], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 2, sync: false }),
  );
}
