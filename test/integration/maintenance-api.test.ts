// maintenance_windows over the registration API: the same validation as YAML with every problem at
// its body key path, the windows shown back in snake_case, replaced by a merge patch, and the
// endpoint's status carrying the maintenance block. One bridge and API for every assertion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instances, useHarness } from '../support/harness.js';
import { apiConfig, fileRegistration, startApi } from './api-support.js';

const harness = useHarness();

test('registration with maintenance_windows: bad ones named at their key paths, good ones shown, patched and reported in the status', async () => {
  harness().setPlatform('lab', { instances: instances(1) });
  harness().setPlatform('vc', { instances: instances(1, 'on', 50) });
  const api = await startApi(harness(), apiConfig(harness()), { start: false });
  try {
    const refused = await api.call('POST', '/api/v1alpha1/endpoints?id=vc', {
      body: { ...fileRegistration(harness(), 'vc'), maintenance_windows: [{ cron: '0 2 * * SAT', duration: '2 hours', time_zone: 'Europe/Berlim' }, { cron: '0 25 * * *', duration: '1h', pause_polling: true }] },
    });
    assert.equal(refused.status, 400, refused.text);
    const issues = Object.fromEntries((refused.json()['issues'] as Array<{ path: string; message: string }>).map((issue) => [issue.path, issue.message]));
    assert.match(issues['body.maintenance_windows[0].duration'] ?? '', /hours and\/or minutes/, JSON.stringify(issues));
    assert.match(issues['body.maintenance_windows[0].time_zone'] ?? '', /IANA time zone/, JSON.stringify(issues));
    assert.match(issues['body.maintenance_windows[1].cron'] ?? '', /out of range/, JSON.stringify(issues));

    const created = await api.call('POST', '/api/v1alpha1/endpoints?id=vc', { body: { ...fileRegistration(harness(), 'vc'), maintenance_windows: [{ cron: '30 23 * * *', duration: '2h', time_zone: 'Europe/Berlin', pause_polling: true }] } });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.json()['maintenance_windows'], [{ cron: '30 23 * * *', duration: '2h', time_zone: 'Europe/Berlin', pause_polling: true }]);

    const patched = await api.call('PATCH', '/api/v1alpha1/endpoints/vc', { body: { maintenance_windows: [{ cron: '0 2 * * SAT', duration: '90m' }] }, contentType: 'application/merge-patch+json' });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual(patched.json()['maintenance_windows'], [{ cron: '0 2 * * SAT', duration: '90m', time_zone: 'UTC', pause_polling: false }], 'the list is replaced whole, defaults applied');

    await api.bridge.start();
    const status = await api.call('GET', '/api/v1alpha1/endpoints/vc/status');
    assert.equal(status.status, 200, status.text);
    const maintenance = status.json()['maintenance'] as Record<string, unknown>;
    assert.equal(maintenance['pause_polling'], false);
    assert.equal(maintenance['held_deletions'], 0);
    assert.equal(new Date(String(maintenance['next_start_time'])).getUTCDay(), 6, `the next start is a Saturday: ${String(maintenance['next_start_time'])}`);
    assert.equal(typeof maintenance['active'], 'boolean');
    const removed = await api.call('PATCH', '/api/v1alpha1/endpoints/vc', { body: { maintenance_windows: null }, contentType: 'application/merge-patch+json' });
    assert.equal(removed.status, 200, removed.text);
    assert.equal(removed.json()['maintenance_windows'], undefined, 'null removes every window');
  } finally {
    await api.stop();
  }
});
