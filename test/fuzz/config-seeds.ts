import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../simulators/vsphere/support.js';
import { plantedSecrets } from './secrets.js';

/** A configuration the fuzzer starts from: YAML text and the environment it expects. */
export interface ConfigSeed {
  readonly name: string;
  readonly yaml: string;
  readonly env: Readonly<Record<string, string>>;
}

/** Seeds plus the files their `${file:...}` references read; `dispose` removes the files. */
export interface ConfigSeedSet {
  readonly seeds: readonly ConfigSeed[];
  /** Environment every case gets: the references mutations may add resolve against it. */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** A readable file holding harmless text, for `${file:...}` references the fuzzer writes. */
  readonly plainFile: string;
  dispose(): void;
}

/**
 * The shipped configurations (config/example.yaml, config/default.yaml) and
 * test configurations covering every platform, every secret key and both
 * reference kinds, with the planted secrets in every place a secret belongs:
 * inline, through `${env:...}` and through `${file:...}`.
 */
export function configSeeds(): ConfigSeedSet {
  const dir = mkdtempSync(join(tmpdir(), 'dcm-fuzz-seeds-'));
  const natsTokenFile = join(dir, 'nats-token');
  const plainFile = join(dir, 'plain.txt');
  writeFileSync(natsTokenFile, `${plantedSecrets.natsToken}\n`);
  writeFileSync(plainFile, 'fuzz-file-value\n');
  const shipped = (name: string): string => readFileSync(join(projectRoot(), 'config', name), 'utf8');

  const allPlatforms = `provider: { name: fuzz-bridge }
cache: { url: "rediss://127.0.0.1:6380", namespace: fuzz, username: bridge, password: "${plantedSecrets.redisPassword}" }
publisher:
  kind: nats
  url: nats://127.0.0.1:4222,tls://nats-2.example:4222
  user: bridge
  password: ${plantedSecrets.natsPassword}
  ackTimeoutSeconds: 2.5
scheduler: { maxConcurrentPolls: 4, jitterRatio: 0.2, backoffMaxSeconds: 120 }
diff: { debounceSeconds: 5, resyncSeconds: 0 }
log: { level: warn }
api:
  listen: "127.0.0.1:0"
  publicBaseUrl: http://bridge.example:8080
  writeToken: ${plantedSecrets.apiWriteToken}
  readToken: "\${env:FUZZ_READ_TOKEN}"
  allowedTargets: [10.0.0.0/8, "*.example.com", "fd00::/8"]
  credentialKeys: [{ id: k2, key: "${plantedSecrets.credentialKey}" }, "k1:\${env:FUZZ_OLD_KEY}"]
dcm: { registrationUrl: "http://spm.example/api/v1alpha1", displayName: Fuzz, regionCode: eu-1, zone: a }
endpoints:
  - name: vc-1
    platform: vsphere
    url: https://vc.example
    apiFlavor: rest
    intervalSeconds: 60
    credentials: { username: svc@vsphere.local, password: "${plantedSecrets.vspherePassword}" }
    selector: { managedByKey: owner, managedByValue: dcm, instanceIdKey: dcm-id }
    stateOverrides: { POWERED_OFF: STOPPED, SUSPENDED: PAUSED }
    tls: { insecureSkipVerify: true }
  - name: os-1
    platform: openstack
    url: https://keystone.example/v3
    region: RegionOne
    interface: internal
    computeUrl: https://nova.example/v2.1
    instanceIdSource: tag
    credentials:
      username: dcm
      password: "\${env:FUZZ_OS_PASSWORD}"
      userDomainName: Default
      projectName: dcm
      projectDomainName: Default
  - name: os-2
    platform: openstack
    url: https://keystone.example/identity
    credentials: { applicationCredentialId: 4d2f, applicationCredentialSecret: "${plantedSecrets.applicationCredentialSecret}" }
  - name: ec2-1
    platform: ec2
    region: eu-central-1
    roleArn: arn:aws:iam::123456789012:role/dcm-poll-bridge
    externalId: fuzz-external
    credentials:
      accessKeyId: ${plantedSecrets.ec2AccessKeyId}
      secretAccessKey: "\${env:FUZZ_AWS_SECRET}"
      sessionToken: ${plantedSecrets.ec2SessionToken}
  - name: ec2-2
    platform: ec2
    url: http://127.0.0.1:4566
    region: us-east-1
    profile: lab
`;

  const fileAndReferences = `provider: { name: fuzz-files }
cache: { url: "", namespace: fuzz-files }
publisher: { kind: stdout, token: "\${file:${natsTokenFile}}" }
api: { listen: ":0" }
endpoints:
  - name: lab
    platform: file
    file: /nonexistent/lab.json
    intervalSeconds: 30
    credentials: { token: "\${env:FUZZ_FILE_TOKEN}" }
    tls: { caFile: null, insecureSkipVerify: false }
`;

  const credentialsInUrls = `cache: { url: "redis://:${plantedSecrets.redisUrlPassword}@redis.example:6379" }
endpoints:
  - name: vc-2
    platform: vsphere
    url: "https://svc:${plantedSecrets.vspherePassword}@vc.example"
    credentials: { username: svc, password: "${plantedSecrets.vspherePassword}" }
`;

  return {
    seeds: [
      { name: 'config/example.yaml', yaml: shipped('example.yaml'), env: { VSPHERE_USERNAME: 'svc-dcm@vsphere.local', VSPHERE_PASSWORD: plantedSecrets.vspherePassword } },
      { name: 'config/default.yaml', yaml: shipped('default.yaml'), env: {} },
      { name: 'every platform', yaml: allPlatforms, env: { FUZZ_OLD_KEY: plantedSecrets.credentialKey, FUZZ_READ_TOKEN: plantedSecrets.apiReadToken, FUZZ_OS_PASSWORD: plantedSecrets.openstackPassword, FUZZ_AWS_SECRET: plantedSecrets.ec2SecretAccessKey } },
      { name: 'file platform and references', yaml: fileAndReferences, env: { FUZZ_FILE_TOKEN: plantedSecrets.fileToken } },
      { name: 'credentials in URLs', yaml: credentialsInUrls, env: {} },
    ],
    baseEnv: { FUZZ_TEXT: 'fuzz-env-value' },
    plainFile,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
