import type { Schema } from 'convict';
import { describedFormat, type EndpointConfig } from '../../src/config/index.js';
import type { ValidationIssue } from '../../src/errors/index.js';

type Format = (value: unknown) => void;

/** The EC2 keys of an endpoint as `EndpointConfig.options` holds them once validated. */
export interface Ec2Options {
  readonly region: string;
  readonly profile: string | undefined;
  readonly roleArn: string | undefined;
  readonly externalId: string | undefined;
  readonly roleSessionName: string | undefined;
}

/** The EC2 credentials of an endpoint; all optional (absent → the SDK's default chain). */
export interface Ec2Credentials {
  readonly accessKeyId: string | undefined;
  readonly secretAccessKey: string | undefined;
  readonly sessionToken: string | undefined;
}

/** A convict format: unset is fine; when set, a string matching `pattern`. */
function optionalMatching(pattern: RegExp, shape: string): Format {
  return describedFormat(
    (value) => {
      if (value === null || value === undefined) return;
      if (typeof value !== 'string' || value.trim() === '') throw new Error(`must be a non-empty string (${shape})`);
      if (!pattern.test(value)) throw new Error(`must be ${shape}; got ${JSON.stringify(value)}`);
    },
    { text: shape, jsonSchema: { type: 'string', pattern: pattern.source } },
  );
}

/** Like {@link optionalMatching} for secrets: the message never repeats the value. */
const optionalSecret: Format = describedFormat(
  (value) => {
    if (value === null || value === undefined) return;
    if (typeof value !== 'string' || value.trim() === '') throw new Error('must be a non-empty string; write ${env:…} or ${file:…}');
  },
  { text: 'non-empty string', jsonSchema: { type: 'string', pattern: '\\S' } },
);

// The SDK puts the region into a host name (ec2.<region>.amazonaws.com), so it is a DNS label.
const regionPattern = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const regionFormat: Format = describedFormat(
  (value) => {
    if (value === null || value === undefined || value === '') throw new Error('is required: the AWS region whose instances this endpoint lists, e.g. us-east-1 (EC2-compatible clouds: the region their signatures use)');
    optionalMatching(regionPattern, 'a region name such as us-east-1')(value);
  },
  { text: 'a region name such as us-east-1', jsonSchema: { type: 'string', pattern: regionPattern.source } },
);

/** The EC2 keys of an endpoint, beside the common ones (convict fragments, see `validateEndpoint`). */
export const ec2ConfigSchema: { readonly options: Schema<Record<string, unknown>>; readonly credentials: Schema<Record<string, unknown>> } = {
  options: {
    region: { doc: 'AWS region, e.g. eu-central-1; required (the bridge never guesses it from the environment).', format: regionFormat, default: null },
    profile: { doc: 'Shared config/credentials profile (~/.aws/config, ~/.aws/credentials): static keys, SSO, credential_process or role chains.', format: optionalMatching(/^[\w+=,.@:/-]+$/, 'a profile name'), default: null, nullable: true },
    roleArn: { doc: 'IAM role to assume with STS on top of the base credentials, e.g. arn:aws:iam::123456789012:role/dcm-poll-bridge.', format: optionalMatching(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)'), default: null, nullable: true },
    externalId: { doc: 'External id the role trust policy requires (third-party access), with roleArn only.', format: optionalMatching(/^[\w+=,.@:/-]{2,1224}$/, '2–1224 characters of letters, digits and +=,.@:/-'), default: null, nullable: true },
    roleSessionName: { doc: 'Session name shown in CloudTrail for the assumed role; default dcm-poll-bridge-<endpoint name>.', format: optionalMatching(/^[\w+=,.@-]{2,64}$/, '2–64 characters of letters, digits and +=,.@-'), default: null, nullable: true },
  },
  credentials: {
    accessKeyId: { doc: 'Access key id (AKIA…/ASIA…); with secretAccessKey, or leave both out for the default chain.', format: optionalSecret, default: null, nullable: true, sensitive: true },
    secretAccessKey: { doc: 'Its secret; write ${env:…} or ${file:…}.', format: optionalSecret, default: null, nullable: true, sensitive: true },
    sessionToken: { doc: 'Session token of temporary keys (ASIA…), with both key parts.', format: optionalSecret, default: null, nullable: true, sensitive: true },
  },
};

/** Reads the validated EC2 keys of an endpoint (convict leaves unset keys null). */
export function ec2OptionsOf(endpoint: EndpointConfig): Ec2Options {
  const text = (key: string): string | undefined => {
    const value = endpoint.options[key];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  return { region: text('region') ?? '', profile: text('profile'), roleArn: text('roleArn'), externalId: text('externalId'), roleSessionName: text('roleSessionName') };
}

/** Reads the EC2 credentials of an endpoint; empty values count as unset. */
export function ec2CredentialsOf(endpoint: EndpointConfig): Ec2Credentials {
  const text = (key: string): string | undefined => {
    const value = endpoint.credentials[key];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  return { accessKeyId: text('accessKeyId'), secretAccessKey: text('secretAccessKey'), sessionToken: text('sessionToken') };
}

/**
 * Cross-field rules the schema cannot express, with key paths relative to the
 * endpoint: a key pair is whole or absent, a session token needs a pair, a
 * profile and explicit keys are two answers to one question, and the role
 * options need a role.
 */
export function validateEc2Endpoint(endpoint: EndpointConfig): ValidationIssue[] {
  const options = ec2OptionsOf(endpoint);
  const credentials = ec2CredentialsOf(endpoint);
  const issues: ValidationIssue[] = [];
  if (credentials.accessKeyId !== undefined && credentials.secretAccessKey === undefined) {
    issues.push({ path: 'credentials.secretAccessKey', message: 'is required with credentials.accessKeyId (give both parts of the key, or neither to use the default credential chain)' });
  }
  if (credentials.secretAccessKey !== undefined && credentials.accessKeyId === undefined) {
    issues.push({ path: 'credentials.accessKeyId', message: 'is required with credentials.secretAccessKey (give both parts of the key, or neither to use the default credential chain)' });
  }
  if (credentials.sessionToken !== undefined && (credentials.accessKeyId === undefined || credentials.secretAccessKey === undefined)) {
    issues.push({ path: 'credentials.sessionToken', message: 'needs credentials.accessKeyId and credentials.secretAccessKey (a session token belongs to a temporary key pair)' });
  }
  if (options.profile !== undefined && (credentials.accessKeyId !== undefined || credentials.secretAccessKey !== undefined)) {
    issues.push({ path: 'profile', message: 'cannot be combined with credentials.accessKeyId/secretAccessKey: both name the base credentials; keep one' });
  }
  for (const key of ['externalId', 'roleSessionName'] as const) {
    if (options[key] !== undefined && options.roleArn === undefined) issues.push({ path: key, message: 'only applies with roleArn' });
  }
  return issues;
}
