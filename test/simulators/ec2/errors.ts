import type { SimRequest, SimResponse } from '../common/index.js';
import { xmlDocument, xmlElement } from './xml.js';

/**
 * The EC2 error codes the simulator answers with, their HTTP status and default
 * message. Codes and meanings come from "Error codes for the Amazon EC2 API";
 * statuses and messages from EC2 answers quoted in public bug reports where the
 * reference gives none (e.g. `RequestLimitExceeded` is a 503 "Request limit
 * exceeded.", `AuthFailure` a 401, `RequestExpired` a 400).
 */
export const EC2_ERRORS = {
  AuthFailure: { status: 401, message: 'AWS was not able to validate the provided access credentials' },
  MissingAuthenticationToken: { status: 401, message: 'The request must contain valid credentials.' },
  IncompleteSignature: { status: 400, message: 'The request signature does not conform to AWS standards.' },
  RequestExpired: { status: 400, message: 'Request has expired.' },
  // Listed among the common client errors; the wording is the one Query APIs answer with.
  SignatureDoesNotMatch: { status: 403, message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.' },
  UnauthorizedOperation: { status: 403, message: 'You are not authorized to perform this operation.' },
  InvalidAction: { status: 400, message: 'The action or operation requested is not valid.' },
  MissingAction: { status: 400, message: 'The request must contain the parameter Action.' },
  MissingParameter: { status: 400, message: 'The request is missing a required parameter.' },
  NoSuchVersion: { status: 400, message: 'The requested version of service AmazonEC2 does not exist.' },
  UnknownParameter: { status: 400, message: 'An unknown or unrecognized parameter was supplied.' },
  InvalidParameterValue: { status: 400, message: 'A value specified in a parameter is not valid.' },
  InvalidParameterCombination: { status: 400, message: 'The parameters cannot be used together.' },
  InvalidNextToken: { status: 400, message: 'The specified NextToken is not valid.' },
  // "The request uses too many filters or too many filter values" (error codes reference); the 200 and the
  // wording are EC2's own answer, as quoted in gjbae1212/gossm#47 and convox/rack#2205.
  FilterLimitExceeded: { status: 400, message: 'The maximum number of filter values specified on a single call is 200' },
  'InvalidInstanceID.NotFound': { status: 400, message: 'The instance ID does not exist' },
  'InvalidInstanceID.Malformed': { status: 400, message: 'Invalid id' },
  DryRunOperation: { status: 412, message: 'Request would have succeeded, but DryRun flag is set.' },
  RequestLimitExceeded: { status: 503, message: 'Request limit exceeded.' },
  Unavailable: { status: 503, message: "The server is overloaded and can't handle the request." },
  InternalError: { status: 500, message: 'An internal error has occurred.' },
} as const satisfies Record<string, { readonly status: number; readonly message: string }>;

/** A code of {@link EC2_ERRORS}. */
export type Ec2ErrorCode = keyof typeof EC2_ERRORS;

/** An EC2 error answer, thrown by request handling and written as EC2's error XML. */
export class Ec2Error extends Error {
  override readonly name = 'Ec2Error';
  readonly status: number;

  constructor(
    readonly code: Ec2ErrorCode,
    message?: string,
    /** Extra child elements of `<Error>`, in order (e.g. `AWSAccessKeyId`); the SDK copies them onto its error. */
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message ?? EC2_ERRORS[code].message);
    this.status = EC2_ERRORS[code].status;
  }
}

/** Headers EC2 puts on every answer: XML content type, the request id, and a Date (clients use it to correct clock skew). */
export function ec2Headers(requestId: string, now: number): Record<string, string> {
  return { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId, date: new Date(now).toUTCString() };
}

/**
 * Renders EC2's error document: `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`
 * (note `RequestID`, unlike `requestId` of successful answers).
 */
export function ec2ErrorResponse(error: Ec2Error, requestId: string, now: number): SimResponse {
  const body = xmlDocument(
    xmlElement('Response', [
      xmlElement('Errors', [xmlElement('Error', [xmlElement('Code', error.code), xmlElement('Message', error.message), ...Object.entries(error.details).map(([name, value]) => xmlElement(name, value))])]),
      xmlElement('RequestID', requestId),
    ]),
  );
  return { status: error.status, headers: ec2Headers(requestId, now), body };
}

/**
 * What the kit's generic statuses become. EC2 never answers 429: throttling is
 * `RequestLimitExceeded` with 503, so the kit's `throttle429` fault yields that.
 */
const KIT_STATUS_ERRORS: Readonly<Record<number, Ec2ErrorCode>> = {
  404: 'InvalidAction',
  413: 'InvalidParameterValue',
  429: 'RequestLimitExceeded',
  500: 'InternalError',
  503: 'Unavailable',
};

/** The kit's `errorResponse` hook: EC2's error XML for a fault or an unroutable request. */
export function kitErrorResponse(newRequestId: () => string, now: () => number): (request: SimRequest, status: number) => SimResponse {
  return (_request, status) => {
    const code = KIT_STATUS_ERRORS[status] ?? 'InternalError';
    const error = new Ec2Error(code);
    const response = ec2ErrorResponse(error, newRequestId(), now());
    // Other 5xx faults keep their status (a 502 from a load balancer still carries an EC2-style body).
    return status >= 500 && status !== 503 && KIT_STATUS_ERRORS[status] === undefined ? { ...response, status } : response;
  };
}
