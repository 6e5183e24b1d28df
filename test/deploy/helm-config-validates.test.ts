import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findObject, renderChart, type KubernetesObject } from '../support/helm-chart.js';
import { runBridgeCommand } from '../support/cli-process.js';
import { everythingOnValues } from './helm-values.js';

// The configuration the chart renders into its ConfigMap is one the built bridge accepts: the pod's
// /etc/dcm-poll-bridge/config.yaml and its Secret files are laid out in a directory as kubelet mounts them, and
// `node <outDir>/src/cli.js validate-config` (what the container runs first) reads them, ${file:} references included.
const chartDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'deploy', 'helm', 'dcm-poll-bridge');

/** Writes the rendered config.yaml and, for every Secret volume, its files, as the pod would see them. */
function layOutPod(objects: readonly KubernetesObject[], secretFiles: Readonly<Record<string, Readonly<Record<string, string>>>>, root: string): string {
  const configPath = join(root, 'config.yaml');
  writeFileSync(configPath, (findObject(objects, 'ConfigMap', 'bridge-dcm-poll-bridge')['data'] as Record<string, string>)['config.yaml']!);
  const pod = (findObject(objects, 'Deployment')['spec'] as { template: { spec: { containers: Array<{ volumeMounts: Array<{ name: string; mountPath: string }> }>; volumes: Array<{ name: string; secret?: { secretName: string } }> } } }).template.spec;
  for (const mount of pod.containers[0]!.volumeMounts) {
    const secretName = pod.volumes.find((volume) => volume.name === mount.name)?.secret?.secretName;
    if (!secretName) continue;
    // The chart's own Secret holds its stringData; the others are the operator's, given here.
    const inline = findObject(objects, 'Secret');
    const data = secretName === inline.metadata.name ? (inline['stringData'] as Record<string, string>) : secretFiles[secretName];
    assert.ok(data, `a Secret named ${secretName} is mounted at ${mount.mountPath}`);
    mkdirSync(mount.mountPath, { recursive: true });
    for (const [key, value] of Object.entries(data)) writeFileSync(join(mount.mountPath, key), `${value}\n`);
  }
  return configPath;
}

test('validate-config of the built CLI accepts the rendered ConfigMap with the mounted Secrets, and names a Secret file that is missing', async () => {
  const root = mkdtempSync(join(tmpdir(), 'helm-pod-'));
  try {
    const mountPath = join(root, 'secrets');
    const { objects } = renderChart(chartDir, { values: everythingOnValues(mountPath) });
    const operatorSecrets = {
      'redis-auth': { password: 'redis-example-password' },
      'nats-creds': { 'bridge.creds': '-----BEGIN NATS USER JWT-----\nexample\n------END NATS USER JWT------\n' },
      'api-tokens': { 'write-token': 'write-token-of-at-least-16', 'read-token': 'read-token-of-at-least-16' },
      'openstack-app-credential': { id: 'app-credential-id', secret: 'app-credential-secret' },
    };
    const configPath = layOutPod(objects, operatorSecrets, root);
    const valid = await runBridgeCommand(['validate-config', '--config', configPath]);
    assert.equal(valid.code, 0, valid.stderr);
    assert.match(valid.stdout, /: valid/);
    assert.match(valid.stdout, /vc-east \(vsphere, every 60 s\)/);
    assert.match(valid.stdout, /os-east \(openstack, every 30 s\)/);
    assert.doesNotMatch(valid.stdout + valid.stderr, /inline-example-password|app-credential-secret|redis-example-password/, 'no secret is echoed');

    // The references are really read: without the OpenStack Secret's files, the key path and the file are named.
    rmSync(join(mountPath, 'openstack-app-credential'), { recursive: true });
    const missing = await runBridgeCommand(['validate-config', '--config', configPath]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /endpoints\[1\]\.credentials\.applicationCredentialId: .*openstack-app-credential\/id/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('validate-config of the built CLI accepts the ConfigMap of the default values', async () => {
  const root = mkdtempSync(join(tmpdir(), 'helm-pod-'));
  try {
    const configPath = layOutPod(renderChart(chartDir).objects, {}, root);
    const valid = await runBridgeCommand(['validate-config', '--config', configPath]);
    assert.equal(valid.code, 0, valid.stderr);
    assert.match(valid.stdout, /: valid/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
