import { ConfigMap, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import type { KubernetesObject } from './helm-chart.js';

/** A model class of `kubernetes-models`: built from an object, `validate()` throws on a schema violation. */
type ModelClass = new (data: never) => { validate(): void };

// The kinds the chart renders, each with the OpenAPI schema of its API group and version (kubernetes-models ships
// the Kubernetes OpenAPI definitions; @kubernetes-models/prometheus-operator the operator's CRD schemas).
const models: Readonly<Record<string, ModelClass>> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

/** The Kubernetes object names must be (RFC 1123 subdomain, 253 characters), checked here since the schemas do not. */
const objectNamePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Label keys (an optional DNS subdomain prefix, a name of at most 63) and values (at most 63), as the API server checks them. */
const labelKeyPattern = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelValuePattern = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/**
 * Validates `object` against the OpenAPI schema of its apiVersion and kind, offline. Throws an Error naming the
 * object and the first violation (`Deployment/x: data/spec/replicas must be integer`); an apiVersion/kind this
 * module has no schema for is an error too, so no rendered object goes unchecked.
 */
export function validateKubernetesObject(object: KubernetesObject): void {
  const label = `${object.kind}/${object.metadata?.name ?? '(no name)'}`;
  const Model = models[`${object.apiVersion}/${object.kind}`];
  if (!Model) throw new Error(`${label}: no schema for apiVersion ${object.apiVersion} kind ${object.kind}`);
  const name = object.metadata?.name ?? '';
  if (!objectNamePattern.test(name) || name.length > 253) throw new Error(`${label}: metadata.name "${name}" is not a DNS subdomain`);
  const podLabels = (object as { spec?: { template?: { metadata?: { labels?: Record<string, unknown> } } } }).spec?.template?.metadata?.labels;
  for (const [key, value] of [...Object.entries(object.metadata.labels ?? {}), ...Object.entries(podLabels ?? {})]) {
    if (!labelKeyPattern.test(key)) throw new Error(`${label}: label key "${key}" is not a valid label name`);
    if (typeof value !== 'string' || !labelValuePattern.test(value)) throw new Error(`${label}: label ${key} has the value ${JSON.stringify(value)}, not a string of at most 63 label characters`);
  }
  try {
    new Model(object as never).validate();
  } catch (error) {
    throw new Error(`${label}: ${(error as Error).message}`, { cause: error });
  }
}
