import type { Logger } from 'pino';
import { pollStoppedReason, type AbsenceFinding } from '../../src/adapter/index.js';
import { ErrorCode, isBridgeError } from '../../src/errors/index.js';
import type { PlatformResponse } from '../../src/platform-http/index.js';
import { jsonContentTypeProblem } from './answers.js';
import { isJsonObject } from '../../src/values/index.js';
import { mapWithConcurrency } from '../../src/concurrency/index.js';
import { answeredMicroversion, computeMicroversion, type ComputeGet } from './listing.js';
import { instanceIds, isPartialRecord, type ServerReading } from './servers.js';

/**
 * The microversion of the confirming `GET /servers/{id}`: from 2.69 Nova
 * answers a server whose cell is down with a partial record (status
 * `UNKNOWN`) instead of a 500, so "its cell is down" is told apart from "Nova
 * failed". A Nova older than 2.69 (before Stein) refuses it with 406; the
 * connection then asks at {@link fallbackMicroversion}, where a down cell is a
 * 500 — `unknown` all the same.
 */
export const absenceMicroversion = '2.69';
/** The listing's microversion, the first that shows `tags`. */
export const fallbackMicroversion = `${computeMicroversion.major}.${computeMicroversion.minor}`;

/** What a connection remembers between confirmations: the microversion Nova accepted. */
export interface AbsenceMemory {
  microversion: string;
}

/** What confirming needs. */
export interface AbsenceOptions extends Pick<ServerReading, 'managedByTag' | 'instanceIdSource' | 'instanceIdKey' | 'endpoint'> {
  readonly get: ComputeGet;
  /** GETs in flight at once. */
  readonly concurrency: number;
  readonly logger: Logger;
  readonly memory: AbsenceMemory;
}

/** One id's finding, and why the ids not asked yet should not be asked (the same answer would come back). */
interface Asked {
  readonly finding: AbsenceFinding;
  readonly stop?: string;
}

/** How much of a platform-given status an evidence string quotes. */
const quotedStatusChars = 40;

/**
 * Asks Nova about servers a complete list left out: one `GET /servers/{id}`
 * per id (Nova has no batch-by-ids read for a project member: the `uuid`
 * filter is admin-only and dropped from a member's query), at most
 * `concurrency` at once. Verdicts, from Nova's documented answers only:
 *
 * - `gone`: 404 with Nova's `itemNotFound` body, or a record with status `DELETED`;
 * - `unmanaged`: the server exists but its tags lack the managed-by tag, or it has no instance id;
 * - `present`: the server exists with both (`SOFT_DELETED` too: `restore` can
 *   still bring it back, and Nova hides it from lists; the state table maps it
 *   to DELETING, "not DELETED yet");
 * - `unknown`: a down cell's partial record, an answer without tags, a 404
 *   that is not Nova's, 5xx, timeout, 401/403, throttling, or an answer that is
 *   not Nova's JSON.
 *
 * After a throttle, an auth refusal or an unreachable Nova, the ids not asked
 * yet are `unknown` without a request: every one would get the same answer.
 * So after the signal's abort (the poll's time budget spent, or the poll
 * stopped): the verdicts Nova already gave are kept and the rest are
 * `unknown`, so a poll whose budget cannot cover every confirmation still
 * settles some, and the next one asks only about the rest. Concurrent
 * requests share the connection's error-body reader; a throttle's `retryAfter` may then be lost, which is fine
 * here: no verdict or delay is derived from it.
 */
export async function confirmServersAbsent(platformIds: readonly string[], options: AbsenceOptions, signal: AbortSignal): Promise<Map<string, AbsenceFinding>> {
  const findings = new Map<string, AbsenceFinding>();
  let stopped: string | undefined;
  await mapWithConcurrency([...new Set(platformIds)], options.concurrency, async (id) => {
    if (stopped !== undefined) {
      findings.set(id, { verdict: 'unknown', evidence: `not asked: ${stopped}` });
      return;
    }
    const asked = await askNova(id, options, signal);
    findings.set(id, asked.finding);
    stopped ??= asked.stop;
  });
  if (stopped !== undefined) options.logger.warn({ reason: stopped }, 'stopped confirming absent servers early; the rest stay unknown until the next list');
  return findings;
}

async function askNova(id: string, options: AbsenceOptions, signal: AbortSignal): Promise<Asked> {
  const path = `/servers/${encodeURIComponent(id)}`;
  const ask = (microversion: string): Promise<PlatformResponse> => options.get({ path, query: {}, headers: { 'openstack-api-version': `compute ${microversion}` } }, signal);
  try {
    let answer: PlatformResponse;
    try {
      answer = await ask(options.memory.microversion);
    } catch (error) {
      if (!isVersionRefused(error) || options.memory.microversion === fallbackMicroversion) throw error;
      options.memory.microversion = fallbackMicroversion;
      options.logger.info({ asked: absenceMicroversion, now: fallbackMicroversion }, 'Nova refuses microversion 2.69 (older than Stein): confirming absence at 2.26, where a down cell answers 500');
      answer = await ask(fallbackMicroversion);
    }
    return { finding: judgeAnswer(id, answer, options) };
  } catch (error) {
    return judgeFailure(error, `GET /servers/${id}`);
  }
}

