export { createDcmRegistrar, providerRegistration, classifyAnswer, fetchTransport } from './registrar.js';
export type { DcmRegistrar, DcmRegistrarOptions, ProviderRegistration, RegistrationOutcome, RegistrationTransport } from './registrar.js';
