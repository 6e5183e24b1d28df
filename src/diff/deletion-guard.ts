/**
 * When too many of an endpoint's instances vanish from one complete list,
 * the list is more likely wrong than the estate gone (a permission change on
 * vCenter, a Nova cell down, a proxy dropping pages): deletions are held.
 */
export interface DeletionGuardSettings {
  /** Hold when more than this share of the known instances is missing (0..1). */
  readonly maxShare: number;
  /** …and at least this many are missing; smaller endpoints are never held. */
  readonly minimum: number;
}

/** The guard's verdict on one complete list. */
export interface VanishingVerdict {
  readonly hold: boolean;
  /** Instances the endpoint's index knew before this list. */
  readonly known: number;
  /** Of those, missing from this list (not already reported DELETED). */
  readonly vanished: number;
  /** One sentence for logs, health and the status API. */
  readonly reason: string;
}

/**
 * Judges one list. `released` is an operator's confirmation (through the
 * API) that the vanishing is real: the guard then lets the platform be asked.
 */
export function judgeVanishing(counts: { readonly known: number; readonly vanished: number; readonly released: boolean }, settings: DeletionGuardSettings): VanishingVerdict {
  const { known, vanished } = counts;
  const tooMany = vanished >= settings.minimum && vanished > settings.maxShare * known;
  const share = known === 0 ? 0 : Math.round((vanished / known) * 1000) / 10;
  if (!tooMany) return { hold: false, known, vanished, reason: `${vanished} of ${known} instances missing` };
  if (counts.released) return { hold: false, known, vanished, reason: `${vanished} of ${known} instances (${share} %) missing; an operator confirmed the deletions` };
  return {
    hold: true,
    known,
    vanished,
    reason: `${vanished} of ${known} instances (${share} %) vanished at once, over the guard's ${settings.maxShare * 100} % and ${settings.minimum}: deletions are held until the list recovers or an operator confirms them`,
  };
}
