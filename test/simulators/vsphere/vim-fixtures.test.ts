import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../common/index.js';
import { createVsphereSimulator, DEFAULT_CREDENTIALS } from './index.js';
import { projectRoot } from './support.js';
import { envelope, soapCall } from './vim/soap-client.js';

// Fixtures are not compiled: read from the source tree (see vim/fixtures/README.md for their source).
const fixture = (name: string): string => readFileSync(join(projectRoot(), 'test', 'simulators', 'vsphere', 'vim', 'fixtures', name), 'utf8');

const simulator = createVsphereSimulator();
let running: RunningServer;

describe('vim25 answers against vCenter samples', () => {
  before(async () => {
    running = await simulator.start();
  });
  after(() => running.close());

  it('answers a wrong password byte for byte as the vCenter sample of an InvalidLogin fault', async () => {
    const answer = await soapCall(
      running.url,
      envelope('Login', 'SessionManager', 'SessionManager', `<userName>${DEFAULT_CREDENTIALS.username}</userName><password>not-the-password</password>`),
    );
    assert.equal(answer.status, 500);
    assert.equal(answer.text, fixture('invalid-login-fault.xml').trimEnd());
  });
});
