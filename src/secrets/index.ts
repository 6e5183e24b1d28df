export { credentialKeyBytes, credentialKeysFormat, credentialKeysOf, decodeCredentialKeys } from './credential-keys.js';
export type { CredentialKey, CredentialKeySetting } from './credential-keys.js';
export { createSealer, isSealedValue, sealingAlgorithm } from './sealing.js';
export type { Sealer, SealedValue } from './sealing.js';
export { scrubSecretText, scrubSecrets, scrubbedMark } from './scrub.js';
