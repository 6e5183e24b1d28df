import { test } from 'node:test';
import assert from 'node:assert/strict';
import { camelToSnake, fromApiFields, snakeToCamel, toApiFields, toApiPath } from '../../../src/api/index.js';

test('field names convert both ways and round-trip', () => {
  for (const [camel, snake] of [
    ['intervalSeconds', 'interval_seconds'],
    ['managedByKey', 'managed_by_key'],
    ['insecureSkipVerify', 'insecure_skip_verify'],
    ['applicationCredentialSecret', 'application_credential_secret'],
    ['accessKeyId', 'access_key_id'],
    ['url', 'url'],
    ['computeUrl', 'compute_url'],
  ]) {
    assert.equal(camelToSnake(camel as string), snake);
    assert.equal(snakeToCamel(snake as string), camel);
  }
});

test('a config tree becomes API fields; raw-state keys of state overrides stay as written', () => {
  const tree = { serviceType: 'vm', selector: { managedByKey: 'managed-by' }, stateOverrides: { POWERED_OFF: 'STOPPED', poweredOn: 'RUNNING' }, tls: { caFile: '/ca.pem' } };
  const fields = toApiFields(tree);
  assert.deepEqual(fields, { service_type: 'vm', selector: { managed_by_key: 'managed-by' }, state_overrides: { POWERED_OFF: 'STOPPED', poweredOn: 'RUNNING' }, tls: { ca_file: '/ca.pem' } });
  assert.deepEqual(fromApiFields(fields, 'body'), { value: tree, issues: [] });
});

test('fields that are not snake_case are reported with their path, camelCase with its snake form', () => {
  const { issues } = fromApiFields({ intervalSeconds: 5, selector: { Managed: 'x', ok_field: 1 }, key_2: true, state_overrides: { POWERED_OFF: 'STOPPED' } }, 'body');
  assert.deepEqual(issues, [
    { path: 'body.intervalSeconds', message: 'unknown field (fields are snake_case: interval_seconds)' },
    { path: 'body.selector.Managed', message: 'unknown field (fields are snake_case)' },
    { path: 'body.key_2', message: 'unknown field (fields are snake_case)' },
  ]);
});

test('validation key paths are shown in API terms', () => {
  assert.equal(toApiPath('body.selector.managedByKey'), 'body.selector.managed_by_key');
  assert.equal(toApiPath('body.credentials.userDomainName'), 'body.credentials.user_domain_name');
});
