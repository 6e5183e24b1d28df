/**
 * Chart values with every option on, shared by the chart tests: 3 replicas (cluster mode), a vSphere endpoint whose
 * credentials come from an existing Secret and the chart's inline Secret, an OpenStack one with an application
 * credential, the API tokens as files, ServiceMonitor, PrometheusRule and dashboard. `mountPath` is
 * `secrets.mountPath`: a test that runs validate-config points it at a directory holding the files kubelet would mount.
 */
export function everythingOnValues(mountPath: string): Record<string, unknown> {
  return {
    replicaCount: 3,
    config: {
      provider: { name: 'dc-east' },
      cache: { url: 'redis://redis.dcm.svc:6379', namespace: 'dcm-poll-bridge', password: `\${file:${mountPath}/redis-auth/password}` },
      publisher: { kind: 'nats', url: 'nats://nats-0.nats:4222,nats://nats-1.nats:4222', jetstream: true, credsFile: `${mountPath}/nats-creds/bridge.creds` },
      cluster: { leaseTtlSeconds: 10 },
      api: { writeToken: `\${file:${mountPath}/api-tokens/write-token}`, readToken: `\${file:${mountPath}/api-tokens/read-token}` },
      log: { level: 'info' },
      endpoints: [
        {
          name: 'vc-east',
          platform: 'vsphere',
          url: 'https://vcenter.example',
          apiFlavor: 'vim',
          intervalSeconds: 60,
          credentials: { username: `\${file:${mountPath}/inline/vcenter-username}`, password: `\${file:${mountPath}/inline/vcenter-password}` },
          selector: { source: 'customAttribute' },
        },
        {
          name: 'os-east',
          platform: 'openstack',
          url: 'https://keystone.example/v3',
          region: 'RegionOne',
          intervalSeconds: 30,
          credentials: { applicationCredentialId: `\${file:${mountPath}/openstack-app-credential/id}`, applicationCredentialSecret: `\${file:${mountPath}/openstack-app-credential/secret}` },
        },
      ],
    },
    secrets: {
      mountPath,
      existing: ['redis-auth', 'nats-creds', 'api-tokens', 'openstack-app-credential'],
      inline: { 'vcenter-username': 'svc-dcm@vsphere.local', 'vcenter-password': 'inline-example-password' },
    },
    serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' }, bearerTokenSecret: { name: 'dcm-bridge-api-tokens', key: 'read-token' } },
    prometheusRule: { enabled: true, labels: { release: 'kube-prometheus-stack' } },
    grafanaDashboard: { enabled: true, namespace: 'monitoring' },
  };
}
