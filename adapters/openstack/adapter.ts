import type { PlatformAdapter } from '../../src/adapter/index.js';
import { noCloudsYaml, type CloudsYamlSources } from './clouds-yaml.js';
import { defaultChangesSinceMarginSeconds } from './changes.js';
import { createOpenstackConnection } from './connection.js';
import { describeOpenstackPlatform } from './platform.js';
import { openstackStateTable } from './state-table.js';

/** Tuning and sources of the adapter; the defaults suit a real cloud, tests make them small. */
export interface OpenstackAdapterOptions {
  /** Per-request limit. Default 30 s (platform-http's). */
  readonly requestTimeoutMs?: number;
  /** `limit` of each servers page; Nova clamps it to its `max_limit`. Default 1,000. */
  readonly pageSize?: number;
  /** `GET /servers/{id}` requests in flight at once when confirming absent servers. Default {@link defaultAbsenceConcurrency}. */
  readonly absenceConcurrency?: number;
  /** Where clouds.yaml is looked for: the CLI passes the host's environment, working directory and home directory. Default {@link noCloudsYaml}: none is found. */
  readonly cloudsYaml?: CloudsYamlSources;
  /** How far behind Nova's clock a `changes-since` cursor is put. Default {@link defaultChangesSinceMarginSeconds}. */
  readonly changesSinceMarginSeconds?: number;
}

/** The default `limit` of a servers page: Nova's default `[api] max_limit`. */
export const defaultPageSize = 1000;

/** Confirmation GETs in flight at once: enough to confirm 100 ids in a few seconds, few enough not to load one nova-api worker. */
export const defaultAbsenceConcurrency = 4;

/**
 * The OpenStack adapter: Keystone v3 (password or application credential,
 * inline or from clouds.yaml), Nova's `servers/detail` at microversion 2.26,
 * and `GET /servers/{id}` at 2.69 to confirm that an absent server is gone;
 * incremental polls through `changes-since` (`listChanges`). DCM's servers carry the tag `<managedByKey>=<managedByValue>`; the
 * instance id is the metadata value under `instanceIdKey` (or, with
 * `instanceIdSource: tag`, the tag `<instanceIdKey>=<id>`). See README.md.
 */
export function createOpenstackAdapter(options: OpenstackAdapterOptions = {}): PlatformAdapter {
  const cloudsYaml = options.cloudsYaml ?? noCloudsYaml;
  const pageSize = options.pageSize ?? defaultPageSize;
  return {
    ...describeOpenstackPlatform(cloudsYaml),
    connect(endpoint, context) {
      const knownStates = { ...openstackStateTable.entries, ...endpoint.stateOverrides };
      return createOpenstackConnection(
        endpoint,
        context,
        { requestTimeoutMs: options.requestTimeoutMs, pageSize, absenceConcurrency: options.absenceConcurrency ?? defaultAbsenceConcurrency, cloudsYaml, changesSinceMarginSeconds: options.changesSinceMarginSeconds ?? defaultChangesSinceMarginSeconds },
        knownStates,
      );
    },
  };
}
