import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configurationDocs, regenerateCommand } from '../../../src/config/index.js';
import { builtinAdapters } from '../../../src/registry/index.js';

// docs/configuration.md and config/dcm-poll-bridge.schema.json are generated from the configuration
// schema; a key added, removed or re-documented there without regenerating them fails here.
const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

for (const [path, generated] of Object.entries(configurationDocs(builtinAdapters()))) {
  test(`the committed ${path} is what the configuration schema generates`, () => {
    const committed = readFileSync(join(projectRoot, path), 'utf8');
    if (committed === generated) return;
    const committedLines = committed.split('\n');
    const generatedLines = generated.split('\n');
    const line = generatedLines.findIndex((text, index) => text !== committedLines[index]);
    assert.fail(
      `${path} differs from the configuration schema; run \`${regenerateCommand}\` and commit the result.\n` +
        `First difference at line ${line + 1}:\n  committed: ${committedLines[line] ?? '(end of file)'}\n  generated: ${generatedLines[line] ?? '(end of file)'}`,
    );
  });
}
