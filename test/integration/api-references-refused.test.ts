import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instances, useHarness } from '../support/harness.js';
import { apiConfig, eventually, fileRegistration, readToken, startApi } from './api-support.js';

const harness = useHarness();

interface Issue {
  readonly path: string;
  readonly message: string;
}

const endpoints = '/api/v1alpha1/endpoints';
const referenceMessage = /reference; the API does not resolve references/;

test('${env:} and ${file:} references anywhere in a registration are refused with a 400 naming each field; look-alikes are kept as written', async () => {
  harness().setPlatform('lab', { instances: instances(1) });
  harness().setPlatform('kept', { instances: instances(1, 'on', 50) });
  const api = await startApi(harness(), apiConfig(harness(), { api: `readToken: ${readToken}` }));
  try {
    const refusedIssues = async (method: string, path: string, body: unknown): Promise<Issue[]> => {
      const response = await api.call(method, path, { body, contentType: method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' });
      assert.equal(response.status, 400, response.text);
      const problem = response.json();
      assert.equal(problem['type'], 'https://dcm-project.github.io/problems/invalid-argument');
      assert.ok(!response.text.includes('tail-S3cret'), 'the rest of a refused value is never echoed');
      return (problem['issues'] as Issue[]).filter((issue) => referenceMessage.test(issue.message));
    };

    // The bridge's own environment holds TEST_PLATFORM_TOKEN: a registration must not be able to borrow it.
    const whole = await refusedIssues('POST', `${endpoints}?id=borrower`, fileRegistration(harness(), 'borrower', { credentials: { token: '${env:TEST_PLATFORM_TOKEN}' } }));
    assert.deepEqual(whole.map((issue) => issue.path), ['body.credentials.token']);

    // Every field is checked, a reference inside a longer string too, and all are named at once.
    const several = await refusedIssues('POST', `${endpoints}?id=reader`, {
      ...fileRegistration(harness(), 'reader'),
      file: '${file:/etc/hostname}',
      selector: { managed_by_value: 'team-${env:HOME}' },
      credentials: { token: '${file:/run/secrets/token}-tail-S3cret' },
    });
    assert.deepEqual(several.map((issue) => issue.path).sort(), ['body.credentials.token', 'body.file', 'body.selector.managed_by_value']);

    const listed = await api.call('GET', endpoints, { token: readToken });
    assert.deepEqual((listed.json()['results'] as Array<{ id: string }>).map((endpoint) => endpoint.id), ['lab'], 'nothing refused was registered');

    // Strings that only resemble a reference are values like any other.
    const lookAlike = 'pa$$-{env:HOME}-$env:HOME-${envHOME}';
    const created = await api.call('POST', `${endpoints}?id=kept`, { body: fileRegistration(harness(), 'kept', { credentials: { token: lookAlike } }) });
    assert.equal(created.status, 201, created.text);
    assert.equal(api.bridge.endpoints.get('kept')?.credentials['token'], lookAlike);
    await eventually('kept polled', () => api.bridge.status('kept')?.lastSuccessAt);

    // A merge patch is checked the same way, and a refused one changes nothing.
    const patched = await refusedIssues('PATCH', `${endpoints}/kept`, { credentials: { token: '${file:/etc/passwd}' } });
    assert.deepEqual(patched.map((issue) => issue.path), ['body.credentials.token']);
    assert.equal(api.bridge.endpoints.get('kept')?.credentials['token'], lookAlike, 'the registered credential is still the one in use');
  } finally {
    await api.stop();
  }
});
