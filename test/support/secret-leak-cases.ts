/**
 * Bad configurations and registrations whose values are secrets (issue #10,
 * "Validation messages echo secrets"): each names the secret that must never
 * be printed and the key path that must still be named. Shared by the unit,
 * process (`validate-config`) and API tests.
 */

/** A configuration file (and environment) that fails validation on a secret value. */
export interface SecretConfigCase {
  readonly name: string;
  /** The whole YAML file. */
  readonly yaml: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Strings that must not appear anywhere in the output. */
  readonly secrets: readonly string[];
  /** Key paths that must be named. */
  readonly paths: readonly string[];
}

/** A vCenter endpoint whose other keys are valid, with `extra` YAML lines (indented by four spaces). */
const vsphereEndpoint = (extra: string, url = 'https://vc.example'): string => `endpoints:
  - name: vc-lab
    platform: vsphere
    url: "${url}"
${extra}`;

/** A short key (16 bytes) holding a secret-looking text: `short-key-s3cret`. */
const shortKey = Buffer.from('short-key-s3cret').toString('base64');

export const secretConfigCases: readonly SecretConfigCase[] = [
  { name: 'cache.url with a password', yaml: 'cache: { url: "redis://:s3cret-cache-pw@127.0.0.1:6379" }\n', secrets: ['s3cret-cache-pw'], paths: ['cache.url'] },
  { name: 'cache.url with a password, from the environment', yaml: '', env: { DCM_BRIDGE_CACHE_URL: 'redis://bridge:s3cret-env-pw@127.0.0.1:6379' }, secrets: ['s3cret-env-pw'], paths: ['cache.url'] },
  { name: 'cache.url with a bad scheme and a password', yaml: 'cache: { url: "http://bridge:s3cret-http-pw@127.0.0.1:6379" }\n', secrets: ['s3cret-http-pw'], paths: ['cache.url'] },
  { name: 'NATS URL with user and password', yaml: 'publisher: { url: "nats://bridge:s3cret-nats-pw@127.0.0.1:4222" }\n', secrets: ['s3cret-nats-pw'], paths: ['publisher.url'] },
  { name: 'NATS password of the wrong type', yaml: 'publisher: { user: bridge, password: 84736251 }\n', secrets: ['84736251'], paths: ['publisher.password'] },
  { name: 'write token of the wrong type', yaml: 'api: { writeToken: 9182736455463728 }\n', secrets: ['9182736455463728'], paths: ['api.writeToken'] },
  { name: 'DCM URL with a bad scheme holding a password', yaml: 'dcm: { registrationUrl: "ftp://admin:s3cret-dcm-pw@spm.example" }\napi: { publicBaseUrl: "http://bridge:8080" }\n', secrets: ['s3cret-dcm-pw'], paths: ['dcm.registrationUrl'] },
  { name: 'a secret pasted into a URL key', yaml: 'api: { publicBaseUrl: "s3cret-pasted-into-url" }\n', secrets: ['s3cret-pasted-into-url'], paths: ['api.publicBaseUrl'] },
  { name: 'a short credential key', yaml: `api: { credentialKeys: [{ id: k1, key: "${shortKey}" }, { id: k1, key: "${shortKey}" }] }\n`, secrets: [shortKey, 'short-key-s3cret'], paths: ['api.credentialKeys'] },
  { name: 'vSphere password of the wrong type', yaml: vsphereEndpoint('    credentials: { username: svc-dcm, password: 84736251 }\n'), secrets: ['84736251'], paths: ['endpoints[0].credentials.password'] },
  { name: 'vSphere password as a map', yaml: vsphereEndpoint('    credentials: { username: svc-dcm, password: { value: s3cret-map-pw } }\n'), secrets: ['s3cret-map-pw'], paths: ['endpoints[0].credentials.password'] },
  { name: 'vSphere URL with user:password', yaml: vsphereEndpoint('    credentials: { username: svc-dcm, password: x }\n', 'https://admin:s3cret-vc-pw@vc.example'), secrets: ['s3cret-vc-pw'], paths: ['endpoints[0].url'] },
  {
    name: 'OpenStack URL with a secret as its scheme, compute URL with user info, a secret as a list',
    yaml: `endpoints:
  - name: nova-lab
    platform: openstack
    url: "s3cret-scheme-value://keystone.example/v3"
    computeUrl: "https://dcm:s3cret-nova-pw@nova.example/v2.1"
    credentials: { applicationCredentialId: app-1, applicationCredentialSecret: [s3cret-app-list] }
`,
    secrets: ['s3cret-scheme-value', 's3cret-nova-pw', 's3cret-app-list'],
    paths: ['endpoints[0].url', 'endpoints[0].computeUrl', 'endpoints[0].credentials.applicationCredentialSecret'],
  },
  {
    name: 'EC2 keys of the wrong types and a URL that is not one',
    yaml: `endpoints:
  - name: aws-lab
    platform: ec2
    region: us-east-1
    url: "htp//AKIASECRETEXAMPLE00:s3cret-ec2-url@ec2.example"
    credentials: { accessKeyId: 1234567890123, secretAccessKey: [s3cret-aws-list], sessionToken: { token: s3cret-session-map } }
`,
    secrets: ['AKIASECRETEXAMPLE00', 's3cret-ec2-url', '1234567890123', 's3cret-aws-list', 's3cret-session-map'],
    paths: ['endpoints[0].url', 'endpoints[0].credentials.accessKeyId', 'endpoints[0].credentials.secretAccessKey', 'endpoints[0].credentials.sessionToken'],
  },
];

