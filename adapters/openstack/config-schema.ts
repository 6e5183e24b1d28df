import type { Schema } from 'convict';
import { describedFormat } from '../../src/config/index.js';

type Format = (value: unknown) => void;

/** The interfaces a Keystone catalog lists endpoints under. */
export const endpointInterfaces = ['public', 'internal', 'admin'] as const;
export type EndpointInterface = (typeof endpointInterfaces)[number];

/** Where a server's DCM instance id is read. */
export const instanceIdSources = ['metadata', 'tag'] as const;
export type InstanceIdSource = (typeof instanceIdSources)[number];

const optionalText: Format = describedFormat(
  (value) => {
    if (value === null || value === undefined) return;
    if (typeof value !== 'string' || value.trim() === '') throw new Error('must be a non-empty string when given');
  },
  { text: 'non-empty string', jsonSchema: { type: 'string', pattern: '\\S' } },
);

function optionalOneOf(allowed: readonly string[]): Format {
  return describedFormat(
    (value) => {
      if (value === null || value === undefined) return;
      if (typeof value !== 'string' || !allowed.includes(value)) throw new Error(`must be one of ${allowed.join(', ')}`);
    },
    { text: `one of ${allowed.map((entry) => `\`${entry}\``).join(', ')}`, jsonSchema: { type: 'string', enum: [...allowed] } },
  );
}

function wholeSecondsAtLeast(minimum: number): Format {
  return describedFormat(
    (value) => {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error('must be a whole number of seconds');
      if (value < minimum) throw new Error(`must be at least ${minimum}`);
    },
    { text: `whole number of seconds ≥ ${minimum}`, jsonSchema: { type: 'integer', minimum } },
  );
}

const optionalHttpUrl: Format = describedFormat((value) => {
  if (value === null || value === undefined) return;
  optionalText(value);
  let url: URL;
  try {
    url = new URL(value as string);
  } catch {
    throw new Error('must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('must use https or http');
  if (url.search !== '' || url.username !== '' || url.password !== '') throw new Error('must be the compute endpoint without query string or user info (https://nova.example/v2.1)');
}, { text: 'URL (https://…, http://…) without query or user info', jsonSchema: { type: 'string', pattern: '^https?://[^?@]+$' } });

const credential = (doc: string, sensitive = false): Schema<Record<string, unknown>>[string] => ({ doc, format: optionalText, default: null, nullable: true, ...(sensitive ? { sensitive: true } : {}) });

/**
 * The OpenStack keys of an endpoint, beside the common ones, and its
 * `credentials`. Every key is optional here: which ones an endpoint needs
 * depends on the others (and on clouds.yaml), so `validateOpenstackEndpoint`
 * checks the combination. `interface` has no schema default so a clouds.yaml
 * `interface` is not shadowed; `public` applies after merging.
 */
export const openstackConfigSchema: { readonly options: Schema<Record<string, unknown>>; readonly credentials: Schema<Record<string, unknown>> } = {
  options: {
    region: { doc: 'Catalog region of the compute endpoint (clouds.yaml region_name); required when the catalog offers several.', format: optionalText, default: null, nullable: true },
    interface: { doc: 'Catalog interface: public (default), internal or admin.', format: optionalOneOf(endpointInterfaces), default: null, nullable: true },
    computeUrl: { doc: 'Nova endpoint (https://nova.example/v2.1); skips the service catalog.', format: optionalHttpUrl, default: null, nullable: true },
    cloud: { doc: 'Name of a clouds.yaml entry giving auth_url, credentials, region_name and interface; inline keys win over it.', format: optionalText, default: null, nullable: true },
    instanceIdSource: { doc: 'Where the DCM instance id is: metadata (key selector.instanceIdKey) or tag (<instanceIdKey>=<id>).', format: optionalOneOf(instanceIdSources), default: 'metadata' },
    changesSinceMaxAgeSeconds: {
      doc: "Oldest changes-since cursor an incremental poll uses (Nova's clock); older ones list in full. Keep it below how long Nova keeps deleted servers (its archive_deleted_rows schedule).",
      format: wholeSecondsAtLeast(60),
      default: 21600,
    },
  },
  credentials: {
    username: credential('Keystone user name (password auth).'),
    password: credential("The user's password; write ${env:…} or ${file:…}.", true),
    userDomainName: credential("The user's domain, e.g. Default."),
    projectName: credential('Project the token is scoped to (its servers are listed).'),
    projectDomainName: credential("The project's domain, e.g. Default."),
    applicationCredentialId: credential('Application credential id (instead of the password keys).'),
    applicationCredentialSecret: credential('Application credential secret; write ${env:…} or ${file:…}.', true),
  },
};
