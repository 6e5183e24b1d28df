import { accessSync, constants } from 'node:fs';
import type { Schema } from 'convict';
import type { ValidationIssue } from '../errors/index.js';
import type { PlatformAdapter } from '../adapter/index.js';
import { maxWindowsPerEndpoint, validateMaintenanceWindows, type MaintenanceWindowConfig } from '../maintenance/index.js';
import { isVmStatus, serviceTypes, vmStatuses, type ServiceType, type VmStatus } from '../normalize/status.js';
import { validateWithConvict } from './convict-validation.js';
import { booleanValue, describedFormat, dnsLabel, integerAtLeast, oneOf, optionalString, requiredString, stringMap, urlWithScheme } from './formats.js';

/** Which platform resources are DCM's: the managed-by label/tag and the instance-id key. */
export interface Selector {
  readonly managedByKey: string;
  readonly managedByValue: string;
  readonly instanceIdKey: string;
  /**
   * Where the platform keeps those keys, for platforms that offer more than one
   * place (vSphere: `customAttribute` or `tag`, see its adapter's
   * `selectorSources`). Absent when not configured: the adapter's default.
   */
  readonly source?: string;
}

/** One platform endpoint, validated and frozen. */
export interface EndpointConfig {
  /** Unique DNS label; used in logs, metrics, cache keys and event extensions. */
  readonly name: string;
  readonly platform: string;
  /** Base URL of the platform API; undefined only where the adapter derives it (EC2). */
  readonly url: string | undefined;
  readonly serviceType: ServiceType;
  readonly intervalSeconds: number;
  /** Resolved credential values. Never log this object; the logger redacts it. */
  readonly credentials: Readonly<Record<string, string | undefined>>;
  readonly selector: Selector;
  /** Raw state → status entries that replace the adapter's table entries. */
  readonly stateOverrides: Readonly<Record<string, VmStatus>>;
  readonly tls: { readonly caFile: string | undefined; readonly insecureSkipVerify: boolean };
  /** The adapter's own keys (`apiFlavor`, `region`, …), validated by its schema. */
  readonly options: Readonly<Record<string, unknown>>;
  /** `config` when defined in YAML (read-only over the API), `api` when registered over REST. */
  readonly origin: 'config' | 'api';
  /** When the platform is under maintenance (README "Maintenance windows"); absent when it has none. */
  readonly maintenanceWindows?: readonly MaintenanceWindowConfig[];
}

/** What endpoint validation needs from the adapter registry. */
export interface AdapterLookup {
  get(platform: string): PlatformAdapter | undefined;
  platforms(): readonly string[];
}

export const defaultSelector: Selector = Object.freeze({ managedByKey: 'managed-by', managedByValue: 'dcm', instanceIdKey: 'dcm-instance-id' });

const commonKeys = ['name', 'platform', 'url', 'serviceType', 'intervalSeconds', 'credentials', 'selector', 'stateOverrides', 'tls', 'maintenanceWindows'] as const;

/** Only the list's shape: each window is checked by `validateMaintenanceWindows`, which names the key path of every problem. */
const windowList = describedFormat(
  (value) => {
    if (!Array.isArray(value)) throw new Error('must be a list of windows, each {cron, duration, timeZone, pausePolling}');
  },
  {
    text: `list of at most ${maxWindowsPerEndpoint} windows {cron, duration, timeZone, pausePolling}`,
    jsonSchema: {
      type: 'array',
      maxItems: maxWindowsPerEndpoint,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['cron', 'duration'],
        properties: {
          cron: { type: 'string', description: 'Five-field cron expression of the starts (minute hour day-of-month month day-of-week), e.g. "0 2 * * SAT", or a preset such as @daily.' },
          duration: { type: 'string', pattern: '^([0-9]{1,3}h)?([0-9]{1,5}m)?$', description: 'Elapsed time of each window: hours and/or minutes, "2h", "90m", "1h30m" (1m to 168h).' },
          timeZone: { type: 'string', default: 'UTC', description: 'IANA time zone the expression is read in, e.g. Europe/Berlin.' },
          pausePolling: { type: 'boolean', default: false, description: 'Do not poll the endpoint while the window is open.' },
        },
      },
    },
  },
);

