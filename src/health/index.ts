export { judgeEndpointHealth, healthStates, unavailableAfterFailures } from './endpoint-health.js';
export type { HealthState, HealthVerdict, PollHistory } from './endpoint-health.js';
export { createHealthAnnouncer, endpointHealthEventType } from './health-events.js';
export type { HealthAnnouncer, HealthAnnouncerOptions } from './health-events.js';
export { evaluateReadiness, evaluateFreshness, staleAfterIntervals } from './readiness.js';
export type { Readiness, ReadinessCheck, ReadinessInput, EndpointFreshness, DependencyState } from './readiness.js';
export { createHealthProbe } from './probe.js';
export type { HealthProbe, HealthProbeOptions, ProviderHealth, EndpointHealthSummary } from './probe.js';
