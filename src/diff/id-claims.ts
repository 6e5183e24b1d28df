/** Two or more platform instances that carry one DCM id in a poll, and which of them DCM hears about. */
export interface IdConflict {
  readonly instanceId: string;
  /** The instance whose states reach DCM under the id. */
  readonly owner: string;
  /** The others: listed (so never read as missing), never published, never recorded. */
  readonly setAside: readonly string[];
}

/**
 * Collects which platform instances claim each DCM id during one poll and
 * settles conflicts once the list is complete (a clone can be listed pages
 * before its original: Nova lists newest first).
 */
export interface IdClaims {
  /** `known`: DCM was told about this instance under this id (a live record in the cache). */
  claim(instanceId: string, platformId: string, known: boolean): void;
  /** The conflicts, each with its owner; empty when every id has one claimant. */
  settle(): IdConflict[];
}

/**
 * Creates an empty {@link IdClaims}. The owner of a contested id is the
 * instance DCM already knows under it (the original: a clone or a copied
 * tag is the newcomer); when none or several are known, the lowest platform
 * id, so every poll picks the same one. DCM keys its view by the id: two
 * instances reporting under it would overwrite each other's state, and the
 * deletion of the newcomer would reach DCM as the deletion of its instance.
 */
export function createIdClaims(): IdClaims {
  const claims = new Map<string, Array<{ platformId: string; known: boolean }>>();
  return {
    claim(instanceId, platformId, known) {
      const existing = claims.get(instanceId);
      if (existing === undefined) claims.set(instanceId, [{ platformId, known }]);
      else existing.push({ platformId, known });
    },
    settle() {
      const conflicts: IdConflict[] = [];
      for (const [instanceId, claimants] of claims) {
        if (claimants.length < 2) continue;
        const ordered = [...claimants].sort((a, b) => Number(b.known) - Number(a.known) || (a.platformId < b.platformId ? -1 : 1));
        const [owner, ...others] = ordered;
        if (owner) conflicts.push({ instanceId, owner: owner.platformId, setAside: others.map((other) => other.platformId) });
      }
      return conflicts;
    },
  };
}
