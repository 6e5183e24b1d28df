import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { ChartValuesError, findObject, renderChart, type KubernetesObject } from '../support/helm-chart.js';
import { TemplateError } from '../support/go-template.js';
import { validateKubernetesObject } from '../support/kubernetes-validate.js';
import { everythingOnValues } from './helm-values.js';

// The Helm chart rendered offline (test/support/helm-chart.ts) and every object checked against the Kubernetes and
// prometheus-operator OpenAPI schemas, with the chart's defaults and with every option on.
const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const chartDir = join(repositoryRoot, 'deploy', 'helm', 'dcm-poll-bridge');
const readChartFile = (path: string): string => readFileSync(join(chartDir, path), 'utf8');

interface Container {
  readonly name: string;
  readonly args: string[];
  readonly ports: Array<{ name: string; containerPort: number }>;
  readonly startupProbe: { httpGet: { path: string; port: string } };
  readonly livenessProbe: { httpGet: { path: string; port: string } };
  readonly readinessProbe: { httpGet: { path: string; port: string } };
  readonly securityContext: Record<string, unknown>;
  readonly resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  readonly volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
interface PodSpec {
  readonly securityContext: Record<string, unknown>;
  readonly containers: Container[];
  readonly volumes: Array<{ name: string; configMap?: { name: string }; secret?: { secretName: string }; emptyDir?: object }>;
  readonly automountServiceAccountToken: boolean;
  readonly serviceAccountName: string;
}
interface DeploymentSpec {
  readonly replicas: number;
  readonly strategy: { type: string };
  readonly selector: { matchLabels: Record<string, string> };
  readonly template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: PodSpec };
}
const spec = <T>(object: KubernetesObject): T => object['spec'] as T;
const bridgeConfig = (objects: readonly KubernetesObject[]): Record<string, unknown> => parseYaml((findObject(objects, 'ConfigMap', 'bridge-dcm-poll-bridge')['data'] as Record<string, string>)['config.yaml']!) as Record<string, unknown>;

const defaults = renderChart(chartDir);
const everything = renderChart(chartDir, { values: everythingOnValues('/var/run/secrets/dcm-poll-bridge') });

test('with the default values: a ConfigMap, Deployment, Service and ServiceAccount, each valid against its Kubernetes schema', () => {
  assert.deepEqual(defaults.objects.map((object) => object.kind).sort(), ['ConfigMap', 'Deployment', 'Service', 'ServiceAccount']);
  for (const object of defaults.objects) validateKubernetesObject(object);
  const deployment = spec<DeploymentSpec>(findObject(defaults.objects, 'Deployment'));
  assert.equal(deployment.replicas, 1);
  assert.equal(deployment.strategy.type, 'Recreate', 'one bridge without cluster mode: never two at once');
  assert.equal((bridgeConfig(defaults.objects)['cluster'] as undefined | { enabled: boolean })?.enabled ?? false, false);
});

test('with everything on: 3 replicas, secrets, ServiceMonitor, PrometheusRule and dashboard, each object valid', () => {
  assert.deepEqual(everything.objects.map((object) => object.kind).sort(), ['ConfigMap', 'ConfigMap', 'Deployment', 'PodDisruptionBudget', 'PrometheusRule', 'Secret', 'Service', 'ServiceAccount', 'ServiceMonitor']);
  for (const object of everything.objects) validateKubernetesObject(object);
  const deployment = spec<DeploymentSpec>(findObject(everything.objects, 'Deployment'));
  assert.equal(deployment.replicas, 3);
  assert.equal(deployment.strategy.type, 'RollingUpdate');
  assert.deepEqual(bridgeConfig(everything.objects)['cluster'], { enabled: true, leaseTtlSeconds: 10 }, 'the chart turns cluster mode on, the rest of cluster stays as given');
  assert.deepEqual(spec<{ maxUnavailable: number; selector: unknown }>(findObject(everything.objects, 'PodDisruptionBudget')).selector, deployment.selector);
});

test('pod and container security: non-root, read-only root file system, no capabilities, no escalation, RuntimeDefault seccomp, no API token', () => {
  for (const { objects } of [defaults, everything]) {
    const pod = spec<DeploymentSpec>(findObject(objects, 'Deployment')).template.spec;
    assert.equal(pod.securityContext['runAsNonRoot'], true);
    assert.ok((pod.securityContext['runAsUser'] as number) > 0);
    assert.deepEqual(pod.securityContext['seccompProfile'], { type: 'RuntimeDefault' });
    assert.equal(pod.automountServiceAccountToken, false);
    const [container] = pod.containers;
    assert.equal(pod.containers.length, 1);
    assert.equal(container!.securityContext['readOnlyRootFilesystem'], true);
    assert.equal(container!.securityContext['allowPrivilegeEscalation'], false);
    assert.deepEqual(container!.securityContext['capabilities'], { drop: ['ALL'] });
    assert.ok(container!.resources.requests?.['memory'] && container!.resources.limits?.['memory'], 'memory requested and limited');
    // The only writable path is an emptyDir; config and secrets are mounted read-only.
    const writable = container!.volumeMounts.filter((mount) => !mount.readOnly);
    assert.deepEqual(writable.map((mount) => mount.mountPath), ['/tmp']);
    assert.ok(pod.volumes.find((volume) => volume.name === 'tmp')?.emptyDir);
  }
});

