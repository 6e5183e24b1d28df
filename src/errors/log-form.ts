import { BridgeError, ErrorCode } from './bridge-error.js';

/** How many causes {@link errorLogForm} follows: a chain is a few links (ours, the library's, the socket's); a cycle is not followed forever. */
const maxCauses = 8;

/** One link of a cause chain: its message, after its name unless that is plain `Error`, and its `code` when the message lacks it. */
function describeLink(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const coded = typeof code === 'string' && code && !error.message.includes(code) ? ` (${code})` : '';
  const named = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
  return `${named}${error.message}${coded}`;
}

/** The messages of `error`'s causes, outermost first (the error's own message excluded). */
export function causeChain(error: unknown): string[] {
  const links: string[] = [];
  const seen = new Set<unknown>([error]);
  let cause = error instanceof Error ? error.cause : undefined;
  // AggregateError (a connect to every address of a name failing) keeps its reasons in `errors`, not `cause`.
  while (cause !== undefined && !seen.has(cause) && links.length < maxCauses) {
    seen.add(cause);
    links.push(describeLink(cause));
    cause = cause instanceof Error ? (cause.cause ?? (cause instanceof AggregateError ? cause.errors[0] : undefined)) : undefined;
  }
  return links;
}

/** True when `error` is a bug (INTERNAL, or anything that is not a {@link BridgeError}): its stack is worth logging. */
export function isBug(error: unknown): boolean {
  return !(error instanceof BridgeError) || error.code === ErrorCode.Internal;
}

/**
 * How an error appears under `err` in a log line. An expected failure (a {@link BridgeError} whose code is not
 * INTERNAL: a refused connection, a 401, throttling, a timeout) is its type, code, message, context and the cause
 * chain once, outermost first (`causes: ["TypeError: fetch failed", "connect ECONNREFUSED 127.0.0.1:1"]`; one
 * string per link, so the secret scrub of one cannot swallow the next), with no stack trace: the operator
 * needs what failed and why, not our call sites, at every poll. A bug (INTERNAL, or any other error) keeps
 * `stack` too, and `undefined` for `errorLogForm` means "use the logger's own serialization", which has it.
 */
export function errorLogForm(error: unknown): Record<string, unknown> | undefined {
  if (isBug(error)) return undefined;
  const failure = error as BridgeError;
  const causes = causeChain(failure);
  return {
    type: failure.name,
    code: failure.code,
    message: failure.message,
    ...(Object.keys(failure.context).length > 0 ? { context: failure.context } : {}),
    ...(causes.length > 0 ? { causes } : {}),
  };
}
