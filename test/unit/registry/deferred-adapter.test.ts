// A deferred adapter serves the configuration from its description and imports its code on the first list or
// absence check of a connection: never on connect, never for a connection only closed, once for every connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AdapterDescription, PlatformAdapter, PlatformConnection, RawInstance } from '../../../src/adapter/index.js';
import { createSystemClock } from '../../../src/clock/index.js';
import type { EndpointConfig } from '../../../src/config/index.js';
import { ErrorCode, isBridgeError } from '../../../src/errors/index.js';
import { deferredAdapter } from '../../../src/registry/index.js';
import { memoryLogger } from '../../support/harness.js';
import { createFileAdapter } from '../../support/file-adapter.js';

const { connect: _connect, ...description } = createFileAdapter();
const fileDescription: AdapterDescription = description;
const context = { logger: memoryLogger().logger, clock: createSystemClock() };
const endpoint = (name: string): EndpointConfig => ({ name, platform: 'file', options: {} }) as unknown as EndpointConfig;

/** A loader standing in for `import()`: counts its calls and the connections its adapter opened and closed. */
function countingLoader(options: { failFirst?: boolean } = {}) {
  const counts = { loads: 0, connects: 0, closes: 0 };
  const page: RawInstance[] = [{ platformId: 'p-1', instanceId: 'i-1', rawState: 'on' }];
  const load = async (): Promise<PlatformAdapter> => {
    counts.loads++;
    if (options.failFirst && counts.loads === 1) throw new Error('Cannot find module adapters/file/index.js');
    return {
      ...fileDescription,
      connect: () => {
        counts.connects++;
        return {
          async *list() {
            yield page;
          },
          confirmAbsence: async (ids) => new Map(ids.map((id) => [id, { verdict: 'gone' as const, evidence: 'loaded code answered' }])),
          close: async () => void counts.closes++,
        };
      },
    };
  };
  return { counts, load };
}

async function listAll(adapter: PlatformAdapter, name: string): Promise<number> {
  let listed = 0;
  for await (const page of adapter.connect(endpoint(name), context).list(new AbortController().signal)) listed += page.length;
  return listed;
}

test('the description is served without loading; connect and close of an unused connection load nothing', async () => {
  const { counts, load } = countingLoader();
  const adapter = deferredAdapter(fileDescription, load);
  assert.equal(adapter.platform, 'file');
  assert.equal(adapter.minimumIntervalSeconds, fileDescription.minimumIntervalSeconds);
  assert.deepEqual(adapter.validate?.(endpoint('a')), [{ path: 'file', message: 'is required' }], 'the description\'s own checks');
  const connection = adapter.connect(endpoint('a'), context);
  await connection.close();
  assert.deepEqual(counts, { loads: 0, connects: 0, closes: 0 });
});

test('the first list or absence check loads the code once; every connection opens and closes its own', async () => {
  const { counts, load } = countingLoader();
  const adapter = deferredAdapter(fileDescription, load);
  assert.equal(await listAll(adapter, 'a'), 1);
  const second = adapter.connect(endpoint('b'), context);
  const findings = await second.confirmAbsence(['p-9'], new AbortController().signal);
  assert.equal(findings.get('p-9')?.evidence, 'loaded code answered');
  await second.close();
  await second.close();
  assert.deepEqual(counts, { loads: 1, connects: 2, closes: 1 }, 'one load for both; the second connection closed once');
});

test('a failed load fails that call with an INTERNAL error naming the platform, and the next call loads again', async () => {
  const { counts, load } = countingLoader({ failFirst: true });
  const adapter = deferredAdapter(fileDescription, load);
  const connection = adapter.connect(endpoint('a'), context);
  await assert.rejects(
    async () => {
      for await (const _page of connection.list(new AbortController().signal));
    },
    (error: unknown) => isBridgeError(error, ErrorCode.Internal) && /the file adapter could not be loaded: Cannot find module/.test(error.message) && error.context.platform === 'file',
  );
  let listed = 0;
  for await (const page of connection.list(new AbortController().signal)) listed += page.length;
  assert.equal(listed, 1, 'the same connection works once the code loads');
  assert.equal(counts.loads, 2);
});

/** A loaded connection that lists `page` and lists it again as the changes since any cursor, returning `<cursor>+1`. */
function changingConnection(page: RawInstance[]): PlatformConnection {
  return {
    async *list() {
      yield page;
    },
    async *listChanges(cursor) {
      yield { instances: page, deleted: [], departed: [] };
      return { cursor: `${cursor ?? 'none'}+1` };
    },
    confirmAbsence: async () => new Map(),
    close: async () => undefined,
  };
}

test('listChanges is offered once the code is loaded, and only when the loaded connection has it; it reaches the loaded connection', async () => {
  const page: RawInstance[] = [{ platformId: 'p-2', instanceId: 'i-2', rawState: 'on' }];
  const withChanges = deferredAdapter(fileDescription, async () => ({ ...fileDescription, connect: () => changingConnection(page) }));
  const connection = withChanges.connect(endpoint('a'), context);
  // Read through a function: an assertion on the property would narrow it for the rest of the test.
  const offered = (of: PlatformConnection) => of.listChanges;
  assert.equal(offered(connection), undefined, 'before the code is loaded, the connection cannot say');
  for await (const _page of connection.list(new AbortController().signal));
  const listChanges = offered(connection);
  assert.ok(listChanges, 'offered once loaded');
  const changes = listChanges('c-7', new AbortController().signal);
  assert.deepEqual((await changes.next()).value, { instances: page, deleted: [], departed: [] });
  assert.deepEqual(await changes.next(), { done: true, value: { cursor: 'c-7+1' } });
  await connection.close();
  assert.equal(offered(connection), undefined, 'a closed connection offers nothing until it loads again');

  const { load } = countingLoader();
  const fullOnly = deferredAdapter(fileDescription, load).connect(endpoint('b'), context);
  for await (const _page of fullOnly.list(new AbortController().signal));
  assert.equal(offered(fullOnly), undefined, 'an adapter that lists only in full offers none');
});

test('a description that declares incremental listing offers listChanges before any code is loaded; the first call loads it', async () => {
  const page: RawInstance[] = [{ platformId: 'p-3', instanceId: 'i-3', rawState: 'on' }];
  let loads = 0;
  const declaring = { ...fileDescription, listsChanges: (of: { name: string }) => of.name !== 'full-only' };
  const adapter = deferredAdapter(declaring, async () => {
    loads++;
    return { ...declaring, connect: () => changingConnection(page) };
  });
  const offered = (of: PlatformConnection) => of.listChanges;
  const connection = adapter.connect(endpoint('a'), context);
  const listChanges = offered(connection);
  assert.ok(listChanges, 'declared: offered at once');
  assert.equal(loads, 0, 'offering it loads nothing');
  const changes = listChanges(undefined, new AbortController().signal);
  assert.deepEqual((await changes.next()).value, { instances: page, deleted: [], departed: [] });
  assert.deepEqual(await changes.next(), { done: true, value: { cursor: 'none+1' } });
  assert.equal(loads, 1);
  assert.equal(offered(adapter.connect(endpoint('full-only'), context)), undefined, 'an endpoint the description says lists in full offers none');
});
