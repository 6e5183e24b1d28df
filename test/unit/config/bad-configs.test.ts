import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/index.js';
import { BridgeError, ErrorCode } from '../../../src/errors/index.js';
import { createAdapterRegistry } from '../../../src/registry/index.js';
import { createFileAdapter } from '../../support/file-adapter.js';

const adapters = createAdapterRegistry([createFileAdapter({ minimumIntervalSeconds: 10 })]);

const endpoint = (extra: string): string => `
endpoints:
  - name: lab
    platform: file
    file: /tmp/state.json
${extra}`;

interface BadConfig {
  readonly name: string;
  readonly yaml: string;
  readonly env?: Record<string, string>;
  /** Every key path that must be named, each with a fragment of its message. */
  readonly expected: ReadonlyArray<readonly [path: string, fragment: string]>;
}

const badConfigs: readonly BadConfig[] = [
  { name: 'cluster mode without Redis', yaml: `cache: { url: "" }\ncluster: { enabled: true }\n${endpoint('')}`, expected: [['cluster.enabled', 'needs a Redis cache (set cache.url)']] },
  { name: 'diff.fullListSeconds negative', yaml: `diff: { fullListSeconds: -1 }\n${endpoint('')}`, expected: [['diff.fullListSeconds', '']] },
  { name: 'missing endpoint name', yaml: 'endpoints:\n  - platform: file\n    file: /tmp/x.json\n', expected: [['endpoints[0].name', 'required']] },
  { name: 'missing platform', yaml: 'endpoints:\n  - name: lab\n', expected: [['endpoints[0].platform', 'required']] },
  { name: 'unknown platform', yaml: 'endpoints:\n  - name: lab\n    platform: hyperv\n', expected: [['endpoints[0].platform', 'unknown platform "hyperv"']] },
  { name: 'interval below the floor', yaml: endpoint('    intervalSeconds: 5'), expected: [['endpoints[0].intervalSeconds', 'below the file adapter\'s floor of 10']] },
  { name: 'interval of the wrong type', yaml: endpoint('    intervalSeconds: often'), expected: [['endpoints[0].intervalSeconds', 'must be a number']] },
  { name: 'duplicate endpoint names', yaml: endpoint('') + '  - name: lab\n    platform: file\n    file: /tmp/y.json\n', expected: [['endpoints[1].name', 'duplicate endpoint name "lab"']] },
  { name: 'unresolvable ${env:X}', yaml: endpoint('    credentials:\n      token: ${env:DCM_TEST_UNSET_TOKEN}'), expected: [['endpoints[0].credentials.token', 'DCM_TEST_UNSET_TOKEN is not set']] },
  { name: 'unreadable ${file:X}', yaml: 'cache:\n  url: ${file:/nonexistent/redis-url}\n', expected: [['cache.url', '/nonexistent/redis-url cannot be read']] },
  { name: 'endpoint name not a DNS label', yaml: 'endpoints:\n  - name: Lab_1\n    platform: file\n    file: /tmp/x.json\n', expected: [['endpoints[0].name', 'DNS label']] },
  { name: 'unknown top-level key', yaml: 'publsher:\n  kind: nats\n', expected: [['publsher', 'unknown key']] },
  { name: 'unknown nested key', yaml: 'publisher:\n  jetStream: true\n', expected: [['publisher.jetStream', 'unknown key']] },
  { name: 'wrong publisher kind', yaml: 'publisher:\n  kind: kafka\n', expected: [['publisher.kind', 'one of nats, stdout']] },
  { name: 'wrong boolean type', yaml: 'publisher:\n  jetstream: "yes"\n', expected: [['publisher.jetstream', 'true or false']] },
  { name: 'cache url with a wrong scheme', yaml: 'cache:\n  url: http://redis:6379\n', expected: [['cache.url', 'redis or rediss']] },
  { name: 'NATS URL with a wrong scheme', yaml: 'publisher:\n  url: nats://a:4222,http://b:4222\n', expected: [['publisher.url', 'must use nats or tls or ws or wss']] },
  { name: 'endpoints not a list', yaml: 'endpoints:\n  name: lab\n', expected: [['endpoints', 'list']] },
  { name: 'state override to a status DCM lacks', yaml: endpoint('    stateOverrides:\n      limbo: ASLEEP'), expected: [['endpoints[0].stateOverrides', 'entry "limbo" must be one of']] },
  { name: 'unknown endpoint key', yaml: endpoint('    intervalSecond: 30'), expected: [['endpoints[0].intervalSecond', 'unknown key']] },
  { name: 'serviceType DCM does not route', yaml: endpoint('    serviceType: database'), expected: [['endpoints[0].serviceType', 'one of vm, container, cluster']] },
  { name: 'serviceType the adapter does not report', yaml: endpoint('    serviceType: cluster'), expected: [['endpoints[0].serviceType', 'reports vm, not cluster']] },
  { name: 'unreadable CA file', yaml: endpoint('    tls:\n      caFile: /nonexistent/ca.pem'), expected: [['endpoints[0].tls.caFile', 'cannot be read']] },
  { name: 'bad environment override', yaml: '', env: { DCM_BRIDGE_SCHEDULER_MAX_CONCURRENT_POLLS: 'many' }, expected: [['scheduler.maxConcurrentPolls', 'must be a number']] },
  { name: 'YAML syntax error', yaml: 'provider: {name: [unclosed\n', expected: [['(yaml line 2', 'Flow']] },
  {
    name: 'several problems at once, each reported',
    yaml: 'provider:\n  name: "Not A Label"\nscheduler:\n  jitterRatio: 3\nendpoints:\n  - name: lab\n    platform: file\n    file: /tmp/x.json\n    intervalSeconds: 1\n',
    expected: [
      ['provider.name', 'DNS label'],
      ['scheduler.jitterRatio', 'between 0 and 1'],
      ['endpoints[0].intervalSeconds', 'floor'],
    ],
  },
];

for (const bad of badConfigs) {
  test(`config rejects: ${bad.name}`, () => {
    let caught: unknown;
    try {
      loadConfig({ yaml: { text: bad.yaml, origin: 'test.yaml' }, env: bad.env ?? {}, adapters });
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof BridgeError, 'a BridgeError is thrown');
    assert.equal(caught.code, ErrorCode.ConfigInvalid);
    for (const [path, fragment] of bad.expected) {
      const issue = caught.context.issues?.find((candidate) => candidate.path.startsWith(path));
      assert.ok(issue, `an issue names ${path}; got ${JSON.stringify(caught.context.issues)}`);
      assert.ok(issue.message.includes(fragment), `the issue at ${path} says "${fragment}"; got "${issue.message}"`);
      assert.ok(caught.message.includes(path), `the message names ${path}`);
    }
  });
}

test('a secret never appears in a validation message', () => {
  const yaml = endpoint('    credentials:\n      token: 12345\n      password: hunter2-secret');
  assert.throws(
    () => loadConfig({ yaml: { text: yaml, origin: 'test.yaml' }, env: {}, adapters }),
    (error: unknown) => error instanceof BridgeError && !error.message.includes('hunter2-secret') && error.message.includes('endpoints[0].credentials.password'),
  );
});
