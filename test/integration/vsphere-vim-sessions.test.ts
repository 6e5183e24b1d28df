// The vim25 path's session and paging rules against the vCenter simulator's /sdk: one session per
// connection and one shared re-login on NotAuthenticated; a paging token that died with its session
// restarts the listing once, without listing a VM twice; an abandoned listing cancels its token;
// Logout on close. Faults and answers that are not the documented ones fail the poll with an error
// naming the operation, never a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, isBridgeError } from '../../src/errors/index.js';
import { listAll, listPages, soapOperations, useVsphereLab, type LabConnection } from '../support/vsphere-lab.js';

const lab = useVsphereLab();

/** A fresh inventory of 25 VMs (20 managed) and a vim connection paging 10 VMs a request. */
function connect(input: Record<string, unknown> = {}): LabConnection {
  lab.simulator.reset();
  lab.simulator.seedDcmVms({ count: 25, tagged: 20, via: 'customAttribute' });
  return lab.connectVim({ maxObjects: 10, requestTimeoutMs: 5_000 }, input);
}

const operation = (name: string): number => soapOperations(lab.simulator)[name] ?? 0;

test('sessions expire between polls: one shared re-login, the same listing', async () => {
  const { connection } = connect();
  assert.equal((await listAll(connection)).length, 20);
  lab.simulator.expireAllSessions();
  lab.simulator.resetStats();
  const again = await listAll(connection);
  assert.equal(again.length, 20);
  assert.equal(operation('Login'), 1, 'one re-login');
  assert.equal(operation('CreateContainerView'), 1, 'the old view died with its session');
  assert.equal(operation('RetrieveServiceContent'), 0, 'service content is read once per connection');
});

test('the session ends while paging: the listing starts over once, no VM listed twice', async () => {
  const { connection, logLines } = connect();
  const pages: string[][] = [];
  let expired = false;
  for await (const page of connection.list(new AbortController().signal)) {
    pages.push(page.map((instance) => instance.platformId));
    if (!expired) {
      expired = true;
      lab.simulator.expireAllSessions();
    }
  }
  const listed = pages.flat();
  assert.equal(listed.length, 20);
  assert.equal(new Set(listed).size, 20, 'the VMs of the page before the restart are not listed again');
  assert.equal(operation('Login'), 2);
  assert.ok(logLines.some((line) => line.includes('listing again from the first page')));
});

test('the session keeps ending while paging: the second loss fails the poll with PLATFORM_AUTH naming the operation', async () => {
  const { connection } = connect();
  await assert.rejects(
    (async () => {
      for await (const page of connection.list(new AbortController().signal)) {
        assert.ok(page.length >= 0);
        lab.simulator.expireAllSessions();
      }
    })(),
    (error: unknown) => isBridgeError(error, ErrorCode.PlatformAuth) && /ContinueRetrievePropertiesEx/.test(error.message) && /NotAuthenticated/.test(error.message),
  );
});

test('a listing abandoned mid-paging cancels its token; close logs out', async () => {
  const { connection } = connect();
  for await (const page of connection.list(new AbortController().signal)) {
    assert.ok(page.length > 0);
    break;
  }
  assert.equal(operation('CancelRetrievePropertiesEx'), 1);
  await connection.close();
  assert.equal(operation('Logout'), 1);
  assert.equal(lab.simulator.sessionCounters().active, 0);
});

test('a complete listing cancels nothing; pages follow maxObjects', async () => {
  const { connection } = connect();
  const pages = await listPages(connection);
  assert.equal(pages.length, 3, '25 VMs, 10 a page');
  assert.equal(operation('CancelRetrievePropertiesEx'), 0);
});

test('faults and answers that are not the documented one fail the poll, naming the operation', async () => {
  const cases: { name: string; arm: () => void; check: (error: unknown) => boolean }[] = [
    {
      name: 'SystemError fault (HTTP 500)',
      arm: () => lab.simulator.faults.set([{ kind: 'http5xx', trigger: { type: 'next', count: 1 }, scope: { route: 'POST /sdk ContinueRetrievePropertiesEx' } }]),
      check: (error) => isBridgeError(error, ErrorCode.PlatformHttp) && error.context.status === 500 && /POST \/sdk ContinueRetrievePropertiesEx answered HTTP 500 \(SystemError/.test(error.message),
    },
    {
      name: 'a 503 from the proxy, not SOAP',
      arm: () => lab.simulator.faults.set([{ kind: 'http5xx', status: 503, trigger: { type: 'next', count: 1 }, scope: { route: 'POST /sdk RetrievePropertiesEx' } }]),
      check: (error) => isBridgeError(error, ErrorCode.PlatformHttp) && error.context.status === 503 && /RetrievePropertiesEx/.test(error.message),
    },
    {
      name: 'a page cut in half',
      arm: () => lab.simulator.faults.set([{ kind: 'truncateBody', style: 'halfJson', trigger: { type: 'next', count: 1 }, scope: { route: 'POST /sdk RetrievePropertiesEx' } }]),
      check: (error) => isBridgeError(error, ErrorCode.PlatformPayload) && /RetrievePropertiesEx answered an unexpected payload: the answer is not well-formed XML/.test(error.message),
    },
    {
      name: 'the connection cut mid-body',
      arm: () => lab.simulator.faults.set([{ kind: 'truncateBody', trigger: { type: 'next', count: 1 }, scope: { route: 'POST /sdk ContinueRetrievePropertiesEx' } }]),
      check: (error) => isBridgeError(error, ErrorCode.PlatformPayload) && /ContinueRetrievePropertiesEx/.test(error.message),
    },
  ];
  for (const { name, arm, check } of cases) {
    const { connection } = connect();
    assert.equal((await listAll(connection)).length, 20, name);
    arm();
    await assert.rejects(listAll(connection), check, name);
    lab.simulator.faults.set([]);
    assert.equal((await listAll(connection)).length, 20, `${name}: the next poll lists again`);
  }
});

test('a missing custom attribute fails the poll with LIST_INCOMPLETE naming the selector key', async () => {
  const { connection } = connect({ selector: { managedByKey: 'owned-by' } });
  await assert.rejects(listAll(connection), (error: unknown) => isBridgeError(error, ErrorCode.ListIncomplete) && /custom attribute "owned-by"/.test(error.message) && /selector\.managedByKey/.test(error.message));
  const other = connect({ selector: { instanceIdKey: 'dcm-id' } });
  await assert.rejects(listAll(other.connection), (error: unknown) => isBridgeError(error, ErrorCode.ListIncomplete) && /selector\.instanceIdKey/.test(error.message));
});

test('a wrong password: PLATFORM_AUTH telling to check the credentials, the password nowhere', async () => {
  const password = 'Wrong-<Passw0rd>&-value';
  const { connection, logLines } = connect({ credentials: { username: lab.simulator.credentials.username, password } });
  let failure: unknown;
  await listAll(connection).catch((error: unknown) => (failure = error));
  assert.ok(isBridgeError(failure, ErrorCode.PlatformAuth), String(failure));
  assert.match((failure as Error).message, /POST \/sdk Login answered HTTP 500 \(InvalidLogin.*check credentials\.username and credentials\.password/);
  const everything = JSON.stringify({ message: (failure as Error).message, context: (failure as { context: unknown }).context, logLines });
  for (const form of [password, 'Wrong-&lt;Passw0rd&gt;&amp;-value']) assert.ok(!everything.includes(form));
});
