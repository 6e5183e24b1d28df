import { existsSync, readFileSync } from 'node:fs';
import type { AbsenceVerdict, PlatformAdapter, PlatformConnection, RawInstance } from '../../src/adapter/index.js';
import { BridgeError, ErrorCode } from '../../src/errors/index.js';
import { defineStateTable, type VmStatus } from '../../src/normalize/index.js';
import type { EndpointConfig } from '../../src/config/index.js';

/**
 * What a test writes to the file the `file` test platform reads on every list.
 * `failAfterPages` makes the listing throw after that many pages (0: at once).
 */
export interface FilePlatformState {
  readonly instances: readonly RawInstance[];
  readonly pageSize?: number;
  readonly failAfterPages?: number;
  readonly failure?: { readonly code?: string; readonly message: string; readonly retryAfterMs?: number };
  /**
   * What the platform answers when asked about an instance its list left out,
   * by platform id; an id not named here is `gone` (the file is the platform's
   * whole truth). Models lists that are not authoritative.
   */
  readonly absence?: Readonly<Record<string, AbsenceVerdict>>;
  /** Makes `confirmAbsence` throw (the platform unreachable when asked). */
  readonly absenceFailure?: string;
  /** After `pages` pages the listing waits until the file `until` exists (a slow platform a test releases). */
  readonly holdAfterPages?: { readonly pages: number; readonly until: string };
  /**
   * Makes the platform list incrementally (`listChanges`): a cursor is a
   * revision; listing from it yields the changes logged after it (a
   * `changed` instance as `instances` now holds it, absent there: nothing).
   * A cursor below `rejectBelow` is refused with CURSOR_REJECTED.
   */
  readonly changes?: {
    readonly revision: number;
    readonly log: ReadonlyArray<{ readonly revision: number; readonly platformId: string; readonly kind: 'changed' | 'deleted' | 'departed' }>;
    readonly rejectBelow?: number;
  };
}

/** States of the test platform: lowercase words, so tests read like a platform's own states. */
const fileStates = {
  building: 'PROVISIONING',
  on: 'RUNNING',
  off: 'STOPPED',
  paused: 'PAUSED',
  stopping: 'STOPPING',
  deleting: 'DELETING',
  gone: 'DELETED',
  broken: 'FAILED',
} as const satisfies Record<string, VmStatus>;

/** Table of the test platform. */
export const fileStateTable = defineStateTable('file', fileStates);

/** What DCM should hold for a test instance in `rawState` (tests compare DCM's view with the platform). */
export function statusOfFileState(rawState: string | null | undefined): VmStatus | undefined {
  return rawState ? (fileStates as Record<string, VmStatus>)[rawState] : 'PROVISIONING';
}

/**
 * A real platform adapter over a JSON file, for tests of the core pipeline:
 * the endpoint's `file` option names the file, re-read on every list.
 * It runs in-process and in spawned bridge processes alike.
 */
export function createFileAdapter(options: { minimumIntervalSeconds?: number } = {}): PlatformAdapter {
  return {
    platform: 'file',
    minimumIntervalSeconds: options.minimumIntervalSeconds ?? 10,
    serviceTypes: ['vm'],
    stateTable: fileStateTable,
    urlRequired: false,
    configSchema: {
      options: { file: { doc: 'JSON file with the platform state.', format: String, default: '' } },
      credentials: { token: { doc: 'Unused; lets tests check secrets stay out of logs.', format: String, default: '', sensitive: true } },
    },
    validate: (endpoint: EndpointConfig) => (endpoint.options['file'] ? [] : [{ path: 'file', message: 'is required' }]),
    connect(endpoint) {
      const file = String(endpoint.options['file']);
      const readState = (): FilePlatformState => JSON.parse(readFileSync(file, 'utf8')) as FilePlatformState;
      const incremental = readState().changes !== undefined;
      const connection: PlatformConnection = {
        async *list(signal) {
          const state = JSON.parse(readFileSync(file, 'utf8')) as FilePlatformState;
          const pageSize = state.pageSize ?? 100;
          const pageCount = Math.ceil(state.instances.length / pageSize);
          for (let page = 0; page < pageCount; page++) {
            if (state.failAfterPages === page) throw failure(state, endpoint.name);
            if (signal.aborted) throw signal.reason;
            if (state.holdAfterPages?.pages === page) await waitForFile(state.holdAfterPages.until, signal);
            await new Promise((resolve) => setImmediate(resolve));
            yield state.instances.slice(page * pageSize, (page + 1) * pageSize);
          }
          if (state.failAfterPages !== undefined && state.failAfterPages >= pageCount) throw failure(state, endpoint.name);
        },
        async confirmAbsence(platformIds) {
          const state = JSON.parse(readFileSync(file, 'utf8')) as FilePlatformState;
          if (state.absenceFailure) throw new BridgeError(ErrorCode.PlatformHttp, state.absenceFailure, { endpoint: endpoint.name, status: 503 });
          const listed = new Set(state.instances.map((instance) => instance.platformId));
          return new Map(
            platformIds.map((platformId) => {
              const verdict: AbsenceVerdict = state.absence?.[platformId] ?? (listed.has(platformId) ? 'present' : 'gone');
              return [platformId, { verdict, evidence: `the file platform says ${verdict}` }] as const;
            }),
          );
        },
        close: async () => undefined,
      };
      if (!incremental) return connection;
      return {
        ...connection,
        async *listChanges(cursor, signal) {
          const state = readState();
          const changes = state.changes ?? { revision: 0, log: [] };
          if (cursor === undefined) {
            for await (const instances of connection.list(signal)) yield { instances, deleted: [], departed: [] };
            return { cursor: String(changes.revision) };
          }
          const since = Number(cursor);
          if (!Number.isInteger(since) || since < (changes.rejectBelow ?? 0)) throw new BridgeError(ErrorCode.CursorRejected, `the file platform refuses cursor ${cursor}`, { endpoint: endpoint.name });
          const current = new Map(state.instances.map((instance) => [instance.platformId, instance]));
          const logged = changes.log.filter((entry) => entry.revision > since);
          const changed = [...new Set(logged.filter((entry) => entry.kind === 'changed').map((entry) => entry.platformId))].flatMap((platformId) => current.get(platformId) ?? []);
          if (signal.aborted) throw signal.reason;
          yield {
            instances: changed,
            deleted: logged.filter((entry) => entry.kind === 'deleted').map((entry) => ({ platformId: entry.platformId, evidence: `the file platform logged its deletion at revision ${entry.revision}` })),
            departed: logged.filter((entry) => entry.kind === 'departed').map((entry) => entry.platformId),
          };
          return { cursor: String(changes.revision) };
        },
      };
    },
  };
}


function failure(state: FilePlatformState, endpoint: string): BridgeError {
  const code = (state.failure?.code as ErrorCode | undefined) ?? ErrorCode.PlatformHttp;
  return new BridgeError(code, state.failure?.message ?? 'simulated platform failure', { endpoint, status: 503, ...(state.failure?.retryAfterMs !== undefined ? { retryAfterMs: state.failure.retryAfterMs } : {}) });
}

/** Resolves once `file` exists; rejects when `signal` aborts. */
async function waitForFile(file: string, signal: AbortSignal): Promise<void> {
  while (!existsSync(file)) {
    if (signal.aborted) throw signal.reason;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
