import fc from 'fast-check';
import { applyTreeMutation, awkwardStrings, treeMutationArbitrary, type TreeMutation } from './config-arbitraries.js';
import { plantedSecrets } from './secrets.js';

/** One generated HTTP request. `{{page_token}}` in the query stands for the last `next_page_token` an answer carried. */
export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly steps: readonly string[];
}

/** Ids the requests keep reusing, so creates, patches, reads and deletes meet the same registrations. */
export const registrationIds = ['fz-0', 'fz-1', 'fz-2', 'fz-3', 'fz-4'] as const;

/** Where a registration may point and be accepted: TEST-NET-1, allowed by the API under fuzz, routed nowhere. */
const acceptedTarget = '192.0.2.10';

/**
 * Valid registrations (snake_case, as the API takes them) of every platform,
 * each carrying planted secrets in its credentials: the bodies the
 * mutations start from.
 */
export function registrationSeeds(stateFile: string): Array<Record<string, unknown>> {
  return [
    { platform: 'file', file: stateFile, interval_seconds: 30, credentials: { token: plantedSecrets.fileToken } },
    {
      platform: 'vsphere',
      url: `https://${acceptedTarget}`,
      api_flavor: 'rest',
      interval_seconds: 60,
      credentials: { username: 'svc@vsphere.local', password: plantedSecrets.vspherePassword },
      selector: { managed_by_key: 'owner', managed_by_value: 'dcm', instance_id_key: 'dcm-id' },
      state_overrides: { POWERED_OFF: 'STOPPED' },
      tls: { insecure_skip_verify: true },
    },
    {
      platform: 'openstack',
      url: `https://${acceptedTarget}/v3`,
      region: 'RegionOne',
      interface: 'internal',
      credentials: { username: 'dcm', password: plantedSecrets.openstackPassword, user_domain_name: 'Default', project_name: 'dcm', project_domain_name: 'Default' },
    },
    { platform: 'openstack', url: `https://${acceptedTarget}/identity`, credentials: { application_credential_id: '4d2f', application_credential_secret: plantedSecrets.applicationCredentialSecret } },
    {
      platform: 'ec2',
      url: `http://${acceptedTarget}:4566`,
      region: 'us-east-1',
      credentials: { access_key_id: plantedSecrets.ec2AccessKeyId, secret_access_key: plantedSecrets.ec2SecretAccessKey, session_token: plantedSecrets.ec2SessionToken },
    },
  ];
}

/** Percent-encodes `text`; a lone surrogate (which encodeURIComponent refuses) becomes the bytes of one, invalid UTF-8 the server must refuse. */
function encodeLoosely(text: string): string {
  const loneSurrogate = /([\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff])/;
  return text
    .split(loneSurrogate)
    .map((part, index) => (index % 2 === 1 ? '%ED%A0%80' : encodeURIComponent(part)))
    .join('');
}

const idArbitrary: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<string>(...registrationIds, 'lab') },
  { weight: 1, arbitrary: fc.constantFrom('', '.', '..', '%2e%2e', '%00', '%', '%zz', '%F0%9F', 'Lab', 'lab-', '-lab', 'a'.repeat(64), 'a'.repeat(5000), 'vm-1', 'inst-1', '%2F', 'lab%2Fstatus', 'lab;x', 'lab?x', 'lab%3Fid%3D1', 'é', '🙂') },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map(encodeLoosely) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 10 }).map(encodeLoosely) },
);

