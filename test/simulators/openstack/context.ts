import type { ListingFaults } from './listing-faults.js';
import type { Microversion } from './microversions.js';
import type { NovaQuirks } from './quirks.js';
import type { ServerStore } from './servers.js';
import type { TokenStore } from './tokens.js';

/**
 * The one user, project and application credential the simulated cloud knows, named as
 * the bridge's endpoint `credentials` are (and as clouds.yaml's `auth` keys, camelCased).
 * Not secrets: fixtures.
 */
export interface OpenstackCredentials {
  readonly username: string;
  readonly password: string;
  readonly userDomainName: string;
  readonly projectName: string;
  readonly projectDomainName: string;
  readonly applicationCredentialId: string;
  readonly applicationCredentialSecret: string;
}

/** Ids Keystone reports for the user, the project and their domain. */
export interface IdentityIds {
  readonly userId: string;
  readonly projectId: string;
  /** Id of the domain both live in (`default` on a stock deployment). */
  readonly domainId: string;
}

/** Where each service is mounted on the simulator's origin. */
export interface ServicePaths {
  /** Keystone's root, e.g. `/identity` (devstack style) or `` (so `/v3` sits at the origin's root). */
  readonly identity: string;
  /** Nova's root, e.g. `/compute`; the API is `<root>/v2.1`. */
  readonly compute: string;
}

/** Everything the Keystone and Nova handlers work on. */
export interface OpenstackContext {
  readonly servers: ServerStore;
  readonly tokens: TokenStore;
  readonly credentials: OpenstackCredentials;
  readonly ids: IdentityIds;
  readonly paths: ServicePaths;
  readonly region: string;
  /** Nova's `[api] max_limit`: the largest page. */
  readonly maxLimit: number;
  readonly maxMicroversion: Microversion;
  readonly now: () => number;
  /** The origin clients reach the simulator at (`http://127.0.0.1:40123`), for catalogs and links. */
  publicUrl(): string;
  readonly listingFaults: ListingFaults;
  /** Down cells, dropped next links, tags missing from lists. */
  readonly quirks: NovaQuirks;
  /** How long deleted records stay visible (see `OpenstackSimulatorOptions.deletedRetentionSeconds`); changeable at run time. */
  readonly retention: { deletedSeconds: number | undefined };
}

/** `<origin><identity root>`: what the catalog lists for identity and `WWW-Authenticate` names. */
export function identityUrl(context: OpenstackContext): string {
  return `${context.publicUrl()}${context.paths.identity}`;
}

/** `<origin><compute root>/v2.1`: the compute endpoint of the catalog. */
export function computeUrl(context: OpenstackContext): string {
  return `${context.publicUrl()}${context.paths.compute}/v2.1`;
}
