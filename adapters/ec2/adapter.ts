import type { DescribeInstancesCommandInput } from '@aws-sdk/client-ec2';
import { readFileSync } from 'node:fs';
import type { AbsenceFinding, AdapterContext, PlatformAdapter, PlatformConnection, RawInstance } from '../../src/adapter/index.js';
import type { EndpointConfig } from '../../src/config/index.js';
import type { RequestGate } from '../../src/ratelimit/index.js';
import { confirmInstancesAbsent } from './absence.js';
import type { DescribeAnswer } from './answer-check.js';
import type { Ec2Connection } from './client.js';
import { ec2CredentialsOf, ec2OptionsOf } from './config-schema.js';
import { accountKeyOf, credentialSourceFor, type CredentialSettings } from './credentials.js';
import { toBridgeError, type ErrorScope } from './errors.js';
import { listManagedInstances } from './listing.js';
import { describeEc2Platform } from './platform.js';
import { createRetryStrategy, defaultRetryPolicy, requestTimeoutsFor, type RequestTimeouts, type RetryPolicy } from './retry-strategy.js';
import { createAccountBuckets, type AccountBuckets, type TokenBucketSettings } from './token-bucket.js';

/** Tuning and dependencies of the adapter; the defaults suit real EC2, tests make waits short. */
export interface Ec2AdapterOptions {
  /** SDK retries per call. Default {@link defaultRetryPolicy}. */
  readonly retryPolicy?: Partial<RetryPolicy>;
  /**
   * A per-account request bucket of the adapter's own, for a lab or test
   * connecting it without the bridge (e.g. `defaultBucketSettings`).
   * It applies only where the context gives no `rateLimit`; default none:
   * as the adapter contract says, no `rateLimit` means not limited, so the
   * bridge's `rateLimits.ec2.requestsPerSecond: 0` turns limiting off.
   */
  readonly bucket?: TokenBucketSettings;
  /** Like `bucket`, shared with another adapter instance (tests). */
  readonly accountBuckets?: AccountBuckets;
  /** Shared config files and the STS endpoint (tests, private networks). */
  readonly credentials?: CredentialSettings;
  /** Fixed socket timeouts instead of ones derived from each endpoint's interval. */
  readonly requestTimeouts?: RequestTimeouts;
  /** MaxResults per DescribeInstances call, 5–1000. Default 1000. */
  readonly pageSize?: number;
  /** Instance ids per absence-confirmation call, 1–200. Default 200 (EC2's limit of filter values per call). */
  readonly confirmBatchSize?: number;
  /** The adapter's polling floor in seconds. Default 10; lower only for tests that poll a simulator back to back. */
  readonly minimumIntervalSeconds?: number;
  /** Jitter source of the retry backoff. */
  readonly random?: () => number;
  readonly readFile?: (path: string) => Buffer;
}

/**
 * The AWS EC2 adapter: DCM's instances are those tagged
 * `<managedByKey>=<managedByValue>` with a `<instanceIdKey>` tag holding the
 * DCM id, selected server-side by DescribeInstances filters, through the AWS
 * SDK v3 (its credential chain, SigV4 and retries). Instances a complete
 * list left out are confirmed by id (`absence.ts`). See adapters/ec2/README.md.
 */
export function createEc2Adapter(options: Ec2AdapterOptions = {}): PlatformAdapter {
  const adapter: AdapterSettings = {
    options,
    policy: { ...defaultRetryPolicy, ...options.retryPolicy },
    buckets: options.accountBuckets ?? (options.bucket ? createAccountBuckets(options.bucket) : undefined),
    readFile: options.readFile ?? ((path: string) => readFileSync(path)),
  };
  return {
    ...describeEc2Platform(options.minimumIntervalSeconds),
    connect: (endpoint, context) => connectEndpoint(adapter, endpoint, context),
  };
}

/** What every connection of one adapter shares: its options, resolved once. */
interface AdapterSettings {
  readonly options: Ec2AdapterOptions;
  readonly policy: RetryPolicy;
  /** The adapter's own buckets, when it was given some. */
  readonly buckets: AccountBuckets | undefined;
  readonly readFile: (path: string) => Buffer;
}

/** One endpoint's connection: its scope, its account's bucket (if limited), the SDK client once built, and the signal the retry waits follow. */
interface EndpointState {
  readonly adapter: AdapterSettings;
  readonly endpoint: EndpointConfig;
  readonly context: AdapterContext;
  readonly region: string;
  readonly scope: ErrorScope;
  readonly bucket: RequestGate | undefined;
  /** Polls of one endpoint never overlap (scheduler invariant), so one slot suffices. */
  activeSignal: AbortSignal | undefined;
  connection: Promise<Ec2Connection> | undefined;
}

