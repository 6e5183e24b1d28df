// The EC2 adapter's SDK handler on undici (adapters/ec2/http-handler.ts), against a real
// node:http server on loopback: what it sends, what it hands the SDK, its bounds and its
// timeouts (on a fake clock), and the errors the SDK's retry strategy then reads.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { createAnswerBuffers, type AnswerBuffers } from '../../../../adapters/ec2/answer-buffers.js';
import { addAnswerCheck, describeAnswerOf } from '../../../../adapters/ec2/answer-check.js';
import { createUndiciHandler, type SdkHttpRequest, type UndiciHandlerSettings } from '../../../../adapters/ec2/http-handler.js';
import { createSystemClock } from '../../../../src/clock/index.js';
import { isBridgeError } from '../../../../src/errors/index.js';
import { createFakeClock } from '../../../support/fake-clock.js';
import { ec2Headers } from '../../../simulators/ec2/errors.js';
import { createInventory } from '../../../simulators/ec2/index.js';
import { renderDescribeInstances } from '../../../simulators/ec2/representation.js';
import { startLocalServer, type LocalServer } from '../../platform-http/local-server.js';

const page = Buffer.alloc(300_000, 'x');
const inventory = createInventory({ now: () => Date.now(), terminatedRetentionSeconds: 3600, ownerId: '123456789012', region: 'us-east-1', seed: 3 });
inventory.seedDcmInstances({ count: 100, tagged: 100 });
// 100 instances: about 140 KB, read into the endpoint's buffers.
const describePage = Buffer.from(renderDescribeInstances('req-1', inventory.list(), undefined, 'us-east-1'));
let server: LocalServer;
let port: number;

before(async () => {
  server = await startLocalServer((request, res) => {
    const path = new URL(request.url, 'http://x').pathname;
    if (path === '/page') {
      res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': 'r-1', 'x-twice': ['a', 'b'] });
      return void res.end(page);
    }
    if (path === '/') {
      res.writeHead(200, { ...ec2Headers('req-1', Date.now()), 'content-type': 'text/xml;charset=UTF-8' });
      return void res.end(describePage);
    }
    if (path === '/huge') {
      res.writeHead(200, { 'content-type': 'text/xml' });
      return void res.end(Buffer.alloc(200_000, 'y'));
    }
    // Headers at once, then half the body and silence.
    if (path === '/stall') {
      res.writeHead(200, { 'content-type': 'text/xml', 'content-length': '2000' });
      return void res.write(Buffer.alloc(1000, 'z'));
    }
    if (path === '/silent') return;
    if (path === '/drop') {
      res.writeHead(200, { 'content-type': 'text/xml', 'content-length': '5000' });
      res.write(Buffer.alloc(100, 'z'));
      return void setTimeout(() => res.socket?.destroy(), 20);
    }
    res.writeHead(400, { 'content-type': 'text/xml' });
    res.end('<Response><Errors><Error><Code>InvalidParameterValue</Code></Error></Errors></Response>');
  });
  port = Number(new URL(server.url).port);
});
after(() => server.close());

function settings(overrides: Partial<UndiciHandlerSettings> = {}): UndiciHandlerSettings {
  return {
    endpoint: 'aws-lab',
    region: 'us-east-1',
    tls: { rejectUnauthorized: true },
    timeouts: { connectionTimeoutMs: 1000, requestTimeoutMs: 5000 },
    clock: createSystemClock(),
    sockets: 2,
    maxBodyBytes: 1024 * 1024,
    ...overrides,
  };
}

function request(path: string, overrides: Partial<SdkHttpRequest> = {}): SdkHttpRequest {
  return {
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port,
    path,
    headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261203/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=00' },
    body: 'Action=DescribeInstances&Version=2016-11-15',
    ...overrides,
  };
}

