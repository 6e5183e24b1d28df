import type { DescribeInstancesCommandInput, DescribeInstancesCommandOutput } from '@aws-sdk/client-ec2';
import { readFileSync } from 'node:fs';
import type { PlatformAdapter } from '../../src/adapter/index.js';
import { confirmInstancesAbsent } from './absence.js';
import type { Ec2Connection } from './client.js';
import { ec2CredentialsOf, ec2OptionsOf } from './config-schema.js';
import { accountKeyOf, credentialSourceFor, type CredentialSettings } from './credentials.js';
import { toBridgeError, type ErrorScope } from './errors.js';
import { listManagedInstances } from './listing.js';
import { describeEc2Platform } from './platform.js';
import { createRetryStrategy, defaultRetryPolicy, requestTimeoutsFor, type RequestTimeouts, type RetryPolicy } from './retry-strategy.js';
import { createAccountBuckets, defaultBucketSettings, type AccountBuckets, type TokenBucketSettings } from './token-bucket.js';

/** Tuning and dependencies of the adapter; the defaults suit real EC2, tests make waits short. */
export interface Ec2AdapterOptions {
  /** SDK retries per call. Default {@link defaultRetryPolicy}. */
  readonly retryPolicy?: Partial<RetryPolicy>;
  /** The per-account request bucket when the bridge gives none (`AdapterContext.rateLimit`). Default {@link defaultBucketSettings}. */
  readonly bucket?: TokenBucketSettings;
  /** Shares buckets with another adapter instance (tests); default: a registry of this instance's own. */
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
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...options.retryPolicy };
  const buckets = options.accountBuckets ?? createAccountBuckets(options.bucket ?? defaultBucketSettings);
  const readFile = options.readFile ?? ((path: string) => readFileSync(path));
  return {
    ...describeEc2Platform(options.minimumIntervalSeconds),
    connect(endpoint, context) {
      const { region } = ec2OptionsOf(endpoint);
      const keys = ec2CredentialsOf(endpoint);
      const scope: ErrorScope = { endpoint: endpoint.name, region, secrets: [keys.secretAccessKey, keys.sessionToken, keys.accessKeyId].filter((value): value is string => value !== undefined) };
      // The bridge's bucket (rateLimits.ec2: shared by the account's endpoints on every replica) when it gives one; else this adapter's own.
      const bucket = context.rateLimit ? context.rateLimit(accountKeyOf(endpoint)) : buckets.forAccount(accountKeyOf(endpoint), context.clock);
      // Polls of one endpoint never overlap (scheduler invariant), so one slot suffices.
      let activeSignal: AbortSignal | undefined;
      let connection: Promise<Ec2Connection> | undefined;
      // The SDK (about 100 MB) is loaded by the first call, never by a bridge without EC2 endpoints.
      const connectionOf = (): Promise<Ec2Connection> =>
        (connection ??= (async () => {
          const { createEc2Connection } = await import('./client.js');
          return createEc2Connection({
            endpoint,
            region,
            credentials: await credentialSourceFor(endpoint, options.credentials),
            maxAttempts: policy.maxAttempts,
            retryStrategy: createRetryStrategy(policy, {
              clock: context.clock,
              bucket,
              signal: () => activeSignal,
              ...(options.random ? { random: options.random } : {}),
              onRetry: (retry) => context.logger.debug(retry, 'retrying DescribeInstances'),
            }),
            timeouts: options.requestTimeouts ?? requestTimeoutsFor(endpoint.intervalSeconds, policy),
            readFile,
            ...(context.onRequest ? { onRequest: context.onRequest } : {}),
            ...(context.targetCheck ? { targetCheck: context.targetCheck } : {}),
          });
        })().catch((error: unknown) => {
          connection = undefined;
          throw error;
        }));
      const describe = async (input: DescribeInstancesCommandInput, callSignal: AbortSignal): Promise<DescribeInstancesCommandOutput> => {
        try {
          return await (await connectionOf()).describe(input, callSignal);
        } catch (error) {
          throw toBridgeError(error, scope, callSignal);
        }
      };
      return {
        async *list(signal) {
          activeSignal = signal;
          try {
            yield* listManagedInstances(
              {
                describe,
                selector: endpoint.selector,
                stateOverrides: endpoint.stateOverrides,
                endpoint: endpoint.name,
                region,
                ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
                onSkipped: ({ page, count, example }) =>
                  context.logger.warn({ page, skipped: count, example }, `DescribeInstances page ${page} held ${count} instance(s) without DCM's tags despite the tag filters (e.g. ${example}); left out of the list`),
              },
              signal,
            );
          } finally {
            activeSignal = undefined;
          }
        },
        async confirmAbsence(platformIds, signal) {
          // Called between polls' listings, never during one: the retry waits follow this call's signal.
          const previous = activeSignal;
          activeSignal = signal;
          try {
            const { findings, calls } = await confirmInstancesAbsent(platformIds, { describe, selector: endpoint.selector, endpoint: endpoint.name, region, ...(options.confirmBatchSize !== undefined ? { batchSize: options.confirmBatchSize } : {}) }, signal);
            const verdicts: Record<string, number> = {};
            for (const finding of findings.values()) verdicts[finding.verdict] = (verdicts[finding.verdict] ?? 0) + 1;
            context.logger.debug({ asked: platformIds.length, calls, verdicts }, 'asked EC2 about instances absent from the list');
            return findings;
          } finally {
            activeSignal = previous;
          }
        },
        async close() {
          const closing = connection;
          connection = undefined;
          // A connection that failed to build has nothing to close.
          (await closing?.catch(() => undefined))?.destroy();
        },
      };
    },
  };
}
