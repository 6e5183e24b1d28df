import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { BridgeError, ErrorCode, type ValidationIssue } from '../errors/index.js';

/** What fastify hands a validator compiler. */
export interface CompileRequest {
  readonly schema: object;
  readonly httpPart?: string;
}

/** A request validator as fastify calls it: true when valid, else false with `errors` set. */
export interface RequestValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/**
 * Validator compilers per part of a request. Bodies are JSON and checked as
 * they are: a string where a number belongs is an error, not coerced, and an
 * unknown field is an error, not silently dropped (fastify's defaults do
 * both). Query strings and path parameters are text, so they are coerced to
 * the declared types, single values become one-item arrays, and defaults
 * (`max_page_size` 50) are filled in.
 *
 * Each schema is compiled when its route first validates a request, not
 * when the route is registered: compiling every operation's schemas was
 * about a fifth of the bridge's start-up CPU (#12), and most routes of a
 * bridge are rarely or never called.
 */
export function createValidatorCompiler(): (request: CompileRequest) => RequestValidator {
  // strict off: the schemas are OpenAPI 3.0 flavoured (nullable, writeOnly, descriptions everywhere).
  let body: Ajv | undefined;
  let text: Ajv | undefined;
  const bodyAjv = (): Ajv => (body ??= new Ajv({ allErrors: true, coerceTypes: false, useDefaults: false, removeAdditional: false, strict: false, logger: false }));
  const textAjv = (): Ajv => (text ??= new Ajv({ allErrors: true, coerceTypes: 'array', useDefaults: true, removeAdditional: false, strict: false, logger: false }));
  return ({ schema, httpPart }) => compiledOnFirstUse(() => (httpPart === 'body' ? bodyAjv() : textAjv()).compile(schema));
}

function compiledOnFirstUse(compile: () => ValidateFunction): RequestValidator {
  let compiled: ValidateFunction | undefined;
  const validator: RequestValidator = (data) => {
    compiled ??= compile();
    const valid = compiled(data);
    validator.errors = compiled.errors;
    return valid;
  };
  return validator;
}

/** Where fastify's validation failed: `body`, `querystring`, `params`. */
function issueOf(context: string, error: ErrorObject): ValidationIssue {
  const path = context + error.instancePath.replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.').replace(/~1/g, '/').replace(/~0/g, '~');
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return { path: `${path}.${String(params['additionalProperty'])}`, message: 'unknown field' };
    case 'required':
      return { path: `${path}.${String(params['missingProperty'])}`, message: 'is required' };
    case 'enum':
      return { path, message: `must be one of ${(params['allowedValues'] as unknown[]).filter((value) => value !== null).join(', ')}` };
    default:
      // Ajv's messages name the rule (type, bounds, pattern), never the value given.
      return { path, message: error.message ?? `fails ${error.keyword}` };
  }
}

/**
 * The `INVALID_ARGUMENT` error for fastify's validation failure. `anyOf`
 * branches repeat each other's complaints; one issue per path and message is kept.
 */
export function validationFailure(context: string, errors: readonly ErrorObject[]): BridgeError {
  const issues: ValidationIssue[] = [];
  for (const error of errors) {
    const issue = issueOf(context, error);
    if (!issues.some((known) => known.path === issue.path && known.message === issue.message)) issues.push(issue);
  }
  const summary = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  return new BridgeError(ErrorCode.InvalidArgument, `the request is invalid: ${summary}`, { issues });
}
