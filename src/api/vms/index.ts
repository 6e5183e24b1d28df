export { createVmReader } from './vm-reader.js';
export type { VmReader, VmReaderOptions, VmQuery, VmResource } from './vm-reader.js';