function connectEndpoint(adapter: AdapterSettings, endpoint: EndpointConfig, context: AdapterContext): PlatformConnection {
  const { region } = ec2OptionsOf(endpoint);
  const keys = ec2CredentialsOf(endpoint);
  const state: EndpointState = {
    adapter,
    endpoint,
    context,
    region,
    scope: { endpoint: endpoint.name, region, secrets: [keys.secretAccessKey, keys.sessionToken, keys.accessKeyId].filter((value): value is string => value !== undefined) },
    // The bridge's bucket (rateLimits.ec2: shared by the account's endpoints on every replica) when it gives one; else this adapter's own, if it has one.
    bucket: context.rateLimit ? context.rateLimit(accountKeyOf(endpoint)) : adapter.buckets?.forAccount(accountKeyOf(endpoint), context.clock),
    activeSignal: undefined,
    connection: undefined,
  };
  return {
    list: (signal) => listEndpoint(state, signal),
    confirmAbsence: (platformIds, signal) => confirmAbsentInstances(state, platformIds, signal),
    close: () => closeEndpoint(state),
  };
}

/** The SDK client, built by the first call (a failed build is forgotten): the SDK (about 100 MB) is never loaded by a bridge without EC2 endpoints. */
function sdkConnection(state: EndpointState): Promise<Ec2Connection> {
  const { adapter, endpoint, context } = state;
  const { options, policy } = adapter;
  return (state.connection ??= (async () => {
    const { createEc2Connection } = await import('./client.js');
    return createEc2Connection({
      endpoint,
      region: state.region,
      credentials: await credentialSourceFor(endpoint, options.credentials),
      maxAttempts: policy.maxAttempts,
      retryStrategy: createRetryStrategy(policy, {
        clock: context.clock,
        ...(state.bucket ? { bucket: state.bucket } : {}),
        signal: () => state.activeSignal,
        ...(options.random ? { random: options.random } : {}),
        onRetry: (retry) => context.logger.debug(retry, 'retrying DescribeInstances'),
      }),
      timeouts: options.requestTimeouts ?? requestTimeoutsFor(endpoint.intervalSeconds, policy),
      clock: context.clock,
      readFile: adapter.readFile,
      ...(context.onRequest ? { onRequest: context.onRequest } : {}),
      ...(context.targetCheck ? { targetCheck: context.targetCheck } : {}),
    });
  })().catch((error: unknown) => {
    state.connection = undefined;
    throw error;
  }));
}

/** One DescribeInstances call, its answer not read yet; any failure becomes the bridge's error for this endpoint. */
async function describe(state: EndpointState, input: DescribeInstancesCommandInput, callSignal: AbortSignal, onSending?: () => void): Promise<DescribeAnswer> {
  try {
    return await (await sdkConnection(state)).describe(input, callSignal, onSending);
  } catch (error) {
    throw toBridgeError(error, state.scope, callSignal);
  }
}

async function* listEndpoint(state: EndpointState, signal: AbortSignal): AsyncGenerator<readonly RawInstance[]> {
  const { endpoint, context, adapter } = state;
  state.activeSignal = signal;
  try {
    yield* listManagedInstances(
      {
        describe: (input, callSignal, onSending) => describe(state, input, callSignal, onSending),
        selector: endpoint.selector,
        stateOverrides: endpoint.stateOverrides,
        endpoint: endpoint.name,
        region: state.region,
        ...(adapter.options.pageSize !== undefined ? { pageSize: adapter.options.pageSize } : {}),
        onSkipped: ({ page, count, example }) =>
          context.logger.warn({ page, skipped: count, example }, `DescribeInstances page ${page} held ${count} instance(s) without DCM's tags despite the tag filters (e.g. ${example}); left out of the list`),
      },
      signal,
    );
  } finally {
    state.activeSignal = undefined;
  }
}

async function confirmAbsentInstances(state: EndpointState, platformIds: readonly string[], signal: AbortSignal): Promise<ReadonlyMap<string, AbsenceFinding>> {
  const { endpoint, context, adapter } = state;
  // Called between polls' listings, never during one: the retry waits follow this call's signal.
  const previous = state.activeSignal;
  state.activeSignal = signal;
  try {
    const { findings, calls } = await confirmInstancesAbsent(
      platformIds,
      { describe: (input, callSignal) => describe(state, input, callSignal), selector: endpoint.selector, endpoint: endpoint.name, region: state.region, ...(adapter.options.confirmBatchSize !== undefined ? { batchSize: adapter.options.confirmBatchSize } : {}) },
      signal,
    );
    const verdicts: Record<string, number> = {};
    for (const finding of findings.values()) verdicts[finding.verdict] = (verdicts[finding.verdict] ?? 0) + 1;
    context.logger.debug({ asked: platformIds.length, calls, verdicts }, 'asked EC2 about instances absent from the list');
    return findings;
  } finally {
    state.activeSignal = previous;
  }
}

async function closeEndpoint(state: EndpointState): Promise<void> {
  const closing = state.connection;
  state.connection = undefined;
  // A connection that failed to build has nothing to close.
  (await closing?.catch(() => undefined))?.destroy();
}