const pathArbitrary: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('/api/v1alpha1/endpoints', '/api/v1alpha1/vms', '/api/v1alpha1/vms/health', '/api/v1alpha1/openapi.json', '/health', '/healthz', '/readyz', '/metrics') },
  { weight: 12, arbitrary: idArbitrary.chain((id) => fc.constantFrom(`/api/v1alpha1/endpoints/${id}`, `/api/v1alpha1/endpoints/${id}/status`, `/api/v1alpha1/endpoints/${id}/release-held-deletions`, `/api/v1alpha1/vms/${id}`)) },
  { weight: 2, arbitrary: fc.constantFrom('/', '/api', '/api/v1alpha1/', '//api/v1alpha1/endpoints', '/api/v1alpha1/endpoints/', '/api/v1alpha1/endpoints/lab/', '/api/v1alpha1/endpoints/../vms', '/API/V1ALPHA1/ENDPOINTS', '/api/v1alpha1/endpoints/lab/status/extra', '/api/v1alpha1/vms/vm-1/x', '/api/v1alpha2/endpoints', '/metrics/', '/%2e%2e/%2e%2e/etc/passwd', `/${'x/'.repeat(2000)}`) },
  { weight: 1, arbitrary: fc.array(fc.string({ maxLength: 8 }).map(encodeLoosely), { maxLength: 6 }).map((segments) => `/${segments.join('/')}`) },
);

const queryValueArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('{{page_token}}', '{{page_token}}x', 'x{{page_token}}', '{{page_token}}=', 'AAAA', 'eyJ9', 'e30', '%', '%zz', '%00', '-1', '0', '1', '50', '1000', '1001', '1e3', '0x10', '1.5', 'NaN', 'RUNNING', 'DELETED', 'running', 'lab', 'fz-0', ...registrationIds),
  fc.constantFrom(...awkwardStrings).map(encodeLoosely),
  fc.base64String({ maxLength: 40 }).map(encodeLoosely),
  fc.string({ maxLength: 20 }).map(encodeLoosely),
  fc.integer().map(String),
  fc.constant('a'.repeat(10_000)),
);

const queryArbitrary: fc.Arbitrary<string> = fc.oneof(
  { weight: 1, arbitrary: fc.constant('') },
  {
    weight: 4,
    arbitrary: fc
      .array(fc.tuple(fc.oneof(fc.constantFrom('id', 'page_token', 'max_page_size', 'status', 'endpoint', 'pageToken', 'ID', 'id[]', 'status[0]', '__proto__', 'constructor', ''), fc.string({ maxLength: 8 }).map(encodeLoosely)), queryValueArbitrary), { maxLength: 4 })
      .map((pairs) => pairs.map(([name, value]) => `${name}=${value}`).join('&')),
  },
  { weight: 1, arbitrary: fc.constantFrom('&&&', '=', '==', 'id', 'id=a&id=b', 'status=RUNNING&status=STOPPED&status=RUNNING', 'max_page_size=1&page_token={{page_token}}', '%', '?', '#', 'a=%E0%A4%A') },
);

const tokenArbitrary: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 14, arbitrary: fc.constant(`Bearer ${plantedSecrets.apiWriteToken}`) },
  { weight: 2, arbitrary: fc.constant(`Bearer ${plantedSecrets.apiReadToken}`) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'Bearer',
      'Bearer ',
      'bearer ' + plantedSecrets.apiWriteToken,
      `Bearer ${plantedSecrets.apiWriteToken} `,
      `Bearer ${plantedSecrets.apiWriteToken}x`,
      `Bearer  ${plantedSecrets.apiWriteToken}`,
      `Basic ${Buffer.from(`admin:${plantedSecrets.apiWriteToken}`).toString('base64')}`,
      `Bearer ${plantedSecrets.apiWriteToken.slice(0, -1)}`,
      'Bearer ' + 'x'.repeat(8000),
      'Token abc',
      ',',
    ),
  },
);

const contentTypeArbitrary: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'application/merge-patch+json',
      'application/json; charset=utf-8',
      'application/json; charset=utf-16',
      'application/JSON',
      'application/json;',
      'text/plain',
      'text/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/problem+json',
      'application/octet-stream',
      '*/*',
      'application/json, text/plain',
      '',
      ';',
    ),
  },
);

/** Header values fetch accepts: visible ASCII and spaces, no line breaks. */
const headerValueArbitrary: fc.Arbitrary<string> = fc.oneof(fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 30 }), fc.constantFrom('', 'gzip', 'br', 'identity', 'chunked', '100-continue', '0', '-1', '99999999999', 'x'.repeat(4000)));

