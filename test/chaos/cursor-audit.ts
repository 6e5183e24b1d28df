import type { DeliveredEvent } from './recorder.js';
import type { TruthState } from './truth.js';

/**
 * The listing cursor against what DCM heard (issue 14: "the cursor never
 * moves past what was acknowledged"). Two checks, both pure:
 *
 * - {@link auditCursorWrites}, from Redis's `MONITOR` log (every command in
 *   the order Redis executed it, so no race with the bridge): when the
 *   endpoint's cursor was written, its outbox held nothing recorded and not
 *   committed, and every event recorded since the previous cursor write was
 *   already stored in DCM's stream. A bridge that wrote the cursor before its
 *   acks came back fails the first half on every poll that published.
 * - {@link cursorCoverage}, after a SIGKILL, on the cursor left in Redis and
 *   the stream as it stands (read before the bridge restarts, so the outbox's
 *   resend cannot fill the gap): every instance's state when the listing that
 *   produced the cursor was answered (or a later state) is DCM's last word.
 */

/** One command as `MONITOR` prints it: when Redis executed it (epoch ms) and its arguments. */
export interface MonitoredCommand {
  readonly at: number;
  readonly args: readonly string[];
}

/**
 * Reads one line of `redis-cli monitor` (`1733112345.123456 [0 127.0.0.1:5555] "HSET" "k" "v\"x"`):
 * arguments are quoted, with `\"`, `\\`, `\n`, `\r`, `\t`, `\a`, `\b` and
 * `\xHH` escapes (bytes, read here as UTF-8). Undefined for anything else.
 */
export function parseMonitorLine(line: string): MonitoredCommand | undefined {
  const head = /^(\d+)\.(\d{6}) \[[^\]]*\] /.exec(line);
  if (!head) return undefined;
  const at = Number(head[1]) * 1000 + Number(head[2]) / 1000;
  const args: string[] = [];
  let position = head[0].length;
  while (position < line.length) {
    if (line[position] === ' ') {
      position++;
      continue;
    }
    if (line[position] !== '"') return undefined;
    position++;
    const bytes: number[] = [];
    for (;;) {
      if (position >= line.length) return undefined;
      const character = line[position] as string;
      if (character === '"') {
        position++;
        break;
      }
      if (character === '\\') {
        const escaped = line[position + 1];
        const simple: Record<string, number> = { '"': 0x22, '\\': 0x5c, n: 0x0a, r: 0x0d, t: 0x09, a: 0x07, b: 0x08 };
        if (escaped === 'x') {
          bytes.push(parseInt(line.slice(position + 2, position + 4), 16));
          position += 4;
        } else if (escaped !== undefined && simple[escaped] !== undefined) {
          bytes.push(simple[escaped] as number);
          position += 2;
        } else return undefined;
        continue;
      }
      bytes.push(character.charCodeAt(0));
      position++;
    }
    args.push(Buffer.from(bytes).toString('utf8'));
  }
  return { at, args };
}

/** A write of the endpoint's listing cursor, and what the outbox held then. */
export interface CursorWrite {
  /** When Redis executed it (epoch ms). */
  readonly at: number;
  /** The stored text (the core's encoding: `[value, fullListAt, epoch, scope]`), or undefined for a removal. */
  readonly stored: string | undefined;
  /** Event ids recorded in the outbox and not committed when the cursor was written: events not yet acknowledged. */
  readonly uncommitted: readonly string[];
  /** Event ids recorded since the previous cursor write (this poll's, and any resent before it). */
  readonly recorded: readonly string[];
  /** When the poll that wrote it began (the bridge's `pollstart` value, epoch ms): its listing was asked for after that. */
  readonly pollStartedAt: number | undefined;
}

/**
 * Follows one endpoint's outbox (`<namespace>:v2:outbox:<endpoint>`, a hash
 * of platform id → `[record, leavesIndex, subject, eventId, body]`) and
 * listing cursor (`<namespace>:v2:cursor:<endpoint>`) through the commands
 * Redis executed, and keeps every cursor write with the outbox's state then.
 */