function isVersionRefused(error: unknown): boolean {
  return isBridgeError(error, ErrorCode.PlatformHttp) && error.context.status === 406;
}

/** The verdict of a 2xx answer. */
function judgeAnswer(id: string, answer: PlatformResponse, options: AbsenceOptions): AbsenceFinding {
  const unknown = (why: string): AbsenceFinding => ({ verdict: 'unknown', evidence: `GET /servers/${id} ${why}` });
  if (answer.body === undefined) return unknown('answered an empty body');
  const contentProblem = jsonContentTypeProblem(answer.headers);
  if (contentProblem !== undefined) return unknown(contentProblem);
  const server = isJsonObject(answer.body) ? answer.body['server'] : undefined;
  if (!isJsonObject(server)) return unknown('answered without a "server" object');
  if (server['id'] !== id) return unknown('answered about another server');
  const status = server['status'];
  if (typeof status !== 'string' || status === '') return unknown('answered a server without a status');
  const quoted = status.slice(0, quotedStatusChars);
  // Nova shows a deleted record only to readers of deleted rows; its tags are gone with it.
  if (status === 'DELETED') return { verdict: 'gone', evidence: `GET /servers/${id}: status DELETED` };
  if (isPartialRecord(server)) return unknown('answered a partial record (status UNKNOWN): its cell is down');
  const answered = answeredMicroversion(answer.headers);
  const tags = server['tags'];
  const honoursTags = answered !== undefined && (answered.major > computeMicroversion.major || (answered.major === computeMicroversion.major && answered.minor >= computeMicroversion.minor));
  if (!honoursTags || !Array.isArray(tags)) return unknown('answered without tags, so DCM\'s selector cannot be checked');
  const tagList = tags.filter((tag): tag is string => typeof tag === 'string');
  if (!tagList.includes(options.managedByTag)) return { verdict: 'unmanaged', evidence: `GET /servers/${id}: status ${quoted}, tag ${options.managedByTag} removed` };
  if (instanceIds(server, tagList, options).length === 0) {
    return { verdict: 'unmanaged', evidence: `GET /servers/${id}: status ${quoted}, no ${options.instanceIdKey} ${options.instanceIdSource === 'metadata' ? 'metadata' : 'tag'}` };
  }
  if (status === 'SOFT_DELETED') return { verdict: 'present', evidence: `GET /servers/${id}: status SOFT_DELETED, restorable until Nova reclaims it` };
  return { verdict: 'present', evidence: `GET /servers/${id}: status ${quoted}, still tagged ${options.managedByTag}` };
}

/** The verdict of a failed request, and whether the confirmation stops there (a throttle, a refusal, the poll's abort). */
function judgeFailure(error: unknown, request: string): Asked {
  if (!isBridgeError(error)) return { finding: { verdict: 'unknown', evidence: `${request} failed: ${error instanceof Error ? error.name : 'unexpected error'}` } };
  if (error.code === ErrorCode.PollAborted) return { finding: { verdict: 'unknown', evidence: `${request} not answered: ${pollStoppedReason}` }, stop: pollStoppedReason };
  const status = typeof error.context.status === 'number' ? error.context.status : undefined;
  const fault = typeof error.context.platformCode === 'string' ? ` ${error.context.platformCode.slice(0, quotedStatusChars)}` : '';
  const unknown = (why: string, stop?: string): Asked => ({ finding: { verdict: 'unknown', evidence: `${request} ${why}` }, ...(stop === undefined ? {} : { stop }) });
  switch (error.code) {
    case ErrorCode.PlatformHttp:
      if (status === 404 && fault === ' itemNotFound') return { finding: { verdict: 'gone', evidence: `${request} answered 404 itemNotFound` } };
      if (status === 404) return unknown("answered 404 without Nova's itemNotFound body");
      return unknown(`answered HTTP ${status ?? '?'}${fault}`);
    case ErrorCode.PlatformTimeout:
      return unknown('got no answer in time');
    case ErrorCode.PlatformPayload:
      return unknown(`answered HTTP ${status ?? '?'} with a body that is not Nova's JSON`);
    case ErrorCode.PlatformThrottled:
      return unknown(`was throttled (HTTP ${status ?? '?'}${fault})`, 'Nova throttled an earlier confirmation');
    case ErrorCode.PlatformAuth:
      return unknown(`was refused (HTTP ${status ?? '?'}${fault})`, `Nova refused an earlier confirmation (HTTP ${status ?? '?'})`);
    case ErrorCode.PlatformUnreachable:
      return unknown('could not reach Nova', 'Nova was unreachable');
    default:
      return unknown(`failed (${error.code})`, `an earlier confirmation failed with ${error.code}`);
  }
}
