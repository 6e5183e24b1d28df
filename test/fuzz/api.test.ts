import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { camelToSnake } from '../../src/api/index.js';
import { settingsSchema } from '../../src/config/index.js';
import { useHarness } from '../support/harness.js';
import { apiRequestArbitrary, registrationIds, registrationSeeds, type ApiRequest } from './api-arbitraries.js';
import { fuzzAdapterList, startApiUnderFuzz, type ApiUnderFuzz } from './api-under-fuzz.js';
import { declaredKeyNames } from './config-arbitraries.js';
import { leakedSecrets, plantedSecrets } from './secrets.js';
import { fuzzSettings } from './settings.js';

const settings = fuzzSettings(process.env);
const harness = useHarness();

/** Longest a request may take: anything slower counts as a hang. */
const requestLimitMs = 2000;

let running: ApiUnderFuzz | undefined;
after(async () => {
  await running?.stop();
});

/** How one request went. */
interface Exchange {
  readonly status: number;
  readonly elapsedMs: number;
  readonly text: string;
  readonly contentType: string;
}

/**
 * Sends a request and reads the whole answer. Returns undefined for a
 * request fetch itself refuses to send (a method or header it forbids);
 * a timeout or a dropped connection fails the property.
 */
async function send(baseUrl: string, request: ApiRequest, pageToken: string): Promise<Exchange | undefined> {
  const query = request.query.replaceAll('{{page_token}}', encodeURIComponent(pageToken));
  let prepared: Request;
  try {
    prepared = new Request(`${baseUrl}${request.path}${query ? `?${query}` : ''}`, { method: request.method, headers: request.headers, ...(request.body !== undefined ? { body: request.body } : {}), redirect: 'manual' });
  } catch {
    return undefined;
  }
  const started = performance.now();
  try {
    const response = await fetch(prepared, { signal: AbortSignal.timeout(requestLimitMs) });
    const text = await response.text();
    return { status: response.status, elapsedMs: performance.now() - started, text: `${[...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n')}\n\n${text}`, contentType: response.headers.get('content-type') ?? '' };
  } catch (error) {
    throw new Error(`${request.method} ${request.path}: no answer within ${requestLimitMs} ms or the connection dropped (${(error as Error).name}: ${(error as Error).message})`, { cause: error });
  }
}

function bodyOf(exchange: Exchange): string {
  return exchange.text.slice(exchange.text.indexOf('\n\n') + 2);
}

/**
 * Node's HTTP parser refuses some requests before fastify routes anything
 * (headers over 16 KiB: 431; a method it does not know: 400), and fastify
 * answers them on the socket in its own fixed JSON shape, not as a problem.
 */
function isParserRefusal(exchange: Exchange): boolean {
  return (exchange.status === 400 || exchange.status === 431) && /^\{"error":"[^"]*","message":"(Client Error|Exceeded maximum allowed HTTP header size)","statusCode":(400|431)\}$/.test(bodyOf(exchange));
}

function isReadinessNotReady(request: ApiRequest, exchange: Exchange): boolean {
  if (exchange.status !== 503 || !request.path.startsWith('/readyz')) return false;
  try {
    return (JSON.parse(bodyOf(exchange)) as { ready?: unknown }).ready === false;
  } catch {
    return request.method === 'HEAD';
  }
}

