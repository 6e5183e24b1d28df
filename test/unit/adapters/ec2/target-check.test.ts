// The EC2 adapter's transport is its own SDK handler on undici (http-handler.ts), not platform-http:
// its connector carries the target policy, so `url`, the regional endpoint the SDK derives, and a
// literal address are all judged when the socket is opened.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTargetPolicy, type Resolver } from '../../../../src/api/index.js';
import { createSystemClock } from '../../../../src/clock/index.js';
import { isBridgeError } from '../../../../src/errors/index.js';
import { createEc2Adapter } from '../../../../adapters/ec2/index.js';
import { fastRetries, startEc2Lab, validateEc2Input, type Ec2Lab } from '../../../support/ec2-lab.js';
import { memoryLogger } from '../../../support/harness.js';
import { createTestCertificates, type TestCertificates } from '../../../support/tls-certs.js';
import { listAll } from '../../../support/vsphere-lab.js';

const dns = new Map<string, string[]>();
const lookups: string[] = [];
const resolver: Resolver = async (host) => {
  lookups.push(host);
  return dns.get(host) ?? [];
};
// The simulator listens on loopback: the lab's registrations need private targets. Metadata stays refused whatever.
const policy = createTargetPolicy({ allowedTargets: [], allowPrivateTargets: true }, resolver);

function connect(input: Record<string, unknown>) {
  const adapter = createEc2Adapter(fastRetries);
  return adapter.connect(validateEc2Input(input, adapter), { logger: memoryLogger().logger, clock: createSystemClock(), targetCheck: policy });
}

const refusedWith = (pattern: RegExp) => (error: unknown) => {
  assert.ok(isBridgeError(error, 'PERMISSION_DENIED'), String(error));
  assert.match(error.message, pattern);
  return true;
};

describe('EC2 sockets under the target policy', () => {
  let certificates: TestCertificates;
  let plain: Ec2Lab;
  let tls: Ec2Lab;
  before(async () => {
    certificates = createTestCertificates();
    plain = await startEc2Lab();
    tls = await startEc2Lab({}, certificates.server);
    for (const lab of [plain, tls]) lab.simulator.seedDcmInstances({ count: 2, tagged: 2 });
  });
  after(async () => {
    await Promise.all([plain.close(), tls.close()]);
    certificates.dispose();
  });

  test('a name is resolved once per connection by the policy and listed at the checked address', async () => {
    const port = new URL(plain.url).port;
    dns.set('ec2.test', ['127.0.0.1']);
    lookups.length = 0;
    const connection = connect(plain.endpointInput({ name: 'aws-named', extra: { url: `http://ec2.test:${port}` } }));
    assert.equal((await listAll(connection)).length, 2);
    assert.deepEqual(lookups, ['ec2.test']);
    await connection.close();
  });

  test('rebinding to a metadata address is refused at connect time, not retried, and EC2 never hears of it', async () => {
    const port = new URL(plain.url).port;
    for (const metadata of ['169.254.169.254', 'fd00:ec2::254']) {
      dns.set('ec2.test', [metadata]);
      lookups.length = 0;
      plain.simulator.resetStats();
      const connection = connect(plain.endpointInput({ name: 'aws-rebound', extra: { url: `http://ec2.test:${port}` } }));
      await assert.rejects(
        listAll(connection),
        refusedWith(new RegExp(`^ec2 endpoint aws-rebound: not connecting: host ec2\\.test resolves to ${metadata.replace(/\./g, '\\.')}, which is a metadata address`)),
      );
      assert.deepEqual(lookups, ['ec2.test'], 'a refusal is final for this poll: the SDK does not retry it');
      assert.equal(plain.simulator.stats().total, 0);
      await connection.close();
    }
  });

  test('a literal metadata address is judged without DNS', async () => {
    lookups.length = 0;
    const connection = connect(plain.endpointInput({ name: 'aws-literal', extra: { url: 'http://169.254.169.254:8773' } }));
    await assert.rejects(listAll(connection), refusedWith(/^ec2 endpoint aws-literal: not connecting: 169\.254\.169\.254 is a metadata address/));
    assert.deepEqual(lookups, []);
    await connection.close();
  });

  test('the regional endpoint the SDK derives when url is unset is checked too', async () => {
    dns.set('ec2.us-east-1.amazonaws.com', ['169.254.169.254']);
    lookups.length = 0;
    const connection = connect(plain.endpointInput({ name: 'aws-derived', region: 'us-east-1', extra: { url: undefined } }));
    await assert.rejects(listAll(connection), refusedWith(/host ec2\.us-east-1\.amazonaws\.com resolves to 169\.254\.169\.254, which is a metadata address/));
    assert.deepEqual(lookups, ['ec2.us-east-1.amazonaws.com']);
    await connection.close();
  });

  test('over HTTPS the certificate is still verified against the host name, not the checked address', async () => {
    const port = new URL(tls.url).port;
    dns.set('localhost', ['127.0.0.1']);
    const trusted = connect(tls.endpointInput({ name: 'aws-tls-named', extra: { url: `https://localhost:${port}`, tls: { caFile: certificates.caFile } } }));
    assert.equal((await listAll(trusted)).length, 2);
    await trusted.close();
    dns.set('localhost', ['fd00:ec2::254']);
    const rebound = connect(tls.endpointInput({ name: 'aws-tls-rebound', extra: { url: `https://localhost:${port}`, tls: { caFile: certificates.caFile } } }));
    await assert.rejects(listAll(rebound), refusedWith(/host localhost resolves to fd00:ec2::254, which is a metadata address/));
    await rebound.close();
  });
});
