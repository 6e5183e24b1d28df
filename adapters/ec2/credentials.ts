import type { EC2ClientConfig } from '@aws-sdk/client-ec2';
import type { EndpointConfig } from '../../src/config/index.js';
import { ec2CredentialsOf, ec2OptionsOf } from './config-schema.js';

/** What `EC2Client` accepts as `credentials`. */
export type Ec2CredentialSource = NonNullable<EC2ClientConfig['credentials']>;

/** Where credentials come from besides the endpoint; all optional, for tests and private networks. */
export interface CredentialSettings {
  /**
   * Shared files for `profile` (and the default chain's profile step).
   * Default: the SDK's own lookup (`AWS_SHARED_CREDENTIALS_FILE`,
   * `AWS_CONFIG_FILE`, then `~/.aws/credentials` and `~/.aws/config`).
   */
  readonly sharedFiles?: { readonly credentialsFile?: string; readonly configFile?: string };
  /** STS endpoint for `roleArn` (an STS VPC endpoint, a test stub). Default: the region's public STS. */
  readonly stsEndpoint?: string;
  /** Timeouts of the STS client, so assuming a role cannot hang a poll. */
  readonly stsTimeouts?: { readonly connectionTimeoutMs: number; readonly requestTimeoutMs: number };
}

/**
 * The credential source of an endpoint, built from the SDK's own providers
 * (nothing is signed or resolved by hand):
 * - explicit `credentials.accessKeyId`/`secretAccessKey` (+ `sessionToken`): static keys;
 * - `profile`: `fromIni` (static keys, SSO, credential_process, role chains in the profile);
 * - neither: `fromNodeProviderChain` (environment, profiles, SSO, web identity, ECS/EC2 roles);
 * - `roleArn`: `fromTemporaryCredentials` on top of whichever base the above gave.
 *
 * `@aws-sdk/credential-providers` is imported here, on first use, so that
 * loading the adapter does not load the SDK.
 */
export async function credentialSourceFor(endpoint: EndpointConfig, settings: CredentialSettings = {}): Promise<Ec2CredentialSource> {
  const options = ec2OptionsOf(endpoint);
  const keys = ec2CredentialsOf(endpoint);
  const files = {
    ...(settings.sharedFiles?.credentialsFile !== undefined ? { filepath: settings.sharedFiles.credentialsFile } : {}),
    ...(settings.sharedFiles?.configFile !== undefined ? { configFilepath: settings.sharedFiles.configFile } : {}),
  };
  const staticKeys = keys.accessKeyId !== undefined && keys.secretAccessKey !== undefined;
  if (staticKeys && options.roleArn === undefined) return { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey, ...(keys.sessionToken !== undefined ? { sessionToken: keys.sessionToken } : {}) };
  const { fromIni, fromNodeProviderChain, fromTemporaryCredentials } = await import('@aws-sdk/credential-providers');
  const base: Ec2CredentialSource =
    keys.accessKeyId !== undefined && keys.secretAccessKey !== undefined
      ? { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey, ...(keys.sessionToken !== undefined ? { sessionToken: keys.sessionToken } : {}) }
      : options.profile !== undefined
        ? fromIni({ profile: options.profile, ...files })
        : fromNodeProviderChain(files);
  if (options.roleArn === undefined) return base;
  return fromTemporaryCredentials({
    masterCredentials: base,
    params: {
      RoleArn: options.roleArn,
      // CloudTrail shows this name: it tells an auditor which bridge endpoint made the calls.
      RoleSessionName: options.roleSessionName ?? `dcm-poll-bridge-${endpoint.name}`.slice(0, 64),
      ...(options.externalId !== undefined ? { ExternalId: options.externalId } : {}),
    },
    clientConfig: {
      region: options.region,
      ...(settings.stsEndpoint !== undefined ? { endpoint: settings.stsEndpoint } : {}),
      // Its own handler: the EC2 one may trust only a private CA (tls.caFile) that STS does not use.
      requestHandler: {
        connectionTimeout: settings.stsTimeouts?.connectionTimeoutMs ?? 3000,
        requestTimeout: settings.stsTimeouts?.requestTimeoutMs ?? 10_000,
        throwOnRequestTimeout: true,
      },
    },
  });
}

/**
 * The key of the account whose EC2 request bucket an endpoint draws from.
 * EC2 throttles per account and region; learning the account id of a key
 * takes an extra STS call, so the best local stand-in is used: the account
 * in `roleArn` (exact), else the access key id, else the profile name, else
 * the default chain. Two keys of one account thus get separate buckets
 * (the bridge may then ask for more than its share; EC2's RequestLimitExceeded
 * still stops it), never the other way round. The EC2 endpoint URL is part of
 * the key, since an EC2-compatible cloud has buckets of its own.
 */
export function accountKeyOf(endpoint: EndpointConfig): string {
  const options = ec2OptionsOf(endpoint);
  const keys = ec2CredentialsOf(endpoint);
  const account = options.roleArn?.split(':')[4];
  const principal = account ? `account:${account}` : keys.accessKeyId ? `key:${keys.accessKeyId}` : options.profile ? `profile:${options.profile}` : 'default-chain';
  return `${principal} ${options.region} ${endpoint.url ?? 'aws'}`;
}