test(`HTTP API: ${settings.apiRuns} generated requests from seed ${settings.seed} answer within 2 s, never 5xx, never with a secret`, async (t) => {
  running = await startApiUnderFuzz(harness());
  const { baseUrl, logLines } = running;
  const stateFile = `${harness().dir}/lab.json`;
  // Keys a renamed secret must not land on, in both spellings, and every key the registration seeds use.
  const declared = declaredKeyNames([settingsSchema, ...fuzzAdapterList.flatMap((adapter) => [adapter.configSchema.options, adapter.configSchema.credentials]), ...registrationSeeds(stateFile)], { seeds: [] });
  const declaredKeys = new Set([...declared, ...[...declared].map(camelToSnake)]);

  const figures = { cases: 0, unsendable: 0, statuses: new Map<number, number>(), serverErrors: 0, readinessNotReady: 0, parserRefusals: 0, maxMs: 0, registrationsCreated: 0 };
  let pageToken = '';
  let logsScanned = 0;
  const scanLogs = (): void => {
    for (; logsScanned < logLines.length; logsScanned++) {
      const line = logLines[logsScanned] as string;
      assert.deepEqual(leakedSecrets(line), [], `a planted secret in a log line: ${line.slice(0, 2000)}`);
      assert.doesNotMatch(line, /API request failed/, `a request failed inside the server: ${line.slice(0, 2000)}`);
    }
  };

  await fc.assert(
    fc.asyncProperty(apiRequestArbitrary({ stateFile, plainFile: stateFile, declaredKeys }), async (request) => {
      const exchange = await send(baseUrl, request, pageToken);
      if (!exchange) {
        figures.unsendable++;
        return;
      }
      const where = `${request.method} ${request.path.slice(0, 200)}?${request.query.slice(0, 200)} (${request.steps.join('; ')})`;
      assert.ok(exchange.status < 500 || isReadinessNotReady(request, exchange), `${where} answered ${exchange.status}: ${exchange.text.slice(0, 2000)}`);
      assert.deepEqual(leakedSecrets(exchange.text), [], `${where}: a planted secret in the answer: ${exchange.text.slice(0, 2000)}`);
      if (isParserRefusal(exchange)) figures.parserRefusals++;
      else if (exchange.status >= 400 && request.method !== 'HEAD' && !isReadinessNotReady(request, exchange)) {
        assert.match(exchange.contentType, /^application\/problem\+json/, `${where}: a failure is an RFC 7807 problem, not ${exchange.status} ${exchange.text.slice(0, 1000)}`);
        assert.equal((JSON.parse(bodyOf(exchange)) as { status?: unknown }).status, exchange.status, `${where}: the problem states its status`);
      }
      if (exchange.contentType.startsWith('application/json') && request.method !== 'HEAD') {
        const answer = JSON.parse(bodyOf(exchange)) as { next_page_token?: unknown; id?: unknown };
        if (typeof answer.next_page_token === 'string') pageToken = answer.next_page_token;
        // Registrations under generated ids are removed at once, so the registry stays the size of the id pool.
        if (exchange.status === 201 && typeof answer.id === 'string') {
          figures.registrationsCreated++;
          if (!(registrationIds as readonly string[]).includes(answer.id)) {
            const logsBefore = logLines.length;
            const removal = await send(baseUrl, { method: 'DELETE', path: `/api/v1alpha1/endpoints/${encodeURIComponent(answer.id)}`, query: '', headers: { authorization: `Bearer ${plantedSecrets.apiWriteToken}` }, steps: ['cleanup'] }, '').catch((error: unknown) => {
              throw new Error(`${(error as Error).message}; the bridge logged meanwhile:\n${logLines.slice(Math.max(0, logsBefore - 20)).map((line) => line.slice(0, 600)).join('\n')}`, { cause: error });
            });
            assert.equal(removal?.status, 204, `removing ${answer.id}: ${removal?.text.slice(0, 1000) ?? ''}`);
            assert.ok((removal?.elapsedMs ?? 0) < requestLimitMs, `removing ${answer.id} took ${removal?.elapsedMs ?? 0} ms`);
          }
        }
      }
      scanLogs();
      figures.cases++;
      figures.statuses.set(exchange.status, (figures.statuses.get(exchange.status) ?? 0) + 1);
      if (exchange.status >= 500) figures.readinessNotReady++;
      figures.maxMs = Math.max(figures.maxMs, exchange.elapsedMs);
    }),
    { seed: settings.seed, numRuns: settings.apiRuns },
  );

  // Still serving after all of it.
  const health = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(requestLimitMs) });
  assert.equal(health.status, 200);
  scanLogs();
  const statuses = [...figures.statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`).join(' ');
  t.diagnostic(
    `API fuzz: cases ${figures.cases} (+${figures.unsendable} fetch refused to send), seed ${settings.seed}, crashes 0, 5xx ${figures.serverErrors} (besides ${figures.readinessNotReady} /readyz "not ready" answers), max latency ${figures.maxMs.toFixed(1)} ms, refused by the HTTP parser ${figures.parserRefusals}, registrations created ${figures.registrationsCreated}, log lines scanned ${logsScanned}; statuses ${statuses}`,
  );
});