/**
 * The convict schema of the keys every endpoint has, beside its adapter's
 * `configSchema`; the configuration reference and the editors' JSON Schema
 * are generated from it (`src/config/reference.ts`).
 */
export function commonSchema(defaultIntervalSeconds: number, urlRequired: boolean): Schema<Record<string, unknown>> {
  return {
    name: { doc: 'Unique endpoint name (DNS label).', format: dnsLabel, default: null },
    platform: { doc: 'Adapter that polls it.', format: requiredString, default: null },
    url: { doc: 'Platform API base URL.', format: urlWithScheme(['https', 'http'], !urlRequired), default: null, nullable: !urlRequired },
    serviceType: { doc: 'DCM service type; events go to dcm.<serviceType>.', format: oneOf(serviceTypes), default: 'vm' },
    intervalSeconds: { doc: 'Seconds between polls; at least the adapter floor.', format: integerAtLeast(1), default: defaultIntervalSeconds },
    selector: {
      managedByKey: { doc: 'Label/tag key marking DCM resources.', format: requiredString, default: defaultSelector.managedByKey },
      managedByValue: { doc: 'Its value.', format: requiredString, default: defaultSelector.managedByValue },
      instanceIdKey: { doc: 'Label/tag key holding the DCM instance id.', format: requiredString, default: defaultSelector.instanceIdKey },
      source: { doc: "Where the platform keeps those keys, when it has more than one place (vSphere: customAttribute or tag); only for such platforms.", format: optionalString, default: null, nullable: true },
    },
    stateOverrides: { doc: 'Raw state → DCM status entries replacing the adapter table.', format: stringMap(oneOf(vmStatuses)), default: {} },
    tls: {
      caFile: { doc: 'PEM file of CAs trusted for this endpoint.', format: optionalString, default: null, nullable: true },
      insecureSkipVerify: { doc: 'Turn TLS verification off (labs with self-signed certificates only).', format: booleanValue, default: false },
    },
    maintenanceWindows: {
      doc: 'Maintenance windows: a list of {cron, duration, timeZone, pausePolling}. cron: five-field expression of the starts ("0 2 * * SAT") or a preset (@daily); duration: hours and/or minutes ("2h", "90m", "1h30m"; 1m to 168h); timeZone: IANA zone the expression is read in (default UTC); pausePolling: do not poll during the window (default false). While one is open, failures do not turn the endpoint\'s health red (it is "maintenance") and deletions are held until the window ends.',
      format: windowList,
      default: [],
    },
  };
}

/**
 * Validates one endpoint definition (already reference-resolved) against the
 * common schema and its adapter's schema. Every issue carries a key path under
 * `pathPrefix` (`endpoints[2]`). Returns the frozen endpoint only when valid.
 */