test('probes: startup and liveness on /healthz, readiness on /readyz, on the named port the bridge listens on (api.listen), routes the OpenAPI document serves', () => {
  const openapi = parseYaml(readFileSync(join(repositoryRoot, 'api', 'openapi.yaml'), 'utf8')) as { paths: Record<string, unknown> };
  for (const { objects } of [defaults, everything]) {
    const container = spec<DeploymentSpec>(findObject(objects, 'Deployment')).template.spec.containers[0]!;
    assert.equal(container.startupProbe.httpGet.path, '/healthz');
    assert.equal(container.livenessProbe.httpGet.path, '/healthz');
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
      assert.equal(probe.httpGet.port, 'http');
      assert.ok(openapi.paths[probe.httpGet.path], `${probe.httpGet.path} is a route of api/openapi.yaml`);
    }
    const port = container.ports.find((candidate) => candidate.name === 'http')!;
    assert.equal((bridgeConfig(objects)['api'] as { listen: string }).listen, `:${port.containerPort}`);
    assert.deepEqual(container.args, ['run', '--config', '/etc/dcm-poll-bridge/config.yaml']);
    const configMount = container.volumeMounts.find((mount) => mount.mountPath === '/etc/dcm-poll-bridge');
    assert.equal(spec<DeploymentSpec>(findObject(objects, 'Deployment')).template.spec.volumes.find((volume) => volume.name === configMount?.name)?.configMap?.name, 'bridge-dcm-poll-bridge');
  }
  const service = spec<{ ports: Array<{ targetPort: string; port: number }>; selector: Record<string, string> }>(findObject(defaults.objects, 'Service'));
  assert.equal(service.ports[0]!.targetPort, 'http');
  assert.deepEqual(service.selector, spec<DeploymentSpec>(findObject(defaults.objects, 'Deployment')).template.metadata.labels);
});

test('every ${file:} reference of the rendered config lies in a mounted Secret, and the inline ones name keys the chart\'s Secret holds', () => {
  const configText = (findObject(everything.objects, 'ConfigMap', 'bridge-dcm-poll-bridge')['data'] as Record<string, string>)['config.yaml']!;
  const references = [...configText.matchAll(/\$\{file:([^}]+)\}/g)].map(([, path]) => path!);
  assert.ok(references.length >= 3, `the test config references secrets: ${references.join(', ')}`);
  const pod = spec<DeploymentSpec>(findObject(everything.objects, 'Deployment')).template.spec;
  const secretMounts = pod.containers[0]!.volumeMounts.flatMap((mount) => {
    const secretName = pod.volumes.find((volume) => volume.name === mount.name)?.secret?.secretName;
    return secretName ? [{ ...mount, secretName }] : [];
  });
  assert.ok(secretMounts.every((mount) => mount.readOnly));
  const inlineSecret = findObject(everything.objects, 'Secret');
  const inlineKeys = Object.keys(inlineSecret['stringData'] as Record<string, string>);
  for (const reference of references) {
    const mount = secretMounts.find((candidate) => dirname(reference) === candidate.mountPath);
    assert.ok(mount, `${reference} is inside a mounted Secret (mounted: ${secretMounts.map((candidate) => candidate.mountPath).join(', ')})`);
    if (mount.secretName === inlineSecret.metadata.name) assert.ok(inlineKeys.includes(reference.slice(mount.mountPath.length + 1)), `${reference}: a key of the inline Secret`);
  }
  // Changing a secret or the config rolls the pods.
  const annotations = spec<DeploymentSpec>(findObject(everything.objects, 'Deployment')).template.metadata.annotations;
  assert.match(annotations['checksum/config'] ?? '', /^[0-9a-f]{64}$/);
  assert.match(annotations['checksum/secret'] ?? '', /^[0-9a-f]{64}$/);
  const changed = renderChart(chartDir, { values: { ...everythingOnValues('/var/run/secrets/dcm-poll-bridge'), secrets: { inline: { 'vcenter-password': 'rotated' } } } });
  assert.notEqual(spec<DeploymentSpec>(findObject(changed.objects, 'Deployment')).template.metadata.annotations['checksum/secret'], annotations['checksum/secret']);
});