describe('the EC2 SDK handler on undici', () => {
  test('sends the signed request as given and hands back status, flattened headers and the whole body', async () => {
    const handler = createUndiciHandler(settings());
    const seenBefore = server.requests.length;
    const { response } = await handler.handle(request('/page', { query: { 'a b': 'c/d', flag: null, many: ['1', '2'] }, headers: { host: `127.0.0.1:${port}`, 'x-amz-date': '20261203T000000Z' } }));
    const seen = server.requests[seenBefore];
    assert.ok(seen);
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/page?a%20b=c%2Fd&flag&many=1&many=2');
    assert.equal(seen.headers['x-amz-date'], '20261203T000000Z');
    assert.equal(seen.headers.host, `127.0.0.1:${port}`);
    assert.equal(seen.body, 'Action=DescribeInstances&Version=2016-11-15');
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['x-amzn-requestid'], 'r-1');
    assert.equal(response.headers['x-twice'], 'a,b', 'a repeated header is joined as the SDK handler joins it');
    assert.ok(Buffer.from(response.body).equals(page));
    handler.destroy();
  });

  test('a large answer is read into the endpoint buffers, and a buffer given back is used again', async () => {
    const buffers = createAnswerBuffers();
    const handler = createUndiciHandler(settings({ buffers }));
    const first = (await handler.handle(request('/page'))).response.body;
    assert.ok(Buffer.from(first).equals(page));
    buffers.giveBack(first);
    const second = (await handler.handle(request('/page'))).response.body;
    assert.equal(second.buffer, first.buffer, 'the second page is read into the buffer the first gave back');
    assert.ok(Buffer.from(second).equals(page));
    // Not given back: the next answer gets a buffer of its own.
    const third = (await handler.handle(request('/page'))).response.body;
    assert.notEqual(third.buffer, second.buffer);
    handler.destroy();
  });

  test('an error answer reaches the SDK with its body, for its error parsing', async () => {
    const handler = createUndiciHandler(settings());
    const { response } = await handler.handle(request('/other'));
    assert.equal(response.statusCode, 400);
    assert.match(Buffer.from(response.body).toString('utf8'), /InvalidParameterValue/);
    handler.destroy();
  });

  test('an answer longer than maxBodyBytes fails with PLATFORM_PAYLOAD naming the bound', async () => {
    const handler = createUndiciHandler(settings({ maxBodyBytes: 100_000 }));
    await assert.rejects(handler.handle(request('/huge')), (error: unknown) => {
      assert.ok(isBridgeError(error, 'PLATFORM_PAYLOAD'), String(error));
      assert.match(error.message, /^ec2 endpoint aws-lab \(us-east-1\): an answer longer than 100000 bytes; it counts for nothing$/);
      return true;
    });
    handler.destroy();
  });

  test("no answer within requestTimeoutMs on the clock: a TimeoutError, the name the SDK's retry strategy counts as transient", async () => {
    const clock = createFakeClock();
    const handler = createUndiciHandler(settings({ clock, timeouts: { connectionTimeoutMs: 1000, requestTimeoutMs: 2100 } }));
    const pending = handler.handle(request('/silent'));
    const outcome = pending.then(
      () => assert.fail('answered'),
      (error: unknown) => error,
    );
    await clock.advance(2099);
    assert.equal(clock.pendingCount(), 1, 'still waiting 1 ms before the deadline');
    await clock.advance(1);
    const error = (await outcome) as Error;
    assert.equal(error.name, 'TimeoutError');
    assert.equal(error.message, 'no answer in time');
    handler.destroy();
  });

  test('a body that stops coming for requestTimeoutMs: a TimeoutError saying it stalled', async () => {
    const clock = createFakeClock();
    const handler = createUndiciHandler(settings({ clock, timeouts: { connectionTimeoutMs: 1000, requestTimeoutMs: 2100 } }));
    const outcome = handler.handle(request('/stall')).then(
      () => assert.fail('answered'),
      (error: unknown) => error,
    );
    // The headers and the first half arrive on real sockets; only then does the fake time move.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await clock.advance(2100);
    const error = (await outcome) as Error;
    assert.equal(error.name, 'TimeoutError');
    assert.equal(error.message, 'the answer stalled: no more of its body in time');
    handler.destroy();
  });

  test('a connection closed under the body: ECONNRESET, a transient error to the SDK', async () => {
    const handler = createUndiciHandler(settings());
    await assert.rejects(handler.handle(request('/drop')), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ECONNRESET');
      return true;
    });
    handler.destroy();
  });

  test('a refused port: the socket error as it came (ECONNREFUSED)', async () => {
    const handler = createUndiciHandler(settings());
    const closed = await startLocalServer(() => undefined);
    await closed.close();
    await assert.rejects(handler.handle(request('/page', { port: Number(new URL(closed.url).port) })), { code: 'ECONNREFUSED' });
    handler.destroy();
  });

  test('the caller aborting: an AbortError with the reason as its cause, at once, before or during the call', async () => {
    const handler = createUndiciHandler(settings());
    const controller = new AbortController();
    const reason = new Error('poll stopped');
    const outcome = handler.handle(request('/silent'), { abortSignal: controller.signal }).then(
      () => assert.fail('answered'),
      (error: unknown) => error,
    );
    setTimeout(() => controller.abort(reason), 50);
    const error = (await outcome) as Error;
    assert.equal(error.name, 'AbortError');
    assert.equal(error.cause, reason);
    await assert.rejects(handler.handle(request('/page'), { abortSignal: controller.signal }), { name: 'AbortError' });
    handler.destroy();
  });
});

