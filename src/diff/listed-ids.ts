/**
 * The platform ids one poll has listed so far, publishable or not, and how
 * many of them are members of the index the poll began with. When a complete
 * list has shown every member, nothing is missing, and the finish need not
 * walk the index to find out (at 100,000 VMs that walk is a hash lookup a
 * member, every poll). Internal to the diff stage.
 */
export class ListedIds {
  private readonly ids = new Set<string>();
  private members = 0;

  /**
   * Marks `platformId` listed; `isMember` says whether the index holds it.
   * @returns false when it was already listed this poll (a duplicate across pages).
   */
  add(platformId: string, isMember: boolean): boolean {
    // One hash operation, not two (has, then add): at 100,000 VMs a poll does this for each.
    const before = this.ids.size;
    this.ids.add(platformId);
    if (this.ids.size === before) return false;
    if (isMember) this.members++;
    return true;
  }

  has(platformId: string): boolean {
    return this.ids.has(platformId);
  }

  /** True when every one of the index's `memberCount` members has been listed. */
  coversAllMembers(memberCount: number): boolean {
    return this.members === memberCount;
  }
}
