import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../../src/config/index.js';
import { isBridgeError, type ValidationIssue } from '../../../../src/errors/index.js';
import { createAdapterRegistry } from '../../../../src/registry/index.js';
import { createEc2Adapter } from '../../../../adapters/ec2/index.js';

const adapters = createAdapterRegistry([createEc2Adapter()]);
const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

function load(endpoint: Record<string, unknown>) {
  return loadConfig({ yaml: { text: `provider: { name: test }\nendpoints: ${JSON.stringify([{ name: 'aws-prod', platform: 'ec2', ...endpoint }])}`, origin: 'test.yaml' }, env: { AWS_SECRET: secret }, adapters });
}

function issuesOf(endpoint: Record<string, unknown>): ValidationIssue[] {
  try {
    load(endpoint);
  } catch (error) {
    assert.ok(isBridgeError(error, 'CONFIG_INVALID'), String(error));
    assert.ok(!error.message.includes(secret), 'no secret in the message');
    return [...(error.context.issues ?? [])];
  }
  assert.fail('the configuration was accepted');
}

describe('EC2 endpoint configuration', () => {
  test('a minimal endpoint: region only; url optional; defaults for the role keys', () => {
    const { config } = load({ region: 'eu-central-1' });
    const [endpoint] = config.endpoints;
    assert.equal(endpoint?.url, undefined);
    assert.deepEqual(endpoint?.options, { region: 'eu-central-1', profile: null, roleArn: null, externalId: null, roleSessionName: null });
    assert.deepEqual(endpoint?.credentials, { accessKeyId: null, secretAccessKey: null, sessionToken: null });
  });

  test('every key at once: url for an EC2-compatible cloud, explicit keys by reference, a role with an external id', () => {
    const { config, warnings } = load({
      region: 'us-east-1',
      url: 'https://ec2.internal.example:8773',
      roleArn: 'arn:aws:iam::123456789012:role/dcm-poll-bridge',
      externalId: 'dcm-7f3a',
      roleSessionName: 'dcm-bridge-prod',
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: '${env:AWS_SECRET}' },
    });
    assert.equal(config.endpoints[0]?.credentials['secretAccessKey'], secret);
    assert.equal(config.endpoints[0]?.url, 'https://ec2.internal.example:8773');
    assert.ok(!warnings.some((warning) => warning.includes('secretAccessKey')), 'a secret given by reference draws no warning');
  });

  const invalid: { name: string; endpoint: Record<string, unknown>; path: string; message: RegExp }[] = [
    { name: 'no region', endpoint: {}, path: 'endpoints[0].region', message: /^is required: the AWS region/ },
    { name: 'a region that is no host label', endpoint: { region: 'us east 1' }, path: 'endpoints[0].region', message: /must be a region name such as us-east-1/ },
    { name: 'half a key pair (id)', endpoint: { region: 'us-east-1', credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE' } }, path: 'endpoints[0].credentials.secretAccessKey', message: /is required with credentials.accessKeyId/ },
    { name: 'half a key pair (secret)', endpoint: { region: 'us-east-1', credentials: { secretAccessKey: '${env:AWS_SECRET}' } }, path: 'endpoints[0].credentials.accessKeyId', message: /is required with credentials.secretAccessKey/ },
    { name: 'a session token alone', endpoint: { region: 'us-east-1', credentials: { sessionToken: '${env:AWS_SECRET}' } }, path: 'endpoints[0].credentials.sessionToken', message: /needs credentials.accessKeyId and credentials.secretAccessKey/ },
    { name: 'a profile and keys', endpoint: { region: 'us-east-1', profile: 'prod', credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: '${env:AWS_SECRET}' } }, path: 'endpoints[0].profile', message: /cannot be combined with credentials/ },
    { name: 'an external id without a role', endpoint: { region: 'us-east-1', externalId: 'abc-123' }, path: 'endpoints[0].externalId', message: /only applies with roleArn/ },
    { name: 'a role that is no role ARN', endpoint: { region: 'us-east-1', roleArn: 'arn:aws:iam::1234:user/bob' }, path: 'endpoints[0].roleArn', message: /must be an IAM role ARN/ },
    { name: 'a secret of the wrong type', endpoint: { region: 'us-east-1', credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 42 } }, path: 'endpoints[0].credentials.secretAccessKey', message: /must be a non-empty string/ },
    { name: 'a misspelt key', endpoint: { region: 'us-east-1', regoin: 'us-east-1' }, path: 'endpoints[0].regoin', message: /unknown key/ },
    { name: 'an interval below the floor', endpoint: { region: 'us-east-1', intervalSeconds: 5 }, path: 'endpoints[0].intervalSeconds', message: /below the ec2 adapter's floor of 10 seconds/ },
    { name: 'a url that is not http(s)', endpoint: { region: 'us-east-1', url: 'ftp://ec2.example' }, path: 'endpoints[0].url', message: /must use https or http/ },
  ];
  for (const { name, endpoint, path, message } of invalid) {
    test(`rejected: ${name} (${path})`, () => {
      const issues = issuesOf(endpoint);
      const issue = issues.find((candidate) => candidate.path === path);
      assert.ok(issue, `an issue at ${path}; got ${JSON.stringify(issues)}`);
      assert.match(issue.message, message);
    });
  }
});