describe('a DescribeInstances answer through the SDK, the handler and the answer check', () => {
  test('is read once; its bytes then go back to the buffers they were read into, and the next page uses them', async () => {
    const buffers = createAnswerBuffers();
    const lent: ArrayBufferLike[] = [];
    const givenBack: ArrayBufferLike[] = [];
    const watched: AnswerBuffers = {
      take: (length) => {
        const buffer = buffers.take(length);
        lent.push(buffer.buffer);
        return buffer;
      },
      giveBack: (bytes) => {
        givenBack.push(bytes.buffer);
        buffers.giveBack(bytes);
      },
    };
    const client = new EC2Client({
      region: 'us-east-1',
      endpoint: server.url,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-example' },
      maxAttempts: 1,
      requestHandler: createUndiciHandler(settings({ buffers: watched })),
    });
    addAnswerCheck(client, { endpoint: 'aws-lab', region: 'us-east-1' }, watched);
    const first = describeAnswerOf(await client.send(new DescribeInstancesCommand({ MaxResults: 1000 })));
    assert.equal(lent.length, 1);
    assert.equal(givenBack.length, 0, 'not given back before it is read');
    const read = first.read();
    assert.equal(read.Reservations?.flatMap((reservation) => reservation.Instances ?? []).length, 100);
    assert.deepEqual(givenBack, lent);
    assert.throws(() => first.read(), /read twice/);
    const second = describeAnswerOf(await client.send(new DescribeInstancesCommand({ MaxResults: 1000 })));
    assert.equal(lent[1], lent[0], 'the second page is read into the first one\'s buffer');
    assert.deepEqual(second.read(), read, 'the same page reads the same from a reused buffer');
    client.destroy();
  });
});

describe('answer buffers', () => {
  const take = (buffers: AnswerBuffers, length: number): Buffer => {
    const buffer = buffers.take(length);
    assert.ok(buffer.length >= length);
    return buffer;
  };

  test('a buffer given back (or a view of it) serves the next take that fits; others are ignored', () => {
    const buffers = createAnswerBuffers();
    const first = take(buffers, 1_500_000);
    buffers.giveBack(first.subarray(0, 1_500_000));
    assert.equal(take(buffers, 1_400_000).buffer, first.buffer);
    buffers.giveBack(Buffer.alloc(10));
    assert.notEqual(take(buffers, 5).buffer, first.buffer, 'a buffer still lent is not handed out again');
  });

  test('a buffer is lent to one holder at a time: given back twice, it is kept once', () => {
    const buffers = createAnswerBuffers();
    const first = take(buffers, 1000);
    buffers.giveBack(first);
    buffers.giveBack(first);
    assert.equal(take(buffers, 1000).buffer, first.buffer);
    assert.notEqual(take(buffers, 1000).buffer, first.buffer);
  });

  test('a buffer too small for the answer is not used; at most two are kept, the largest', () => {
    const buffers = createAnswerBuffers();
    const small = take(buffers, 1000);
    const middle = take(buffers, 2_500_000);
    const large = take(buffers, 5_000_000);
    for (const buffer of [small, middle, large]) buffers.giveBack(buffer);
    const forBig = take(buffers, 4_000_000);
    assert.equal(forBig.buffer, large.buffer);
    assert.equal(take(buffers, 10).buffer, middle.buffer, 'the smallest was dropped');
    assert.notEqual(take(buffers, 10).buffer, small.buffer);
  });
});
