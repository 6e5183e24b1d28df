#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configurationDocs } from './config/index.js';
import { builtinAdapters } from './registry/index.js';

/**
 * `npm run docs:config`: writes the configuration reference and the editors'
 * JSON Schema from the schema the bridge validates with, into the project
 * this build belongs to (`<root>/dist*\/src/write-config-docs.js`).
 * `--check` writes nothing and exits 1 when a committed file differs.
 */
function main(argv: readonly string[]): number {
  const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const check = argv.includes('--check');
  let stale = 0;
  for (const [path, content] of Object.entries(configurationDocs(builtinAdapters()))) {
    const file = join(projectRoot, path);
    let current: string | undefined;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === content) continue;
    stale += 1;
    if (check) {
      process.stderr.write(`${path} differs from the configuration schema; run npm run docs:config and commit it\n`);
    } else {
      writeFileSync(file, content);
      process.stdout.write(`wrote ${path}\n`);
    }
  }
  if (stale === 0) process.stdout.write('configuration docs are up to date\n');
  return check && stale > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
