import type { EndpointConfig } from '../../src/config/index.js';
import type { ValidationIssue } from '../../src/errors/index.js';
import { findCloud, type CloudEntry, type CloudsYamlSources } from './clouds-yaml.js';
import { endpointInterfaces, type EndpointInterface, type InstanceIdSource } from './config-schema.js';

/**
 * How old a `changes-since` cursor may be, on Nova's clock, unless the
 * endpoint's `changesSinceMaxAgeSeconds` says otherwise. Nova shows a deleted
 * server only until its row is archived (`nova-manage db
 * archive_deleted_rows`, commonly a daily cron); a cursor older than that
 * could miss deletions, so it is refused and the core lists in full.
 */
export const defaultChangesSinceMaxAgeSeconds = 6 * 3600;

/** How the bridge authenticates to Keystone; secrets live only here and in request bodies. */
export type OpenstackAuth =
  | {
      readonly method: 'password';
      readonly username: string;
      readonly password: string;
      readonly userDomainName: string;
      readonly projectName: string;
      readonly projectDomainName: string;
    }
  | { readonly method: 'application_credential'; readonly id: string; readonly secret: string };

/** One endpoint's OpenStack settings after inline keys and clouds.yaml are merged and checked. */
export interface OpenstackSettings {
  /** Keystone v3 root, always ending in `/v3`. */
  readonly authUrl: string;
  readonly auth: OpenstackAuth;
  readonly region: string | undefined;
  readonly interface: EndpointInterface;
  /** Set: the catalog is not read. */
  readonly computeUrl: string | undefined;
  readonly instanceIdSource: InstanceIdSource;
  /** The Nova server tag marking DCM's servers, `<managedByKey>=<managedByValue>`. */
  readonly managedByTag: string;
  readonly instanceIdKey: string;
  /** Oldest `changes-since` cursor an incremental listing accepts, in seconds of Nova's clock. */
  readonly changesSinceMaxAgeSeconds: number;
  /** The secret values, so error texts can be scrubbed of them. */
  readonly secrets: readonly string[];
}

/** The password-auth credential keys, each with its clouds.yaml spelling. */
const passwordKeys = { username: 'username', password: 'password', userDomainName: 'user_domain_name', projectName: 'project_name', projectDomainName: 'project_domain_name' } as const;
const applicationCredentialKeys = { applicationCredentialId: 'application_credential_id', applicationCredentialSecret: 'application_credential_secret' } as const;
type CredentialKey = keyof typeof passwordKeys | keyof typeof applicationCredentialKeys;
type Method = OpenstackAuth['method'];

/** clouds.yaml `auth_type` values the bridge speaks (keystoneauth plugin names). */
const authTypes: Readonly<Record<string, Method>> = {
  password: 'password',
  v3password: 'password',
  v3applicationcredential: 'application_credential',
  applicationcredential: 'application_credential',
};

/** Nova tags: at most 60 characters, no `/` or `,` (api-ref "Server tags"). */
export const maxTagLength = 60;

/** Why `tag` cannot be a Nova server tag, or undefined. */
export function tagProblem(tag: string): string | undefined {
  if (tag.length > maxTagLength) return `makes the Nova tag "${tag}", longer than ${maxTagLength} characters`;
  if (/[/,]/.test(tag)) return `makes the Nova tag "${tag}", and Nova tags may not contain "/" or ","`;
  return undefined;
}

interface Merge {
  readonly cloud: { readonly name: string; readonly file: string; readonly entry: CloudEntry } | undefined;
  readonly issues: ValidationIssue[];
}

/**
 * Merges an endpoint's inline keys over its clouds.yaml entry (if `cloud` is
 * set) and checks the result: an auth URL, exactly one complete auth method, a
 * known interface, a selector that fits in Nova tags. Issue paths are
 * relative to the endpoint (`credentials.projectName`) and never quote a
 * secret. Reads clouds.yaml through `sources`; no other I/O.
 */
