// Faults of DescribeInstances answers, aimed at one page of a paged call: the awkward answers a
// poller meets between it and EC2 (a proxy's HTML page, an empty 200, a document of another action,
// an instance without its id) and EC2's own throttling, on page N only.
import type { SimResponse } from '../common/index.js';
import { Ec2Error, ec2ErrorResponse, ec2Headers } from './errors.js';
import { EC2_XMLNS } from './representation.js';
import { xmlDocument, xmlElement } from './xml.js';

/**
 * What a faulted DescribeInstances request is answered with.
 *
 * - `html`: 200 `text/html`, a proxy's or captive portal's page (no EC2 answer is HTML).
 * - `emptyBody`: 200 `text/xml` with no body at all.
 * - `otherAction`: 200 `text/xml`, a well-formed `DescribeInstanceStatusResponse` (another action's
 *   document, e.g. a cache or a load balancer mixing answers up).
 * - `missingInstanceId`: the real answer with the first instance's `instanceId` element removed.
 * - `RequestLimitExceeded` / `Unavailable`: EC2's own 503 errors ("Error codes for the Amazon EC2 API").
 */
export const DESCRIBE_FAULT_ANSWERS = ['html', 'emptyBody', 'otherAction', 'missingInstanceId', 'RequestLimitExceeded', 'Unavailable'] as const;

/** One of {@link DESCRIBE_FAULT_ANSWERS}. */
export type DescribeFaultAnswer = (typeof DESCRIBE_FAULT_ANSWERS)[number];

/** True when the text names a {@link DescribeFaultAnswer}. */
export function isDescribeFaultAnswer(value: unknown): value is DescribeFaultAnswer {
  return typeof value === 'string' && (DESCRIBE_FAULT_ANSWERS as readonly string[]).includes(value);
}

/** A fault armed on DescribeInstances requests. */
export interface DescribeFault {
  readonly answer: DescribeFaultAnswer;
  /**
   * Only requests for this page of a paged call: a request without `NextToken` asks for page 1, one
   * with a token for the page that token leads to (the token carries it). Default: any page.
   */
  readonly page?: number;
  /** Only requests carrying a filter of this name, e.g. `instance-id` (absence confirmation) or `tag-key` (the listing). */
  readonly withFilter?: string;
  /** How many matching requests it answers before it disarms. Default 1. */
  readonly times?: number;
}

/** What a DescribeInstances request and its real answer look like to the fault matcher. */
export interface DescribeFacts {
  readonly page: number;
  readonly filterNames: readonly string[];
  /** Instances in the real answer (`missingInstanceId` needs one to damage). */
  readonly instances: number;
}

/** The armed faults of a simulator. */
export interface DescribeFaults {
  /** Arms faults after the ones already armed; the first armed fault that matches a request answers it. */
  add(faults: readonly DescribeFault[]): void;
  clear(): void;
  /** Faults still armed, with the times they have left. */
  armed(): readonly (DescribeFault & { readonly times: number })[];
  /** The fault answering this request, counted down; undefined when none matches. */
  take(facts: DescribeFacts): DescribeFaultAnswer | undefined;
}

/** Creates an empty fault list. */
export function createDescribeFaults(): DescribeFaults {
  let armed: (DescribeFault & { times: number })[] = [];
  return {
    add(faults) {
      for (const fault of faults) {
        if (!isDescribeFaultAnswer(fault.answer)) {
          throw new RangeError(`answer must be one of ${DESCRIBE_FAULT_ANSWERS.join(', ')}`);
        }
        if (fault.page !== undefined && (!Number.isInteger(fault.page) || fault.page < 1)) {
          throw new RangeError('page must be a positive integer');
        }
        if (fault.times !== undefined && (!Number.isInteger(fault.times) || fault.times < 1)) {
          throw new RangeError('times must be a positive integer');
        }
        armed.push({ ...fault, times: fault.times ?? 1 });
      }
    },
    clear() {
      armed = [];
    },
    armed: () => armed.map((fault) => ({ ...fault })),
    take(facts) {
      const fault = armed.find(
        (candidate) =>
          (candidate.page === undefined || candidate.page === facts.page) &&
          (candidate.withFilter === undefined || facts.filterNames.includes(candidate.withFilter)) &&
          (candidate.answer !== 'missingInstanceId' || facts.instances > 0),
      );
      if (fault === undefined) {
        return undefined;
      }
      fault.times -= 1;
      if (fault.times === 0) {
        armed = armed.filter((candidate) => candidate !== fault);
      }
      return fault.answer;
    },
  };
}

/** A page a corporate proxy or a captive portal might send instead of EC2's answer. */
const PROXY_PAGE = '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>The proxy server received an invalid response from an upstream server.</p></body></html>\n';

/** Renders the answer of a fault; `realBody` is the answer the request would have had. */
export function renderDescribeFault(answer: DescribeFaultAnswer, realBody: string, requestId: string, now: number): SimResponse {
  const headers = ec2Headers(requestId, now);
  switch (answer) {
    case 'html':
      return { status: 200, headers: { ...headers, 'content-type': 'text/html; charset=utf-8' }, body: PROXY_PAGE };
    case 'emptyBody':
      return { status: 200, headers, body: '' };
    case 'otherAction':
      return {
        status: 200,
        headers,
        body: xmlDocument(xmlElement('DescribeInstanceStatusResponse', [xmlElement('requestId', requestId), xmlElement('instanceStatusSet', '')], { xmlns: EC2_XMLNS })),
      };
    case 'missingInstanceId':
      // The first <instanceId> of an answer is its first instance's own (reservations carry none).
      return { status: 200, headers, body: realBody.replace(/<instanceId>[^<]*<\/instanceId>/, '') };
    case 'RequestLimitExceeded':
    case 'Unavailable':
      return ec2ErrorResponse(new Ec2Error(answer), requestId, now);
  }
}
