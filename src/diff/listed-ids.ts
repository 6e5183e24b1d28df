import type { EndpointIndex, IndexEntry } from '../cache/index.js';

/**
 * The members of one index in a fixed order: each platform id's position and
 * the entry at it. Built once per index (the differ keeps it beside the
 * members it was built from, which never change), so a poll looks each listed
 * id up once and marks it listed in a byte array, instead of looking it up in
 * the members and then adding it to a Set of 100,000 strings every poll, on
 * every platform (in process at that size, in a heap the bridge's size:
 * 0.7–0.8 µs a VM that way, 0.5 µs this way). Internal to the diff stage.
 */
export interface MemberPositions {
  readonly positions: ReadonlyMap<string, number>;
  readonly entries: readonly IndexEntry[];
  /** The platform id at each position. */
  readonly platformIds: readonly string[];
  /**
   * Learned from the polls, a hint only: at each position, the member's
   * position that was listed right after it the last time it was listed, or
   * -1; at `entries.length`, the first member listed. A platform lists in
   * the same order poll after poll, and the index's order is Redis's, not
   * the listing's, so this predicts the next position where the order of the
   * members cannot.
   */
  readonly followers: Int32Array;
}

/** The positions of `members`, in their iteration order. */
export function memberPositionsOf(members: EndpointIndex['members']): MemberPositions {
  const positions = new Map<string, number>();
  const entries: IndexEntry[] = [];
  const platformIds: string[] = [];
  for (const [platformId, entry] of members) {
    positions.set(platformId, entries.length);
    entries.push(entry);
    platformIds.push(platformId);
  }
  return { positions, entries, platformIds, followers: new Int32Array(entries.length + 1).fill(-1) };
}

/** What {@link ListedIds.list} answers for an id this poll has listed before (a duplicate across pages). */
export const alreadyListed: unique symbol = Symbol('already listed');

/**
 * The platform ids one poll has listed so far, publishable or not, and how
 * many of them are members of the index the poll began with. When a complete
 * list has shown every member, nothing is missing, and the finish need not
 * walk the index to find out (at 100,000 VMs that walk is a hash lookup a
 * member, every poll). Internal to the diff stage.
 */
export class ListedIds {
  /** 1 at the position of each member listed. */
  private readonly listedMembers: Uint8Array;
  /** Listed ids the index does not hold: new instances, a handful a poll. */
  private readonly others = new Set<string>();
  private membersListed = 0;
  /** The position of the member listed last, or `entries.length` before the first: where {@link MemberPositions.followers} is read and taught. */
  private lastListed: number;

  constructor(private readonly members: MemberPositions) {
    this.listedMembers = new Uint8Array(members.entries.length);
    this.lastListed = members.entries.length;
  }

  /**
   * The member's position of `platformId`, or undefined. Tried first at the
   * position that followed the last member listed in the poll before: a
   * comparison of two ids where the lookup in 100,000 members misses the
   * processor's caches (`node dist/bench/listed-ids.bench.js`: 0.11–0.12
   * µs a VM against 0.69–0.74 µs for the lookup alone). A wrong guess only
   * costs that comparison: the lookup decides then.
   */
  private positionOf(platformId: string): number | undefined {
    const { followers, platformIds } = this.members;
    const guess = followers[this.lastListed] ?? -1;
    const position = guess >= 0 && platformIds[guess] === platformId ? guess : this.members.positions.get(platformId);
    if (position !== undefined) {
      followers[this.lastListed] = position;
      this.lastListed = position;
    }
    return position;
  }

  /**
   * Marks `platformId` listed.
   * @returns its index entry (undefined when the index does not hold it), or
   * {@link alreadyListed} when this poll listed it before.
   */
  list(platformId: string): IndexEntry | undefined | typeof alreadyListed {
    const position = this.positionOf(platformId);
    if (position === undefined) {
      // One hash operation, not two (has, then add).
      const before = this.others.size;
      this.others.add(platformId);
      return this.others.size === before ? alreadyListed : undefined;
    }
    if (this.listedMembers[position] === 1) return alreadyListed;
    this.listedMembers[position] = 1;
    this.membersListed++;
    return this.members.entries[position];
  }

  has(platformId: string): boolean {
    const position = this.members.positions.get(platformId);
    return position === undefined ? this.others.has(platformId) : this.listedMembers[position] === 1;
  }

  /** True when every member of the index has been listed. */
  coversAllMembers(): boolean {
    return this.membersListed === this.listedMembers.length;
  }
}