export function validateEndpoint(
  input: unknown,
  adapters: AdapterLookup,
  options: { pathPrefix: string; defaultIntervalSeconds: number; origin: EndpointConfig['origin']; checkFiles?: boolean },
): { endpoint?: EndpointConfig; issues: ValidationIssue[] } {
  const at = (key: string): string => `${options.pathPrefix}.${key}`;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { issues: [{ path: options.pathPrefix, message: 'must be a map of endpoint keys' }] };
  }
  const raw = input as Record<string, unknown>;
  const platform = raw['platform'];
  const adapter = typeof platform === 'string' ? adapters.get(platform) : undefined;
  if (!adapter) {
    const known = adapters.platforms().join(', ') || '(none registered)';
    const message = platform === undefined ? `is required (one of ${known})` : `unknown platform ${JSON.stringify(platform)}; known: ${known}`;
    return { issues: [{ path: at('platform'), message }] };
  }

  const { credentials = {}, ...rest } = raw;
  // fromEntries defines own keys: assigning a `__proto__` key would set the prototype and hide the key from validation.
  const isCommon = (key: string): boolean => (commonKeys as readonly string[]).includes(key);
  const common = Object.fromEntries(Object.entries(rest).filter(([key]) => isCommon(key)));
  const platformOptions = Object.fromEntries(Object.entries(rest).filter(([key]) => !isCommon(key)));

  const issues: ValidationIssue[] = [];
  const commonResult = validateWithConvict(commonSchema(options.defaultIntervalSeconds, adapter.urlRequired), common, { pathPrefix: options.pathPrefix });
  const optionsResult = validateWithConvict(adapter.configSchema.options, platformOptions, { pathPrefix: options.pathPrefix });
  const credentialsResult = validateWithConvict(adapter.configSchema.credentials, credentials, { pathPrefix: at('credentials') });
  issues.push(...commonResult.issues, ...optionsResult.issues, ...credentialsResult.issues);

  const properties = commonResult.properties;
  const intervalSeconds = properties['intervalSeconds'];
  if (typeof intervalSeconds === 'number' && intervalSeconds < adapter.minimumIntervalSeconds) {
    issues.push({ path: at('intervalSeconds'), message: `${intervalSeconds} is below the ${adapter.platform} adapter's floor of ${adapter.minimumIntervalSeconds} seconds` });
  }
  const serviceType = properties['serviceType'] as ServiceType;
  if (typeof serviceType === 'string' && serviceTypes.includes(serviceType) && !adapter.serviceTypes.includes(serviceType)) {
    issues.push({ path: at('serviceType'), message: `the ${adapter.platform} adapter reports ${adapter.serviceTypes.join(', ')}, not ${serviceType}` });
  }
  const tls = properties['tls'] as { caFile: string | null; insecureSkipVerify: boolean };
  if (tls.caFile && options.checkFiles !== false) {
    try {
      accessSync(tls.caFile, constants.R_OK);
    } catch {
      issues.push({ path: at('tls.caFile'), message: `file ${tls.caFile} cannot be read` });
    }
  }
  const { source, ...selector } = properties['selector'] as Selector & { source: string | null };
  if (source !== null && source !== undefined) {
    const sources = adapter.selectorSources;
    if (sources === undefined) issues.push({ path: at('selector.source'), message: `the ${adapter.platform} adapter has one way to find DCM's resources; remove selector.source` });
    else if (!sources.includes(source)) issues.push({ path: at('selector.source'), message: `must be one of ${sources.join(', ')}; got ${JSON.stringify(source)}` });
  }
  const windows = validateMaintenanceWindows(properties['maintenanceWindows'], at('maintenanceWindows'));
  if (Array.isArray(properties['maintenanceWindows'])) issues.push(...windows.issues);
  if (issues.length > 0) return { issues };

  const endpoint: EndpointConfig = deepFreeze({
    name: properties['name'] as string,
    platform: adapter.platform,
    url: (properties['url'] as string | null) || undefined,
    serviceType,
    intervalSeconds: intervalSeconds as number,
    credentials: credentialsResult.properties as Record<string, string | undefined>,
    selector: source === null || source === undefined ? selector : { ...selector, source },
    stateOverrides: Object.fromEntries(Object.entries(properties['stateOverrides'] as Record<string, string>).filter(([, status]) => isVmStatus(status))) as Record<string, VmStatus>,
    tls: { caFile: tls.caFile ?? undefined, insecureSkipVerify: tls.insecureSkipVerify },
    options: optionsResult.properties,
    origin: options.origin,
    ...(windows.windows && windows.windows.length > 0 ? { maintenanceWindows: windows.windows } : {}),
  });
  const adapterIssues = adapter.validate?.(endpoint) ?? [];
  if (adapterIssues.length > 0) return { issues: adapterIssues.map((issue) => ({ path: at(issue.path), message: issue.message })) };
  return { endpoint, issues: [] };
}

/** Freezes an object graph in place and returns it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