export interface CursorWriteLog {
  apply(command: MonitoredCommand): void;
  writes(): readonly CursorWrite[];
  /** Commands read that touched the outbox or the cursor. */
  commandsSeen(): number;
}

/** Creates the log of one endpoint's cursor writes, for the keys under `namespace`. */
export function createCursorWriteLog(namespace: string, endpoint: string): CursorWriteLog {
  const outboxKey = `${namespace}:v2:outbox:${endpoint}`;
  const cursorKey = `${namespace}:v2:cursor:${endpoint}`;
  const pollStartKey = `${namespace}:v2:pollstart:${endpoint}`;
  let pollStartedAt: number | undefined;
  const uncommitted = new Map<string, string>();
  let recorded: string[] = [];
  const writes: CursorWrite[] = [];
  let seen = 0;
  const eventIdOf = (entry: string): string => {
    try {
      const fields: unknown = JSON.parse(entry);
      return Array.isArray(fields) && typeof fields[3] === 'string' ? fields[3] : `unreadable outbox entry`;
    } catch {
      return 'unreadable outbox entry';
    }
  };
  const noteCursor = (at: number, stored: string | undefined): void => {
    writes.push({ at, stored, uncommitted: [...uncommitted.values()], recorded, pollStartedAt });
    recorded = [];
  };
  return {
    apply({ at, args }) {
      const [name = '', key, ...rest] = args;
      const command = name.toUpperCase();
      if (key === outboxKey) {
        seen++;
        if (command === 'HSET' || command === 'HMSET') {
          for (let position = 0; position + 1 < rest.length; position += 2) {
            const id = eventIdOf(rest[position + 1] as string);
            uncommitted.set(rest[position] as string, id);
            recorded.push(id);
          }
        } else if (command === 'HDEL') for (const field of rest) uncommitted.delete(field);
        else if (command === 'DEL' || command === 'UNLINK') uncommitted.clear();
      } else if (key === cursorKey) {
        seen++;
        if (command === 'SET') noteCursor(at, rest[0]);
        else if (command === 'DEL' || command === 'UNLINK') noteCursor(at, undefined);
      } else if (key === pollStartKey && command === 'SET') {
        const startedAt = Number(rest[0]);
        pollStartedAt = Number.isFinite(startedAt) ? startedAt : undefined;
      } else if ((command === 'DEL' || command === 'UNLINK') && rest.includes(outboxKey)) uncommitted.clear();
    },
    writes: () => writes,
    commandsSeen: () => seen,
  };
}

/** What {@link auditCursorWrites} found. */
export interface CursorWriteAudit {
  /** Cursor values written (removals not counted). */
  readonly writes: number;
  /** Writes made while events of the endpoint were recorded and not yet committed (acknowledged). */
  readonly aheadOfCommit: number;
  /** Writes made before an event recorded since the previous write was stored in DCM's stream. */
  readonly aheadOfStream: number;
  /** One line per faulty write (the first few), naming the events. */
  readonly findings: readonly string[];
}

const clock = (epochMs: number): string => new Date(epochMs).toISOString().slice(11, 23);

/**
 * Checks every cursor write against the outbox and DCM's stream (see the
 * module's doc). `delivered` is the stream read at the end of the run; the
 * first copy of an id counts (the duplicate window drops the others).
 */
