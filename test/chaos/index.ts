// The fault suite's public surface: scenarios, the runner, the judge and the report.
export { allScenarios, infrastructureScenarios } from './scenarios/index.js';
export { runScenario, missedBar, trialsOf } from './run-scenario.js';
export type { ScenarioResult } from './run-scenario.js';
export type { Scenario, FaultContext, FaultTarget, FreezableTarget, RunSettings, RunForm } from './scenario.js';
export { runSettings, selectedScenarios, scenarioSeed } from './settings.js';
export { judge, longestSightedStretch } from './judge.js';
export type { JudgeInput, Verdict, Finding, TimeWindow } from './judge.js';
export { crashSigns } from './crash-signs.js';
export { scanForSecrets } from './secret-scan.js';
export type { ScannedText, SecretSighting } from './secret-scan.js';
export { resultsTable, markdownReport } from './report.js';
export { createTruthLog } from './truth.js';
export type { TruthLog, TruthState } from './truth.js';
export { startOpenstackPlatform, dcmStatusOfNova } from './platforms/openstack.js';
export type { ChaosPlatform } from './platforms/platform.js';
export { dcmStream, parseStatusEvent } from './recorder.js';
export type { DeliveredEvent, EventRecorder } from './recorder.js';
