import { DescribeInstancesCommand, EC2Client, type DescribeInstancesCommandInput, type EC2ClientConfig } from '@aws-sdk/client-ec2';
import type { AdapterContext } from '../../src/adapter/index.js';
import type { Clock } from '../../src/clock/index.js';
import type { EndpointConfig } from '../../src/config/index.js';
import { BridgeError } from '../../src/errors/index.js';
import { createConnectGuard, tlsConnectOptions } from '../../src/platform-http/index.js';
import { createAnswerBuffers, type AnswerBuffers } from './answer-buffers.js';
import { addAnswerCheck, describeAnswerOf, type DescribeAnswer } from './answer-check.js';
import type { Ec2CredentialSource } from './credentials.js';
import { createUndiciHandler } from './http-handler.js';
import type { RequestTimeouts, SdkRetryStrategy } from './retry-strategy.js';

/** Everything one endpoint's SDK client is built from. */
export interface Ec2ClientSettings {
  readonly endpoint: EndpointConfig;
  readonly region: string;
  readonly credentials: Ec2CredentialSource;
  readonly retryStrategy: SdkRetryStrategy;
  readonly maxAttempts: number;
  readonly timeouts: RequestTimeouts;
  /** Times each attempt's answer (see `http-handler.ts`). */
  readonly clock: Clock;
  /** Reads `tls.caFile`. */
  readonly readFile: (path: string) => Buffer;
  readonly onRequest?: AdapterContext['onRequest'];
  /** The target policy of an API-registered endpoint: every socket resolves and connects through it. */
  readonly targetCheck?: AdapterContext['targetCheck'];
  /** Where large answers are read into; given back once a DescribeInstances answer was read. Absent: a buffer each. */
  readonly buffers?: AnswerBuffers;
}

/** Sockets per endpoint: the listing is sequential, so one is busy and a spare covers a reconnect. */
const socketsPerEndpoint = 2;

/** The longest answer read, as the other adapters' client bounds theirs: a 1,000-instance page is about 1.4 MB. */
const maxAnswerBytes = 64 * 1024 * 1024;

/** Error names the SDK gives throttling answers (EC2's own is RequestLimitExceeded, HTTP 503). */
const throttleNames: ReadonlySet<string> = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'RequestThrottled']);

/**
 * The endpoint's `EC2Client`. Transport is undici (`http-handler.ts`), as
 * for the other adapters: keep-alive sockets, `tls.caFile` replacing the
 * trust store, verification off only with `tls.insecureSkipVerify`, the
 * SDK handler's timeouts (connection, answer, a stalled body), answers of
 * at most 64 MiB, and for an API-registered endpoint the target policy on
 * every socket (`url` and the regional endpoint the SDK derives alike).
 * `url` overrides the EC2 endpoint; signing (SigV4), retries and credential
 * resolution stay the SDK's. Every 2xx answer must be the documented XML
 * answer of its action (`answer-check.ts`), else the call fails with
 * LIST_INCOMPLETE instead of yielding an empty output.
 */
export function createEc2Client(settings: Ec2ClientSettings): EC2Client {
  const { endpoint, timeouts } = settings;
  const guard = settings.targetCheck ? createConnectGuard(settings.targetCheck, { endpoint: endpoint.name, platform: 'ec2' }) : undefined;
  const config: EC2ClientConfig = {
    region: settings.region,
    ...(endpoint.url ? { endpoint: endpoint.url } : {}),
    credentials: settings.credentials,
    maxAttempts: settings.maxAttempts,
    retryStrategy: settings.retryStrategy,
    requestHandler: createUndiciHandler({
      endpoint: endpoint.name,
      region: settings.region,
      tls: tlsConnectOptions(endpoint.tls, settings.readFile),
      ...(guard ? { guard } : {}),
      timeouts,
      clock: settings.clock,
      sockets: socketsPerEndpoint,
      maxBodyBytes: maxAnswerBytes,
      ...(settings.buffers ? { buffers: settings.buffers } : {}),
    }),
  };
  const client = new EC2Client(config);
  // The SDK's logger step filters every output through its schema for a logger the bridge never gives it (a no-op): pure cost per page.
  client.middlewareStack.remove('loggerMiddleware');
  addAnswerCheck(client, { endpoint: endpoint.name, region: settings.region }, settings.buffers);
  const onRequest = settings.onRequest;
  if (onRequest) {
    // In the deserialize step, inside the retry loop: one report per attempt, as the metric counts requests.
    client.middlewareStack.add(
      (next) => async (args) => {
        try {
          const result = await next(args);
          onRequest({ status: (result.response as { statusCode?: number }).statusCode ?? 200, throttled: false });
          return result;
        } catch (error) {
          const fields = error as { name?: string; $metadata?: { httpStatusCode?: number } };
          // A 2xx refused by the answer check keeps its status: the platform did answer.
          const checkedStatus = error instanceof BridgeError && typeof error.context.status === 'number' ? error.context.status : undefined;
          onRequest({ status: fields.$metadata?.httpStatusCode ?? checkedStatus ?? 'error', throttled: throttleNames.has(fields.name ?? '') || fields.$metadata?.httpStatusCode === 429 });
          throw error;
        }
      },
      { step: 'deserialize', name: 'dcmRequestOutcome', priority: 'high' },
    );
  }
  return client;
}

/** One endpoint's SDK client, as the adapter uses it. */
export interface Ec2Connection {
  /**
   * One DescribeInstances call (the SDK's retries included): the checked
   * answer, not read yet; throws what the SDK threw. `onSending` is told
   * each time an attempt is handed to the HTTP handler.
   */
  describe(input: DescribeInstancesCommandInput, signal: AbortSignal, onSending?: () => void): Promise<DescribeAnswer>;
  /** Closes its sockets. */
  destroy(): void;
}

/**
 * {@link createEc2Client} behind the adapter's two uses. This module imports
 * the AWS SDK as values: the adapter loads it with `import()` when an EC2
 * endpoint first polls, so a bridge without one never loads the SDK.
 */
export function createEc2Connection(settings: Ec2ClientSettings): Ec2Connection {
  const client = createEc2Client({ ...settings, buffers: settings.buffers ?? createAnswerBuffers() });
  return {
    async describe(input, signal, onSending) {
      const command = new DescribeInstancesCommand(input);
      if (onSending) {
        // In the deserialize step, inside the retries and after signing: the handler is next.
        command.middlewareStack.add(
          (next) => (args) => {
            onSending();
            return next(args);
          },
          { step: 'deserialize', name: 'dcmOnSending', priority: 'low' },
        );
      }
      return describeAnswerOf(await client.send(command, { abortSignal: signal }));
    },
    destroy: () => client.destroy(),
  };
}
