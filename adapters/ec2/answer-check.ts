import type { EC2Client } from '@aws-sdk/client-ec2';
import { BridgeError, ErrorCode } from '../../src/errors/index.js';
import type { AnswerBuffers } from './answer-buffers.js';
import { isXmlShapeError, isXmlWhitespace, nextTokenHintOf, parseDescribeInstancesXml, type ParsedDescribeInstances } from './describe-parser.js';

/**
 * Media types an EC2 Query API answer may carry. EC2 sends
 * `text/xml;charset=UTF-8`; `application/xml` is the other XML type
 * EC2-compatible clouds use.
 */
const xmlMediaTypes: ReadonlySet<string> = new Set(['text/xml', 'application/xml']);

/** How much of a wrong body a problem quotes: enough to recognise an HTML error page, never a whole page. */
const quotedBodyChars = 60;

/** The raw parts of one 2xx answer that {@link answerProblem} judges. */
export interface RawAnswer {
  /** The operation asked, e.g. `DescribeInstances`: its answer's root element is `<operation>Response`. */
  readonly operation: string;
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: Uint8Array;
}

/** How much of an answer's start is decoded to find its root element; a longer prolog has the whole body decoded. */
const headBytes = 4096;

/** The first element's local name, after the XML declaration, comments, a doctype and whitespace; undefined when there is none (or the text ends inside its name). */
function rootElementOf(text: string): string | undefined {
  const match = /^(?:\uFEFF)?(?:\s+|<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>)*<([A-Za-z_][\w.:-]*)(?=[\s/>])/i.exec(text);
  const name = match?.[1];
  return name === undefined ? undefined : name.slice(name.indexOf(':') + 1);
}

function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > quotedBodyChars ? `${flat.slice(0, quotedBodyChars)}…` : flat);
}

const isNameByte = (byte: number | undefined): boolean => byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x5f || byte === 0x2e || byte === 0x2d);
const requestIdName = Buffer.from('requestId>', 'latin1');

/** True when `bytes` hold a `<requestId>` start tag, with or without a namespace prefix (`<ns:requestId>`), searched in the bytes. */
function holdsRequestId(bytes: Buffer): boolean {
  for (let at = bytes.indexOf(requestIdName); at !== -1; at = bytes.indexOf(requestIdName, at + 1)) {
    let before = at - 1;
    if (bytes[before] === 0x3a) {
      const colon = before;
      while (isNameByte(bytes[before - 1])) before -= 1;
      before -= 1;
      if (before === colon - 1) continue;
    }
    if (bytes[before] === 0x3c) return true;
  }
  return false;
}

/**
 * Why a 2xx answer is not the operation's documented XML answer, or undefined
 * when it is. The AWS SDK's deserializer turns an answer it does not
 * recognise (an HTML page from a proxy, an empty body, another action's
 * document) into an empty output, which reads as "no instances, no more
 * pages"; this check runs on the raw answer first. It asks for: an XML
 * content type, a body, `<operation>Response` as the root element, closed at
 * the end (not cut short), and the `requestId` EC2 puts in every answer.
 * It decodes the answer's two ends, not the whole page (about 1.4 MB),
 * except to quote a body it refuses.
 */
export function answerProblem(answer: RawAnswer): string | undefined {
  const expectedRoot = `${answer.operation}Response`;
  const mediaType = answer.contentType?.split(';')[0]?.trim().toLowerCase();
  const bytes = Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength);
  const whole = (): string => bytes.toString('utf8');
  const blank = bytes.every(isXmlWhitespace);
  if (mediaType === undefined || mediaType === '') return `no content type (EC2 answers text/xml)${blank ? ' and an empty body' : `, body ${quote(whole())}`}`;
  if (!xmlMediaTypes.has(mediaType)) return `content type ${mediaType}, not XML${blank ? '' : `: ${quote(whole())}`}`;
  if (blank) return 'an empty body';
  const root = rootElementOf(bytes.toString('utf8', 0, headBytes)) ?? (bytes.length > headBytes ? rootElementOf(whole()) : undefined);
  if (root === undefined) return `a body that is not XML: ${quote(whole())}`;
  if (root !== expectedRoot) return `a <${root}> document instead of <${expectedRoot}>`;
  if (!new RegExp(`</(?:[\\w.-]+:)?${expectedRoot}>\\s*$`).test(bytes.toString('utf8', Math.max(0, bytes.length - (expectedRoot.length + 256))))) return `a <${expectedRoot}> cut short (no closing tag)`;
  if (!holdsRequestId(bytes)) return `a <${expectedRoot}> without its requestId`;
  return undefined;
}

/** What the check's errors name. */
export interface AnswerCheckScope {
  readonly endpoint: string;
  readonly region: string;
}

/** The parts of the SDK's raw HTTP response the middleware reads and replaces. */
interface RawHttpResponse {
  statusCode?: number;
  headers?: Record<string, string | undefined>;
  body?: unknown;
}

async function readBody(body: unknown): Promise<Uint8Array> {
  if (body === undefined || body === null) return new Uint8Array();
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  const chunks: Buffer[] = [];
  // A view of each chunk, not a copy: the one copy is the concatenation (a page is ~1.4 MB).
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  return Buffer.concat(chunks);
}

/**
 * A checked DescribeInstances answer, not read yet: its `nextToken` is
 * found first, so the listing can ask for the next page while EC2's answer
 * to this one is read (`listing.ts`).
 */
