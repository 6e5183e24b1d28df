/**
 * A real bridge process for tests: the production CLI with the `file` test
 * platform registered. Run as `node dist/test/support/bridge-process.js once --config F`.
 */
import { processIo, runProcess } from '../../src/cli.js';
import { createFileAdapter } from './file-adapter.js';

void runProcess({ ...processIo(), adapters: [createFileAdapter({ minimumIntervalSeconds: Number(process.env['TEST_ADAPTER_FLOOR_SECONDS'] ?? 1) })] });
