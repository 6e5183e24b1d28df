export { BridgeError, ErrorCode, isBridgeError, asBridgeError, validationError } from './bridge-error.js';
export type { ErrorContext, ValidationIssue } from './bridge-error.js';
export { toProblem } from './problem.js';
export type { ProblemDocument } from './problem.js';
export { errorLogForm, causeChain, isBug } from './log-form.js';