export interface DescribeAnswer {
  /** The `nextToken` found at the answer's end without reading it (`nextTokenHintOf`); the read page's `NextToken` decides. */
  readonly nextTokenHint: string | undefined;
  /**
   * Reads the answer's bytes (`parseDescribeInstancesXml`): the members the
   * adapter uses, in the SDK's output shape. Once only: the bytes are given
   * back to the endpoint's buffers as it returns.
   * @throws BridgeError PLATFORM_PAYLOAD when the body is not well-formed XML.
   * @throws Error when called a second time.
   */
  read(): ParsedDescribeInstances;
}

/** Answers of the fast path, by the raw response they came in, until the outer middleware files them by output. */
const answersByResponse = new WeakMap<object, DescribeAnswer>();
/** Answers of the fast path, by the output `client.send` resolves to, for {@link describeAnswerOf}. */
const answersByOutput = new WeakMap<object, DescribeAnswer>();

/** An empty body: what the SDK's deserializer is left to read once the fast path has the page (it then only adds `$metadata`). */
const emptyBody = new Uint8Array();

/**
 * The answer behind a DescribeInstances output of a client with the answer
 * check; each output answers once.
 * @throws Error when the output did not come through {@link addAnswerCheck}.
 */
export function describeAnswerOf(output: object): DescribeAnswer {
  const answer = answersByOutput.get(output);
  if (answer === undefined) throw new Error('a DescribeInstances output without its checked answer: the client was built without addAnswerCheck');
  answersByOutput.delete(output);
  return answer;
}

/**
 * The {@link DescribeAnswer} of checked bytes; a body that is not well-formed
 * XML fails its `read` as PLATFORM_PAYLOAD, as the SDK's parse error did.
 * The output holds copies of what it read (strings), never a view of the
 * bytes, so they go back to `buffers` once read.
 */
function describeAnswer(body: Uint8Array, scope: AnswerCheckScope, status: number, requestId: string | undefined, buffers: AnswerBuffers | undefined): DescribeAnswer {
  let unread: Uint8Array | undefined = body;
  return {
    nextTokenHint: nextTokenHintOf(body),
    read() {
      const bytes = unread;
      if (bytes === undefined) throw new Error('a DescribeInstances answer read twice: its bytes were given back after the first read');
      unread = undefined;
      try {
        return parseDescribeInstancesXml(bytes);
      } catch (error) {
        if (!isXmlShapeError(error)) throw error;
        throw new BridgeError(ErrorCode.PlatformPayload, `ec2 endpoint ${scope.endpoint} (${scope.region}): DescribeInstances answered HTTP ${status} with a body that is not well-formed XML: ${error.message}${requestId ? ` [request id ${requestId}]` : ''}`, {
          endpoint: scope.endpoint,
          platform: 'ec2',
          region: scope.region,
          status,
          problem: error.message,
          ...(requestId ? { requestId } : {}),
        });
      } finally {
        buffers?.giveBack(bytes);
      }
    },
  };
}

/**
 * Adds {@link answerProblem} to a client, inside the SDK's deserializer (the
 * `deserialize` step at low priority runs between it and the HTTP handler):
 * it reads each 2xx body once, hands the same bytes on to the deserializer,
 * and throws LIST_INCOMPLETE naming the problem instead of letting an empty
 * output through. Error statuses pass untouched to the SDK's error parsing
 * (error codes, RequestLimitExceeded and the retries that follow it stay the
 * SDK's). The SDK's retry strategy classifies the error as a client error,
 * so a wrong answer is not retried: the poll fails and deletes nothing.
 *
 * A checked DescribeInstances answer takes the fast path: the SDK's
 * deserializer gets an empty body, which it turns into `{ $metadata }`, and
 * the bytes become a {@link DescribeAnswer} that a middleware outside it
 * (high priority) files by the output, for {@link describeAnswerOf}. Its
 * `read` is `parseDescribeInstancesXml`; the SDK's generic XML reading
 * costs 13–15× more per instance (adapters/ec2/README.md). A read answer's
 * bytes go back to `buffers`, the ones the client's handler read them into.
 */
export function addAnswerCheck(client: EC2Client, scope: AnswerCheckScope, buffers?: AnswerBuffers): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const response = result.response as RawHttpResponse;
      const status = response.statusCode ?? 0;
      if (status < 200 || status >= 300) return result;
      const body = await readBody(response.body);
      response.body = body;
      const operation = (context.commandName ?? 'DescribeInstancesCommand').replace(/Command$/, '');
      const contentType = response.headers?.['content-type'];
      const problem = answerProblem({ operation, status, contentType, body });
      const requestId = response.headers?.['x-amzn-requestid'];
      if (problem !== undefined) {
        throw new BridgeError(ErrorCode.ListIncomplete, `ec2 endpoint ${scope.endpoint} (${scope.region}): ${operation} answered HTTP ${status} with ${problem}; not a ${operation}Response, so the answer counts for nothing${requestId ? ` [request id ${requestId}]` : ''}`, {
          endpoint: scope.endpoint,
          platform: 'ec2',
          region: scope.region,
          status,
          problem,
          ...(contentType ? { contentType } : {}),
          ...(requestId ? { requestId } : {}),
        });
      }
      if (operation === 'DescribeInstances') {
        answersByResponse.set(response, describeAnswer(body, scope, status, requestId, buffers));
        response.body = emptyBody;
      }
      return result;
    },
    { step: 'deserialize', name: 'dcmAnswerCheck', priority: 'low' },
  );
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const answer = answersByResponse.get(result.response as object);
      if (answer !== undefined) {
        answersByResponse.delete(result.response as object);
        answersByOutput.set(result.output as object, answer);
      }
      return result;
    },
    { step: 'deserialize', name: 'dcmFastDescribeInstances', priority: 'high' },
  );
}
