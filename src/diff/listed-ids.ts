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
}

/** The positions of `members`, in their iteration order. */
export function memberPositionsOf(members: EndpointIndex['members']): MemberPositions {
  const positions = new Map<string, number>();
  const entries: IndexEntry[] = [];
  for (const [platformId, entry] of members) {
    positions.set(platformId, entries.length);
    entries.push(entry);
  }
  return { positions, entries };
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

  constructor(private readonly members: MemberPositions) {
    this.listedMembers = new Uint8Array(members.entries.length);
  }

  /**
   * Marks `platformId` listed.
   * @returns its index entry (undefined when the index does not hold it), or
   * {@link alreadyListed} when this poll listed it before.
   */
  list(platformId: string): IndexEntry | undefined | typeof alreadyListed {
    const position = this.members.positions.get(platformId);
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
