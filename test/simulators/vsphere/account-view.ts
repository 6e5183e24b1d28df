/**
 * What the simulated vCenter shows the account tests log in with, and the quirks of
 * some vCenter builds. Both are switches a test flips, in process or over `/_sim/`.
 *
 * Visibility follows the vSphere Automation API reference:
 * - `GET /vcenter/vm` "returns information about at most 4000 visible (subject to
 *   permission checks) virtual machines": a VM the account may not read is left out;
 * - `GET /vcenter/vm/{vm}` raises `Unauthorized` "if you do not have all of the privileges
 *   described as follows: the resource VirtualMachine referenced by the parameter vm
 *   requires System.Read" (403), and `NotFound` "if the virtual machine is not found" (404);
 * - tag associations (`TagAssociation` in the reference, e.g. the Go SDK's
 *   services/vsphere/cis/tagging/TagAssociationClient.go): `list-attached-objects-on-tags`
 *   "will only contain those objects for which you have the read privilege";
 *   `list-attached-tags-on-objects` needs "the read privilege on each input object" and
 *   documents no Unauthorized, so an unreadable object is left out; `list-attached-tags`,
 *   `attach` and `detach` raise Unauthorized "if you do not have the privilege to read the object".
 */
export interface AccountView {
  /** Whether the account may read (and so see) this VM. */
  canRead(vmId: string): boolean;
  /** Hides VMs from the account (a permission removed) or shows them again; returns how many changed. */
  setVisible(vmIds: readonly string[], visible: boolean): number;
  /** VMs the account may not read now. */
  hiddenVms(): string[];
  clear(): void;
}

/** Creates a view in which the account sees every VM. */
export function createAccountView(): AccountView {
  const hidden = new Set<string>();
  return {
    canRead: (vmId) => !hidden.has(vmId),
    setVisible(vmIds, visible) {
      let changed = 0;
      for (const vmId of vmIds) {
        const wasHidden = hidden.has(vmId);
        if (visible) hidden.delete(vmId);
        else hidden.add(vmId);
        if (wasHidden === visible) changed += 1;
      }
      return changed;
    },
    hiddenVms: () => [...hidden],
    clear: () => hidden.clear(),
  };
}

/** Behaviours of some vCenter builds, off unless a test turns them on. */
export interface VsphereQuirks {
  /**
   * `list-attached-objects-on-tags` answers `"object_ids": null` instead of `[]` for a tag
   * attached to nothing (seen on some builds, e.g. for the instance-id tag DCM's provisioning
   * created but has not attached yet). The reference documents a list; the bridge must read
   * null as empty.
   */
  nullObjectIdsForUnattachedTags: boolean;
}