test('ServiceMonitor scrapes the Service\'s http port at /metrics with the read token; PrometheusRule carries files/prometheus-rules.yaml; the dashboard ConfigMap the Grafana sidecar label and files/grafana-dashboard.json', () => {
  const monitor = spec<{ selector: { matchLabels: Record<string, string> }; endpoints: Array<Record<string, unknown>> }>(findObject(everything.objects, 'ServiceMonitor'));
  const service = findObject(everything.objects, 'Service');
  for (const [key, value] of Object.entries(monitor.selector.matchLabels)) assert.equal(service.metadata.labels?.[key], value, `the Service carries ${key}`);
  assert.equal(monitor.endpoints[0]!['port'], (service['spec'] as { ports: Array<{ name: string }> }).ports[0]!.name);
  assert.equal(monitor.endpoints[0]!['path'], '/metrics');
  assert.deepEqual(monitor.endpoints[0]!['authorization'], { type: 'Bearer', credentials: { name: 'dcm-bridge-api-tokens', key: 'read-token' } });
  assert.equal(findObject(everything.objects, 'ServiceMonitor').metadata.labels?.['release'], 'kube-prometheus-stack');

  const rules = findObject(everything.objects, 'PrometheusRule');
  const ruleFile = parseYaml(readChartFile('files/prometheus-rules.yaml')) as { groups: unknown[] };
  assert.ok(ruleFile.groups.length > 0);
  assert.deepEqual(rules['spec'], ruleFile, 'the groups as promtool checks them, Prometheus templates ({{ $labels }}) untouched');

  const dashboard = findObject(everything.objects, 'ConfigMap', 'bridge-dcm-poll-bridge-dashboard');
  assert.equal(dashboard.metadata.labels?.['grafana_dashboard'], '1');
  assert.equal(dashboard.metadata.namespace, 'monitoring');
  const json = (dashboard['data'] as Record<string, string>)['dcm-poll-bridge.json']!;
  assert.deepEqual(JSON.parse(json), JSON.parse(readChartFile('files/grafana-dashboard.json')));
  assert.ok(Buffer.byteLength(json) < 1024 * 1024, 'within a ConfigMap\'s 1 MiB');
});

test('NOTES.txt names the release, its mode and how to check readiness, and warns about inline secrets', () => {
  assert.match(defaults.notes, /as one replica \(cluster mode off/);
  assert.match(defaults.notes, /curl -s http:\/\/127\.0\.0\.1:8080\/readyz/);
  assert.doesNotMatch(defaults.notes, /WARNING/);
  assert.match(everything.notes, /with 3 replicas in cluster mode/);
  assert.match(everything.notes, /WARNING: secrets\.inline values are stored in the Helm release record/);
  assert.doesNotMatch(everything.notes + defaults.notes, /<no value>|map\[/);
});

test('bad values are refused by name: a port out of range, a privileged container port, a typo, an existing Secret named "inline"', () => {
  const refusal = (values: Record<string, unknown>): string => {
    try {
      renderChart(chartDir, { values });
    } catch (error) {
      assert.ok(error instanceof ChartValuesError, String(error));
      return error.message;
    }
    assert.fail(`values ${JSON.stringify(values)} were accepted`);
  };
  assert.match(refusal({ service: { port: 70000 } }), /service\.port: must be <= 65535/);
  assert.match(refusal({ service: { containerPort: 80 } }), /service\.containerPort: must be >= 1024/);
  assert.match(refusal({ replicaCount: 0 }), /replicaCount: must be >= 1/);
  assert.match(refusal({ serviceMonitr: { enabled: true } }), /\(root\): must NOT have additional properties: "serviceMonitr"/);
  assert.match(refusal({ secrets: { existing: ['inline'] } }), /secrets\.existing\.0: must NOT be valid/);
  assert.match(refusal({ image: { pullPolicy: 'Sometimes' } }), /image\.pullPolicy: must be equal to one of the allowed values \(Always, IfNotPresent, Never\)/);
});

test('what the schema cannot see fails by name too: several replicas without Redis, and an object the Kubernetes schema refuses', () => {
  assert.throws(() => renderChart(chartDir, { values: { replicaCount: 2, config: { cache: { url: '' } } } }), (error: unknown) => error instanceof TemplateError && /configmap\.yaml:2: execution error: replicaCount > 1 runs the bridge in cluster mode, which needs config\.cache\.url/.test(error.message));
  // podSecurityContext passes through as written; a string uid renders, and the Pod schema names it.
  const bad = renderChart(chartDir, { values: { podSecurityContext: { runAsNonRoot: true, runAsUser: '1000' } } });
  assert.throws(() => validateKubernetesObject(findObject(bad.objects, 'Deployment')), /Deployment\/bridge-dcm-poll-bridge: data\/spec\/template\/spec\/securityContext\/runAsUser must be integer/);
});
