import type { OpenstackSettings } from './settings.js';

/**
 * The account whose request budget an endpoint draws from (`rateLimits.openstack`):
 * the Keystone auth URL and the project, since deployments that limit Nova
 * (at their API gateway or a rate-limit middleware) count per project. The
 * project is named as the credentials name it: domain and project name, or,
 * for an application credential (bound to one project), its id. Two
 * spellings of one project (a name and an application credential) thus get
 * two buckets: the bridge may then ask for more than the rate, and the
 * platform's 429 still stops it; it never merges two projects.
 */
export function openstackAccountKey(settings: Pick<OpenstackSettings, 'authUrl' | 'auth'>): string {
  const project = settings.auth.method === 'password' ? `project:${settings.auth.projectDomainName}/${settings.auth.projectName}` : `application-credential:${settings.auth.id}`;
  return `${settings.authUrl.replace(/\/+$/, '')} ${project}`;
}