export function resolveOpenstackSettings(endpoint: EndpointConfig, sources: CloudsYamlSources): { settings?: OpenstackSettings; issues: ValidationIssue[] } {
  const { cloud, issues } = loadCloud(endpoint, sources);
  // Without the entry, "url is required" and the like would only repeat the one real problem.
  if (issues.length > 0) return { issues };
  const fromCloud = cloud?.entry ?? {};
  const where = cloud ? ` (nor in cloud "${cloud.name}" of ${cloud.file})` : '';

  const authUrl = resolveAuthUrl(endpoint.url ?? fromCloud.authUrl, cloud, issues);
  const auth = resolveAuth(endpoint, fromCloud, where, issues);
  const interfaceName = normalizeInterface(stringOption(endpoint, 'interface') ?? fromCloud.interface ?? 'public');
  if (!(endpointInterfaces as readonly string[]).includes(interfaceName)) {
    issues.push({ path: 'cloud', message: `cloud "${cloud?.name ?? ''}" gives interface "${interfaceName}"; it must be one of ${endpointInterfaces.join(', ')}` });
  }
  const instanceIdSource = (stringOption(endpoint, 'instanceIdSource') ?? 'metadata') as InstanceIdSource;
  const managedByTag = `${endpoint.selector.managedByKey}=${endpoint.selector.managedByValue}`;
  const managedProblem = tagProblem(managedByTag);
  if (managedProblem) issues.push({ path: 'selector.managedByValue', message: `with selector.managedByKey ${managedProblem}` });
  if (instanceIdSource === 'tag') {
    const key = endpoint.selector.instanceIdKey;
    if (/[/,]/.test(key)) issues.push({ path: 'selector.instanceIdKey', message: 'must not contain "/" or "," with instanceIdSource: tag (Nova tags may not)' });
    else if (key.length + 2 > maxTagLength) issues.push({ path: 'selector.instanceIdKey', message: `is too long for instanceIdSource: tag: "${key}=<id>" must fit in ${maxTagLength} characters` });
  }
  if (issues.length > 0 || !authUrl || !auth) return { issues };

  const secrets = auth.method === 'password' ? [auth.password] : [auth.secret];
  return {
    issues,
    settings: Object.freeze({
      authUrl,
      auth: Object.freeze(auth),
      region: stringOption(endpoint, 'region') ?? fromCloud.regionName,
      interface: interfaceName as EndpointInterface,
      computeUrl: stringOption(endpoint, 'computeUrl')?.replace(/\/+$/, ''),
      instanceIdSource,
      managedByTag,
      instanceIdKey: endpoint.selector.instanceIdKey,
      changesSinceMaxAgeSeconds: typeof endpoint.options['changesSinceMaxAgeSeconds'] === 'number' ? endpoint.options['changesSinceMaxAgeSeconds'] : defaultChangesSinceMaxAgeSeconds,
      secrets: Object.freeze(secrets),
    }),
  };
}

function loadCloud(endpoint: EndpointConfig, sources: CloudsYamlSources): Merge {
  const name = stringOption(endpoint, 'cloud');
  if (name === undefined) return { cloud: undefined, issues: [] };
  // A registrant over REST must not borrow the credentials of the bridge host's clouds.yaml.
  if (endpoint.origin === 'api') return { cloud: undefined, issues: [{ path: 'cloud', message: "names an entry of the bridge host's clouds.yaml, which only endpoints of the configuration file may use; give url and credentials instead" }] };
  const lookup = findCloud(name, sources);
  if (!lookup.ok) return { cloud: undefined, issues: [{ path: 'cloud', message: lookup.message }] };
  return { cloud: { name, file: lookup.file, entry: lookup.entry }, issues: [] };
}