const extraHeadersArbitrary: fc.Arbitrary<Record<string, string>> = fc.dictionary(
  fc.oneof(fc.constantFrom('content-encoding', 'accept', 'accept-encoding', 'x-forwarded-for', 'x-forwarded-host', 'x-request-id', 'if-none-match', 'range', 'origin', 'cookie', 'x-http-method-override'), fc.stringMatching(/^x-[a-z0-9-]{1,12}$/)),
  headerValueArbitrary,
  { maxKeys: 3 },
);

/** JSON text the server must refuse cleanly: broken, deeply nested, duplicated keys, prototype keys, escapes. */
const rawBodyArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', 'null', 'true', '0', '""', '[]', '{}', '{', '}', '{"platform":', '{"platform":"file",}', "{'platform':'file'}", '{"platform":"file","platform":"vsphere"}', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}', '{"platform":"\\u0000"}', '{"platform":"\\ud800"}', '{"credentials":{"token":"\\u202e"}}', '\ufeff{}', 'NaN', '{"a":1e999}', '[1,2,'),
  fc.integer({ min: 1, max: 20_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.integer({ min: 1, max: 5_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  fc.integer({ min: 4_000, max: 100_000 }).map((size) => `{"platform":"file","file":"${'x'.repeat(size)}"}`),
  fc.string({ maxLength: 60 }),
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
);

type BodyPlan =
  | { readonly kind: 'registration'; readonly seed: number; readonly mutations: readonly TreeMutation[]; readonly keep: number }
  | { readonly kind: 'raw'; readonly text: string }
  | { readonly kind: 'none' };

/** What a request does: one of the API's operations (its method and path), or any method on any path. */
interface Target {
  readonly method: string;
  readonly path: string;
  /** Query parameters the operation takes, before the generated ones. */
  readonly query?: string;
  /** A PATCH keeps only some of a registration's fields. */
  readonly partial?: boolean;
}

const vmIdArbitrary: fc.Arbitrary<string> = fc.oneof({ weight: 3, arbitrary: fc.constantFrom('inst-1', 'inst-40', 'inst-41', 'inst-120', 'inst-121') }, { weight: 1, arbitrary: idArbitrary });

/** The API's operations, weighted towards the ones that take input. */
const operationArbitrary: fc.Arbitrary<Target> = fc.oneof(
  { weight: 8, arbitrary: fc.oneof({ weight: 4, arbitrary: fc.constantFrom<string>(...registrationIds) }, { weight: 1, arbitrary: idArbitrary }, { weight: 1, arbitrary: fc.constant('') }).map((id) => ({ method: 'POST', path: '/api/v1alpha1/endpoints', query: id === '' ? '' : `id=${id}` })) },
  { weight: 4, arbitrary: idArbitrary.map((id) => ({ method: 'PATCH', path: `/api/v1alpha1/endpoints/${id}`, partial: true })) },
  { weight: 3, arbitrary: idArbitrary.map((id) => ({ method: 'GET', path: `/api/v1alpha1/endpoints/${id}` })) },
  { weight: 2, arbitrary: idArbitrary.map((id) => ({ method: 'DELETE', path: `/api/v1alpha1/endpoints/${id}` })) },
  { weight: 2, arbitrary: idArbitrary.map((id) => ({ method: 'GET', path: `/api/v1alpha1/endpoints/${id}/status` })) },
  { weight: 1, arbitrary: idArbitrary.map((id) => ({ method: 'POST', path: `/api/v1alpha1/endpoints/${id}/release-held-deletions` })) },
  { weight: 3, arbitrary: fc.constant({ method: 'GET', path: '/api/v1alpha1/endpoints' }) },
  { weight: 4, arbitrary: fc.constant({ method: 'GET', path: '/api/v1alpha1/vms' }) },
  { weight: 2, arbitrary: vmIdArbitrary.map((id) => ({ method: 'GET', path: `/api/v1alpha1/vms/${id}` })) },
  { weight: 2, arbitrary: fc.constantFrom('/api/v1alpha1/vms/health', '/api/v1alpha1/openapi.json', '/health', '/healthz', '/readyz', '/metrics').map((path) => ({ method: 'GET', path })) },
);

const anyTargetArbitrary: fc.Arbitrary<Target> = fc.record({
  method: fc.oneof({ weight: 10, arbitrary: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE') }, { weight: 1, arbitrary: fc.constantFrom('PUT', 'HEAD', 'OPTIONS', 'Patch', 'PROPFIND', 'X-CUSTOM') }),
  path: pathArbitrary,
});

/**
 * Requests against the bridge's API: each operation with ids, paths and
 * query strings that are right or not (page tokens: the last real one,
 * altered, or forged), any method on any path, bearer tokens right and
 * wrong, content types, extra headers, and bodies: registrations of every
 * platform mutated like configurations (wrong types, nulls, unknown and
 * awkward keys, deep nesting, huge strings), partial ones as merge patches,
 * and raw text that is not the JSON it claims to be. Planted secrets ride
 * in the credentials and tokens.
 */
export function apiRequestArbitrary(options: { readonly stateFile: string; readonly plainFile: string; readonly declaredKeys: ReadonlySet<string> }): fc.Arbitrary<ApiRequest> {
  const seeds = registrationSeeds(options.stateFile);
  const body: fc.Arbitrary<BodyPlan> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('registration' as const), seed: fc.nat(), mutations: fc.oneof(fc.constant([]), fc.array(treeMutationArbitrary(options.plainFile), { minLength: 1, maxLength: 3 })), keep: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('raw' as const), text: rawBodyArbitrary }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  );
  const target = fc.oneof({ weight: 4, arbitrary: operationArbitrary }, { weight: 1, arbitrary: anyTargetArbitrary });
  const extraQuery = fc.oneof({ weight: 2, arbitrary: fc.constant('') }, { weight: 1, arbitrary: queryArbitrary });
  return fc.record({ target, extraQuery, authorization: tokenArbitrary, contentType: contentTypeArbitrary, extra: extraHeadersArbitrary, body }).map((plan) => {
    const steps: string[] = [];
    const { method, path } = plan.target;
    let text: string | undefined;
    if (plan.body.kind === 'registration') {
      const seed = seeds[plan.body.seed % seeds.length] as Record<string, unknown>;
      const keep = plan.body.keep;
      // A merge patch changes a few fields: keep a subset (chosen by the bits of `keep`). A copy either way: mutations work in place.
      let tree: unknown = structuredClone(plan.target.partial ? Object.fromEntries(Object.entries(seed).filter((_entry, index) => keep & (1 << index))) : seed);
      steps.push(`${plan.target.partial ? 'patch from' : 'registration of'} ${String(seed['platform'])}`);
      for (const mutation of plan.body.mutations) tree = applyTreeMutation(tree, mutation, options.declaredKeys, steps);
      text = jsonOf(tree);
    } else if (plan.body.kind === 'raw') {
      text = plan.body.text;
    }
    // GET and HEAD cannot carry a body in fetch.
    if (method === 'GET' || method === 'HEAD') text = undefined;
    const headers: Record<string, string> = { ...plan.extra };
    if (plan.authorization !== undefined) headers['authorization'] = plan.authorization;
    const contentType = plan.target.partial && plan.contentType === 'application/json' ? 'application/merge-patch+json' : plan.contentType;
    if (contentType !== undefined && text !== undefined) headers['content-type'] = contentType;
    const query = [plan.target.query ?? '', plan.extraQuery].filter((part) => part !== '').join('&');
    return { method, path, query, headers, ...(text !== undefined ? { body: text } : {}), steps };
  });
}

/** JSON text of a mutated body; NaN and infinities (which JSON lacks) become strings, a cycle becomes a self-reference marker. */
function jsonOf(tree: unknown): string {
  const seen = new Set<object>();
  return (
    JSON.stringify(tree, (_key, value: unknown) => {
      if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
      if (value !== null && typeof value === 'object') {
        if (seen.has(value)) return '[shared]';
        seen.add(value);
      }
      return value;
    }) ?? 'null'
  );
}
