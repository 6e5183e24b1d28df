// The OpenAPI document is read from its JSON copy when the copy was made from the YAML as it is now (#12: parsing
// the YAML was a tenth of the start-up CPU); otherwise from the YAML. The answer is the YAML's either way.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { findOpenApiFile, jsonCopyPathOf, jsonCopySourceKey, loadOpenApiDocument, openApiJsonCopy } from '../../../src/api/index.js';

const yamlPath = findOpenApiFile();
const dir = mkdtempSync(join(tmpdir(), 'dcm-openapi-copy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the committed api/openapi.json is the JSON copy of api/openapi.yaml as it is now', () => {
  const regenerate = `after editing api/openapi.yaml, regenerate the copy: node -e "import('./dist/src/api/index.js').then((api) => api.writeOpenApiJsonCopy())"`;
  assert.equal(readFileSync(jsonCopyPathOf(yamlPath), 'utf8'), openApiJsonCopy(readFileSync(yamlPath, 'utf8')), regenerate);
});

test('the document read is the YAML document, without the copy\'s source key', () => {
  const document = loadOpenApiDocument();
  assert.deepEqual(document, parse(readFileSync(yamlPath, 'utf8')));
  assert.equal(jsonCopySourceKey in document, false);
});

test('a copy made from this YAML text is what is read', () => {
  const yaml = join(dir, 'current.yaml');
  writeFileSync(yaml, readFileSync(yamlPath, 'utf8'));
  const copy = JSON.parse(openApiJsonCopy(readFileSync(yaml, 'utf8'))) as Record<string, unknown> & { info: { title: string } };
  copy.info.title = 'read from the JSON copy';
  writeFileSync(jsonCopyPathOf(yaml), JSON.stringify(copy));
  assert.equal((loadOpenApiDocument(yaml)['info'] as { title: string }).title, 'read from the JSON copy');
});

test('a stale, broken or missing copy falls back to the YAML', () => {
  const yaml = join(dir, 'edited.yaml');
  const original = readFileSync(yamlPath, 'utf8');
  writeFileSync(jsonCopyPathOf(yaml), openApiJsonCopy(original));
  const edited = original.replace(/^(\s+title:).*$/m, '$1 edited after the copy was made');
  assert.notEqual(edited, original);
  writeFileSync(yaml, edited);
  assert.equal((loadOpenApiDocument(yaml)['info'] as { title: string }).title, 'edited after the copy was made', 'stale copy');
  writeFileSync(jsonCopyPathOf(yaml), '{ not json');
  assert.equal((loadOpenApiDocument(yaml)['info'] as { title: string }).title, 'edited after the copy was made', 'broken copy');
  rmSync(jsonCopyPathOf(yaml));
  assert.equal((loadOpenApiDocument(yaml)['info'] as { title: string }).title, 'edited after the copy was made', 'no copy');
});