/** `…/v3` stays; a versionless root (`https://keystone.example:5000`, `…/identity`) gets `/v3`. */
function resolveAuthUrl(given: string | undefined, cloud: Merge['cloud'], issues: ValidationIssue[]): string | undefined {
  const path = cloud && given === cloud.entry.authUrl ? 'cloud' : 'url';
  const subject = path === 'cloud' ? `auth.auth_url of cloud "${cloud?.name ?? ''}" in ${cloud?.file ?? ''}` : 'the Keystone auth URL';
  if (given === undefined) {
    issues.push({ path: 'url', message: cloud ? `is required: cloud "${cloud.name}" in ${cloud.file} has no auth.auth_url` : 'is required: the Keystone v3 auth URL (https://keystone.example/v3), unless cloud names a clouds.yaml entry' });
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    // Never quoted: a URL may carry a password (the schema's URL formats say the same).
    issues.push({ path, message: `${subject} must be an absolute http(s) URL` });
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') issues.push({ path, message: `${subject} must use https or http` });
  if (url.search !== '' || url.username !== '' || url.password !== '') issues.push({ path, message: `${subject} must not carry a query string or user info` });
  const root = url.pathname.replace(/\/+$/, '');
  if (/\/v2(\.0)?$/.test(root)) {
    issues.push({ path, message: `${subject} points at Keystone v2.0, which was removed in Queens; give the v3 URL (…/v3)` });
    return undefined;
  }
  return `${url.origin}${/\/v3$/.test(root) ? root : `${root}/v3`}`;
}

function resolveAuth(endpoint: EndpointConfig, fromCloud: CloudEntry, where: string, issues: ValidationIssue[]): OpenstackAuth | undefined {
  const inline = (key: CredentialKey): string | undefined => endpoint.credentials[key] || undefined;
  const value = (key: CredentialKey): string | undefined => inline(key) ?? fromCloud[key];
  const someInline = (keys: object): boolean => Object.keys(keys).some((key) => inline(key as CredentialKey) !== undefined);
  const someInCloud = (keys: object): boolean => Object.keys(keys).some((key) => fromCloud[key as CredentialKey] !== undefined);

  const inlinePassword = someInline(passwordKeys);
  const inlineApplication = someInline(applicationCredentialKeys);
  if (inlinePassword && inlineApplication) {
    issues.push({ path: 'credentials', message: 'give either the password keys (username, password, userDomainName, projectName, projectDomainName) or the application credential keys (applicationCredentialId, applicationCredentialSecret), not both' });
    return undefined;
  }
  let method: Method | undefined = inlinePassword ? 'password' : inlineApplication ? 'application_credential' : undefined;
  if (method === undefined && fromCloud.authType !== undefined) {
    method = authTypes[fromCloud.authType];
    if (method === undefined) {
      issues.push({ path: 'cloud', message: `auth_type "${fromCloud.authType}" is not supported; use password (v3password) or v3applicationcredential` });
      return undefined;
    }
  }
  if (method === undefined) {
    const password = someInCloud(passwordKeys);
    const application = someInCloud(applicationCredentialKeys);
    if (password && application) {
      issues.push({ path: 'cloud', message: 'the clouds.yaml entry has both password and application credential keys; set its auth_type' });
      return undefined;
    }
    method = application ? 'application_credential' : password ? 'password' : undefined;
  }
  if (method === undefined) {
    issues.push({
      path: 'credentials',
      message: 'give username, password, userDomainName, projectName and projectDomainName (password auth), or applicationCredentialId and applicationCredentialSecret, or name a clouds.yaml entry with cloud',
    });
    return undefined;
  }

  const keys = method === 'password' ? passwordKeys : applicationCredentialKeys;
  const missing = Object.keys(keys).filter((key) => value(key as CredentialKey) === undefined);
  for (const key of missing) {
    const label = method === 'password' ? 'password authentication' : 'application credential authentication';
    issues.push({ path: `credentials.${key}`, message: `is required for ${label}${where}` });
  }
  if (missing.length > 0) return undefined;
  const get = (key: CredentialKey): string => value(key) ?? '';
  return method === 'password'
    ? { method, username: get('username'), password: get('password'), userDomainName: get('userDomainName'), projectName: get('projectName'), projectDomainName: get('projectDomainName') }
    : { method, id: get('applicationCredentialId'), secret: get('applicationCredentialSecret') };
}

/** keystoneauth also accepts the v2-era spellings `publicURL`, `internalURL`, `adminURL`. */
function normalizeInterface(value: string): string {
  return value.replace(/URL$/, '');
}

function stringOption(endpoint: EndpointConfig, key: string): string | undefined {
  const value = endpoint.options[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
