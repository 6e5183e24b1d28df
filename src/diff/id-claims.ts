/** Two or more platform instances that carry one DCM id in a poll, and which of them DCM hears about. */
export interface IdConflict {
  readonly instanceId: string;
  /** The instance whose states reach DCM under the id. */
  readonly owner: string;
  /** The others: listed (so never read as missing), never published, never recorded. */
  readonly setAside: readonly string[];
}

/**
 * Decides, instance by instance as pages arrive, which platform instance
 * owns each DCM id, so a page's changes can be published before the list
 * is complete.
 */
export interface IdClaims {
  /** True when `platformId` may report under `instanceId`; false sets it aside (recorded as a conflict). */
  claim(instanceId: string, platformId: string): boolean;
  /** The conflicts met so far, each with its owner; empty when every id had one claimant. */
  conflicts(): IdConflict[];
}

/**
 * Creates the claims of one poll over the index's owners: `known` maps each
 * DCM id to the instance DCM hears it from (the index entry carrying it; of
 * several, the lowest platform id). That instance keeps the id, listed or
 * not (a clone or a copied tag is the newcomer, and Nova lists the newest
 * first, so the clone often comes pages before its original). An id nobody
 * owns yet goes to the first instance listed with it; once its event is
 * recorded the index names it, so every later poll picks the same one.
 * DCM keys its view by the id: two instances reporting under it would
 * overwrite each other's state, and the deletion of the newcomer would
 * reach DCM as the deletion of its instance.
 */
export function createIdClaims(known: ReadonlyMap<string, string>): IdClaims {
  const claimedThisPoll = new Map<string, string>();
  const conflicts = new Map<string, { owner: string; setAside: string[] }>();
  return {
    claim(instanceId, platformId) {
      let owner = known.get(instanceId) ?? claimedThisPoll.get(instanceId);
      if (owner === undefined) {
        claimedThisPoll.set(instanceId, platformId);
        owner = platformId;
      }
      if (owner === platformId) return true;
      const conflict = conflicts.get(instanceId) ?? { owner, setAside: [] };
      conflict.setAside.push(platformId);
      conflicts.set(instanceId, conflict);
      return false;
    },
    conflicts: () => [...conflicts].map(([instanceId, { owner, setAside }]) => ({ instanceId, owner, setAside })),
  };
}

/**
 * Each DCM id's owner among an index's members (entries carrying an id, not
 * reported DELETED; of several, the lowest platform id), and whether any id
 * has several: when none has, a member whose entry carries an id owns it,
 * which spares a steady poll a claim per instance.
 */
export function ownersOf(members: Iterable<readonly [string, { readonly instanceId?: string; readonly status?: string }]>): { readonly owners: Map<string, string>; readonly shared: boolean } {
  const owners = new Map<string, string>();
  let shared = false;
  for (const [platformId, entry] of members) {
    if (entry.instanceId === undefined || entry.status === 'DELETED') continue;
    const current = owners.get(entry.instanceId);
    if (current !== undefined) shared = true;
    if (current === undefined || platformId < current) owners.set(entry.instanceId, platformId);
  }
  return { owners, shared };
}