export function auditCursorWrites(writes: readonly CursorWrite[], delivered: readonly DeliveredEvent[]): CursorWriteAudit {
  const storedAt = new Map<string, number>();
  for (const event of delivered) if (!storedAt.has(event.id)) storedAt.set(event.id, event.storedAt);
  const findings: string[] = [];
  let count = 0;
  let aheadOfCommit = 0;
  let aheadOfStream = 0;
  for (const write of writes) {
    if (write.stored === undefined) continue;
    count++;
    if (write.uncommitted.length > 0) {
      aheadOfCommit++;
      findings.push(`cursor written at ${clock(write.at)} while ${write.uncommitted.length} event(s) were recorded and not committed (e.g. ${write.uncommitted.slice(0, 2).join(', ')})`);
    }
    // Stream times are whole milliseconds; the write's are microseconds.
    const late = write.recorded.filter((id) => !((storedAt.get(id) ?? Number.POSITIVE_INFINITY) <= write.at));
    if (late.length > 0) {
      aheadOfStream++;
      findings.push(`cursor written at ${clock(write.at)} before ${late.length} event(s) recorded for it were in DCM's stream (e.g. ${late.slice(0, 2).map((id) => `${id} ${storedAt.has(id) ? `stored ${clock(storedAt.get(id) as number)}` : 'never stored'}`).join(', ')})`);
    }
  }
  return { writes: count, aheadOfCommit, aheadOfStream, findings };
}

/** What {@link cursorCoverage} found for one stored cursor. */
export interface CursorCoverage {
  /** Instances whose state at the listing's time was checked. */
  readonly checked: number;
  /** DCM's last word is older than the state the cursor says was listed: a cursor past what DCM heard. */
  readonly behind: readonly string[];
  /** Deleted before the listing (or possibly before it: before the cursor was written), DCM still holding an earlier state: a full list waits `deleteAfterMissedLists` lists before asking (the judge still owes DCM the DELETED), so these are counted, not failed. */
  readonly deletionsAwaitingConfirmation: number;
}

/**
 * Does DCM's stream (as it stands) cover what the listing behind a stored
 * cursor saw? Every change made before `listedAt` was visible to that listing
 * (for Nova: the cursor's time plus the adapter's margin, whole seconds, so
 * never later than the first answer; elsewhere: when its poll began, before
 * it asked the platform). Per instance, the state it held at `listedAt`
 * (its last truth record before then) — or any state after it, which a page
 * read later may show instead — must be DCM's last word; an instance created
 * after `listedAt` is not checked, and one created and deleted unseen is owed
 * nothing. `listedAt` is a lower bound (Nova's whole seconds): the listing ran
 * at some time up to `writtenAt`, when the cursor was stored, so an instance
 * deleted by then may have been absent from it and awaits confirmation.
 */
export function cursorCoverage(truth: ReadonlyMap<string, readonly TruthState[]>, delivered: readonly DeliveredEvent[], listedAt: number, writtenAt: number = listedAt): CursorCoverage {
  const lastWord = new Map<string, string>();
  for (const event of delivered) if (event.malformed === undefined) lastWord.set(event.instanceId, event.status);
  const behind: string[] = [];
  let checked = 0;
  let awaiting = 0;
  for (const [instanceId, history] of truth) {
    const listed = history.findLastIndex((state) => state.at < listedAt);
    if (listed < 0) continue;
    checked++;
    const owed = history.slice(listed).map((state) => state.status);
    const told = lastWord.get(instanceId);
    if (told !== undefined && owed.includes(told)) continue;
    if (told === undefined && owed[0] === 'DELETED') continue;
    // Absent from a full list, a deleted instance is asked about only after `deleteAfterMissedLists` lists; DCM keeps an earlier state meanwhile.
    const deletion = history.findIndex((state, index) => index >= listed && state.status === 'DELETED' && (index === listed || state.at <= writtenAt));
    if (deletion >= 0 && told !== undefined && history.slice(0, deletion).some((state) => state.status === told)) {
      awaiting++;
      continue;
    }
    behind.push(`${instanceId}: ${owed[0]} since ${clock((history[listed] as TruthState).at)}, listed at ${clock(listedAt)}; DCM's last word ${told ?? 'none'}`);
  }
  return { checked, behind, deletionsAwaitingConfirmation: awaiting };
}
