/**
 * Nova behaviours that make a complete, successful listing leave out servers that
 * still exist — the cases a poller must not read as deletions — each behind a switch:
 *
 * - **Down cells** (cells v2). A server whose cell database does not answer cannot be
 *   read. As the api-guide "Handling Down Cells" page
 *   (https://docs.openstack.org/api-guide/compute/down_cells.html) and Nova's source
 *   say (`nova/api/openstack/compute/servers.py` `_is_cell_down_supported`,
 *   `nova/compute/api.py` `_get_instance_from_cell` and
 *   `_generate_minimal_construct_for_down_cells`, `nova/compute/multi_cell_list.py`):
 *   - `GET /servers[/detail]` from 2.69, **without** filters, paging or sorting
 *     parameters (`limit`, `marker`, `sort_key`, `sort_dir`; only `all_tenants` is
 *     allowed): the down cells' servers come first, as partial records (`id`,
 *     `status: "UNKNOWN"`, `links`; the detailed list adds `tenant_id`, `created`,
 *     `security_groups`), filling what the up cells left of the limit;
 *   - every other list (below 2.69, or any filter — `tags` included — or `limit` or
 *     `marker`): the down cells' servers are silently left out, or, when the
 *     operator set `[api] list_records_by_skipping_down_cells = False`, the list
 *     fails with 500;
 *   - `GET /servers/{id}` from 2.69: a partial record (also `image`, `flavor`,
 *     `user_id`, `OS-EXT-AZ:availability_zone: "UNKNOWN"`, `OS-EXT-STS:power_state: 0`,
 *     `server_groups` from 2.71); below 2.69: 500 (a `NovaException` "Cell … is not
 *     responding", which the API answers as an unexpected error).
 * - **Dropped next link**: a full page whose `servers_links` is missing (a proxy or a
 *   bug stripping it). Nova itself always links a full page (`ViewBuilder._get_next_link`).
 * - **Tags missing from list answers**: the servers of a tag-filtered `servers/detail`
 *   answer come without their `tags` key (a proxy or a bug), though Nova filtered them.
 *
 * A `next` trigger counts answers the quirk changed, not requests.
 */

/** When a quirk strikes: never, on every answer it applies to, or on the next `count` of them. */
export type QuirkTrigger = { readonly type: 'off' } | { readonly type: 'always' } | { readonly type: 'next'; readonly count: number };

/** The switches; every one is off by default. */
export interface NovaQuirkSettings {
  /** Cells whose database does not answer. Default none. */
  readonly downCells: readonly string[];
  /** Nova's `[api] list_records_by_skipping_down_cells`: true (Nova's default) skips, false fails the list with 500. */
  readonly listRecordsBySkippingDownCells: boolean;
  /** Full list pages that lose their `servers_links`. */
  readonly dropNextLink: QuirkTrigger;
  /** `servers/detail` answers (2.26+) whose servers lose their `tags`. */
  readonly omitListTags: QuirkTrigger;
}

/** The quirks whose trigger is spent answer by answer. */
export type CountedQuirk = 'dropNextLink' | 'omitListTags';

/** The switches of one simulator. */
export interface NovaQuirks {
  /** The current settings (a `next` trigger shows what is left of its count). */
  settings(): NovaQuirkSettings;
  /** Changes the settings named in `change`; the others keep their value. */
  set(change: Partial<NovaQuirkSettings>): NovaQuirkSettings;
  /** Back to the settings the simulator was created with. */
  reset(): void;
  isCellDown(cell: string): boolean;
  /** Whether a counted quirk strikes the answer being built; a `next` trigger spends one unit when it does. */
  strike(quirk: CountedQuirk): boolean;
}

/** A quirk setting the control API cannot take. */
export class QuirkSettingError extends Error {}

/** Settings with every switch off. */
export const NO_QUIRKS: NovaQuirkSettings = Object.freeze<NovaQuirkSettings>({ downCells: [], listRecordsBySkippingDownCells: true, dropNextLink: { type: 'off' }, omitListTags: { type: 'off' } });

/** Creates the switches, starting from `initial` over {@link NO_QUIRKS}. */
export function createNovaQuirks(initial: Partial<NovaQuirkSettings> = {}): NovaQuirks {
  const start: NovaQuirkSettings = { ...NO_QUIRKS, ...initial };
  let current: NovaQuirkSettings = start;
  return {
    settings: () => current,
    set(change) {
      current = { ...current, ...change };
      return current;
    },
    reset() {
      current = start;
    },
    isCellDown: (cell) => current.downCells.includes(cell),
    strike(quirk) {
      const trigger = current[quirk];
      if (trigger.type === 'off') {
        return false;
      }
      if (trigger.type === 'next') {
        current = { ...current, [quirk]: trigger.count > 1 ? { type: 'next', count: trigger.count - 1 } : { type: 'off' } };
      }
      return true;
    },
  };
}

function parseTrigger(value: unknown, key: string): QuirkTrigger {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { type, count } = value as Record<string, unknown>;
    if (type === 'off' || type === 'always') {
      return { type };
    }
    if (type === 'next' && typeof count === 'number' && Number.isInteger(count) && count > 0) {
      return { type, count };
    }
  }
  throw new QuirkSettingError(`${key} must be {"type": "off"}, {"type": "always"} or {"type": "next", "count": <positive integer>}`);
}

/** Reads a control-API body (`{"downCells": ["cell2"], "dropNextLink": {"type": "next", "count": 1}, …}`); unknown keys are refused. */
export function parseQuirkSettings(value: unknown): Partial<NovaQuirkSettings> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new QuirkSettingError('body must be a JSON object of quirk settings');
  }
  const change: { -readonly [Key in keyof NovaQuirkSettings]?: NovaQuirkSettings[Key] } = {};
  for (const [key, setting] of Object.entries(value)) {
    switch (key) {
      case 'downCells':
        if (!Array.isArray(setting) || !setting.every((cell) => typeof cell === 'string' && cell !== '')) {
          throw new QuirkSettingError('downCells must be an array of cell names');
        }
        change.downCells = setting as string[];
        break;
      case 'listRecordsBySkippingDownCells':
        if (typeof setting !== 'boolean') {
          throw new QuirkSettingError('listRecordsBySkippingDownCells must be a boolean');
        }
        change.listRecordsBySkippingDownCells = setting;
        break;
      case 'dropNextLink':
      case 'omitListTags':
        change[key] = parseTrigger(setting, key);
        break;
      default:
        throw new QuirkSettingError(`unknown quirk ${key}; known: ${Object.keys(NO_QUIRKS).join(', ')}`);
    }
  }
  return change;
}
