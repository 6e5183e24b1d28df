import { secretKeyPattern, type EndpointConfig } from '../../config/index.js';
import { camelToSnake, toApiFields } from '../case.js';

/** Create and update times of an API registration. */
export interface RegistrationTimes {
  readonly createTime: string;
  readonly updateTime: string;
}

/**
 * An endpoint as the API shows it. Built from an allow-list of fields, so
 * credentials can never slip in: only the names of the credentials that are
 * set appear (`credential_keys`). Platform keys sit beside the common fields,
 * as in YAML; one whose name looks secret is left out all the same.
 */
export function endpointResource(endpoint: EndpointConfig, times?: RegistrationTimes): Record<string, unknown> {
  const platformKeys = Object.entries(endpoint.options).filter(([key, value]) => value !== null && value !== undefined && value !== '' && !secretKeyPattern.test(key));
  return {
    // First, so no platform key can shadow a common field.
    ...Object.fromEntries(platformKeys.map(([key, value]) => [camelToSnake(key), value])),
    id: endpoint.name,
    path: `endpoints/${endpoint.name}`,
    origin: endpoint.origin,
    platform: endpoint.platform,
    ...(endpoint.url !== undefined ? { url: endpoint.url } : {}),
    service_type: endpoint.serviceType,
    interval_seconds: endpoint.intervalSeconds,
    selector: toApiFields(endpoint.selector),
    state_overrides: endpoint.stateOverrides,
    tls: { ...(endpoint.tls.caFile !== undefined ? { ca_file: endpoint.tls.caFile } : {}), insecure_skip_verify: endpoint.tls.insecureSkipVerify },
    ...(endpoint.maintenanceWindows ? { maintenance_windows: toApiFields(endpoint.maintenanceWindows) } : {}),
    credential_keys: Object.entries(endpoint.credentials)
      .filter(([, value]) => value !== undefined && value !== null && value !== '')
      .map(([key]) => camelToSnake(key))
      .sort(),
    ...(times ? { create_time: times.createTime, update_time: times.updateTime } : {}),
  };
}
