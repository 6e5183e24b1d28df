// The throw-away certificate makers live in the simulator kit (the simulators' tests compile on
// their own and cannot reach test/support); re-exported here for the adapter and integration tests.
export { createTestCertificates, throwAwayCertificate } from '../simulators/common/index.js';
export type { PemKeyAndCertificate, TestCertificates } from '../simulators/common/index.js';