/** A REST registration (snake_case body) refused with 400 on a secret value. */
export interface SecretRegistrationCase {
  readonly name: string;
  readonly body: Readonly<Record<string, unknown>>;
  readonly secrets: readonly string[];
  /** Paths the problem's `issues` must name (`body.url`). */
  readonly paths: readonly string[];
}

const vsphereBody = (extra: Record<string, unknown>): Record<string, unknown> => ({ platform: 'vsphere', url: 'https://platform.example', credentials: { username: 'svc-dcm', password: 'not-the-point' }, ...extra });

export const secretRegistrationCases: readonly SecretRegistrationCase[] = [
  { name: 'URL with user:password', body: vsphereBody({ url: 'https://admin:s3cret-reg-pw@platform.example' }), secrets: ['s3cret-reg-pw'], paths: ['body.url'] },
  { name: 'URL with a secret as its scheme', body: vsphereBody({ url: 's3cret-reg-scheme://platform.example' }), secrets: ['s3cret-reg-scheme'], paths: ['body.url'] },
  { name: 'URL with a bad scheme holding a password', body: vsphereBody({ url: 'ftp://admin:s3cret-reg-ftp@platform.example' }), secrets: ['s3cret-reg-ftp'], paths: ['body.url'] },
  { name: 'a secret pasted into url', body: vsphereBody({ url: 's3cret-reg-pasted' }), secrets: ['s3cret-reg-pasted'], paths: ['body.url'] },
  { name: 'password of the wrong type', body: vsphereBody({ credentials: { username: 'svc-dcm', password: 84736251 } }), secrets: ['84736251'], paths: ['body.credentials.password'] },
  {
    name: 'OpenStack compute URL with user info',
    body: { platform: 'openstack', url: 'https://platform.example/v3', compute_url: 'https://dcm:s3cret-reg-nova@platform.example/v2.1', credentials: { application_credential_id: 'app-1', application_credential_secret: 'x' } },
    secrets: ['s3cret-reg-nova'],
    paths: ['body.compute_url'],
  },
  {
    name: 'EC2 keys of the wrong types',
    body: { platform: 'ec2', region: 'us-east-1', url: 'https://platform.example', credentials: { access_key_id: 1234567890123, secret_access_key: ['s3cret-reg-aws'] } },
    secrets: ['1234567890123', 's3cret-reg-aws'],
    paths: ['body.credentials.access_key_id', 'body.credentials.secret_access_key'],
  },
];
