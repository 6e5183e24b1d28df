import {
  DEFAULT_PLACEMENT,
  VIRTUAL_MACHINE_TYPE,
  type Cardinality,
  type CategoryRecord,
  type ConnectionState,
  type CustomFieldRecord,
  type PowerState,
  type TagRecord,
  type TagReference,
  type VmPlacement,
  type VmRecord,
} from './model.js';

/** Why an inventory change was refused; maps onto a vAPI error kind. */
export class InventoryError extends Error {
  override readonly name = 'InventoryError';

  constructor(
    readonly code: 'not_found' | 'invalid_argument',
    message: string,
  ) {
    super(message);
  }
}

/** A VM to add. Unset fields get defaults (id `vm-<n>`, powered on, 2 vCPU, 4 GiB). */
export interface NewVm extends Partial<VmPlacement> {
  readonly id?: string;
  readonly name: string;
  readonly powerState?: PowerState;
  readonly cpuCount?: number;
  readonly memorySizeMiB?: number;
  readonly guestOs?: string;
  readonly tags?: readonly TagReference[];
  /** Default `connected`. */
  readonly connectionState?: ConnectionState;
}

/** A category to create. Default cardinality SINGLE, associable to VMs. */
export interface NewCategory {
  readonly name: string;
  readonly description?: string;
  readonly cardinality?: Cardinality;
}

/**
 * The `GET /vcenter/vm` filter spec. Within one field any value matches; fields
 * combine with AND. An absent or empty field does not filter.
 */
export interface VmFilter {
  readonly vms?: readonly string[];
  readonly names?: readonly string[];
  readonly powerStates?: readonly PowerState[];
  readonly folders?: readonly string[];
  readonly datacenters?: readonly string[];
  readonly hosts?: readonly string[];
  readonly clusters?: readonly string[];
  readonly resourcePools?: readonly string[];
}

/** Result of a list: the matches, or a refusal because more than `limit` matched. */
export type VmListOutcome = { readonly ok: true; readonly vms: readonly VmRecord[] } | { readonly ok: false; readonly matchedMoreThan: number };

/**
 * A VM removed from the inventory without deleting its files (vSphere Automation API `VM.unregister`,
 * "without removing any of the virtual machine's files from storage"). Registering it again
 * gives it a new identifier: a managed object reference "changes" when an object is removed
 * from the inventory and put back (vSphere Web Services API reference, data object `ManagedObjectReference`), and
 * tag associations, which are keyed by that reference, do not come back.
 */
export interface UnregisteredVm {
  /** The identifier it had while registered. */
  readonly formerId: string;
  readonly name: string;
  /** The datastore path of its configuration file, which stays on disk. */
  readonly vmxPath: string;
}

/** Options of {@link VsphereInventory.bulkCreateVms}. */
export interface BulkCreateOptions {
  readonly count: number;
  readonly namePrefix?: string;
  readonly powerState?: PowerState;
  /** Tags attached to every created VM. */
  readonly tags?: readonly TagReference[];
}

/** Options of {@link VsphereInventory.seedDcmVms}. */
export interface SeedDcmOptions {
  /** VMs to create in all. */
  readonly count: number;
  /** How many of them (the first ones) DCM manages: `managed-by=dcm` plus an instance-id tag. */
  readonly tagged: number;
  readonly managedByCategory?: string;
  readonly managedByTag?: string;
  readonly instanceIdCategory?: string;
  readonly namePrefix?: string;
  readonly powerState?: PowerState;
  /**
   * How the managed VMs are marked: `tag` (default) attaches the tags; `customAttribute` sets
   * the custom attributes named like the categories (`managed-by` = `dcm`, `dcm-instance-id` =
   * the id) instead; `both` does both.
   */
  readonly via?: DcmMarking;
  /** Number of the first instance id (`inst-00201` for 201); default: where the previous seeding stopped (1 at first). */
  readonly firstInstanceNumber?: number;
}

/** How {@link VsphereInventory.seedDcmVms} marks DCM's VMs. */
export type DcmMarking = 'tag' | 'customAttribute' | 'both';

/** One VM created by {@link VsphereInventory.seedDcmVms}. */
export interface SeededVm {
  readonly vmId: string;
  /** The DCM instance id (a DNS label such as `inst-00042`); absent for untagged VMs. */
  readonly instanceId?: string;
}

/** The simulated vCenter inventory: VMs, tag categories, tags and tag associations. */
export interface VsphereInventory {
  addVm(input: NewVm): VmRecord;
  removeVm(vmId: string): boolean;
  getVm(vmId: string): VmRecord | undefined;
  setPowerState(vmId: string, state: PowerState): VmRecord;
  renameVm(vmId: string, name: string): VmRecord;
  vmCount(): number;
  /**
   * Lists VMs matching the filter, refusing when more than `limit` match. Never scans more
   * than `limit + 1` matching VMs. `canSee` narrows the list to what one account may see
   * (the limit counts visible VMs, as vCenter's "at most 4000 visible" does).
   */
  listVms(filter: VmFilter, limit: number, canSee?: (vmId: string) => boolean): VmListOutcome;
  /** Removes a VM from the inventory, keeping its files; undefined when there is no such VM. */
  unregisterVm(vmId: string): UnregisteredVm | undefined;
  /** Registers an unregistered VM again, powered off, under a new id and without tags. */
  registerVm(formerId: string): VmRecord;
  /** VMs unregistered and not registered again. */
  listUnregistered(): readonly UnregisteredVm[];

  createCategory(input: NewCategory): CategoryRecord;
  getCategory(categoryId: string): CategoryRecord | undefined;
  findCategoryByName(name: string): CategoryRecord | undefined;
  listCategories(): readonly CategoryRecord[];
  createTag(categoryId: string, name: string, description?: string): TagRecord;
  getTag(tagId: string): TagRecord | undefined;
  findTag(categoryName: string, tagName: string): TagRecord | undefined;
  listTags(): readonly TagRecord[];
  listTagsForCategory(categoryId: string): readonly TagRecord[];

  /** Attaches a tag to a VM; idempotent; refuses a second tag of a SINGLE category. */
  attachTag(tagId: string, vmId: string): void;
  /** Detaches a tag from a VM; a no-op when it was not attached. */
  detachTag(tagId: string, vmId: string): void;
  vmsWithTag(tagId: string): ReadonlySet<string>;
  tagsOnVm(vmId: string): ReadonlySet<string>;
  /** Attaches `category`/`tag` by name, creating the category (SINGLE) and tag on first use. */
  tagVm(vmId: string, reference: TagReference): TagRecord;
  /** Detaches `category`/`tag` by name; a no-op when either does not exist. */
  untagVm(vmId: string, reference: TagReference): void;

  /** Creates `count` VMs at once; returns their ids in creation order. */
  bulkCreateVms(options: BulkCreateOptions): string[];
  /** Creates VMs of which the first `tagged` carry the DCM selector tags. */
  seedDcmVms(options: SeedDcmOptions): SeededVm[];

  /**
   * Defines a custom attribute (`CustomFieldsManager.AddCustomFieldDef`); `managedObjectType`
   * unset makes it global, as `govc fields.add` without `-type` does. Idempotent by name:
   * an existing field's key is returned unchanged.
   */
  defineCustomField(name: string, managedObjectType?: string): number;
  /** Every custom field definition, in key order (`CustomFieldsManager.field`). */
  customFields(): readonly CustomFieldRecord[];
  findCustomField(name: string): CustomFieldRecord | undefined;
  /**
   * Sets a VM's custom attribute (`CustomFieldsManager.SetField`), defining the field first if
   * needed; `''` removes the value, as vCenter then shows none for the VM.
   */
  setCustomValue(vmId: string, fieldName: string, value: string): VmRecord;
  /** Sets `runtime.connectionState` (host disconnected, VM orphaned, files inaccessible…). */
  setConnectionState(vmId: string, state: ConnectionState): VmRecord;

  /** Empties the inventory and restarts the id counters. */
  clear(): void;
}

function addToIndex<Key>(index: Map<Key, Set<string>>, key: Key, id: string): void {
  let members = index.get(key);
  if (members === undefined) {
    members = new Set();
    index.set(key, members);
  }
  members.add(id);
}

function removeFromIndex<Key>(index: Map<Key, Set<string>>, key: Key, id: string): void {
  const members = index.get(key);
  members?.delete(id);
  if (members?.size === 0) {
    index.delete(key);
  }
}

const EMPTY: ReadonlySet<string> = new Set();
const NO_CUSTOM_VALUES: ReadonlyMap<number, string> = new Map();

/** Key of the (category, tag name) index; tag names are unique within a category. */
function tagKey(categoryId: string, tagName: string): string {
  return `${categoryId}\u0000${tagName}`;
}

/** A deterministic UUID-looking string, so ids read alike from run to run. */
function counterUuid(counter: number): string {
  return `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
}

/** The number of a `vm-<n>` id, or undefined for other ids. */
function vmNumber(vmId: string): number | undefined {
  const found = /^vm-(\d+)$/.exec(vmId);
  return found?.[1] === undefined ? undefined : Number(found[1]);
}

/**
 * Creates an empty inventory. VMs are indexed by id, name and power state, and tag
 * associations both ways (tag → VMs, VM → tags), so no request scans all VMs.
 */
export function createInventory(): VsphereInventory {
  const vms = new Map<string, VmRecord>();
  const vmIdsByName = new Map<string, Set<string>>();
  const vmIdsByPowerState = new Map<PowerState, Set<string>>();
  const categories = new Map<string, CategoryRecord>();
  const categoryIdByName = new Map<string, string>();
  const tags = new Map<string, TagRecord>();
  const tagIdsByCategory = new Map<string, Set<string>>();
  const tagIdByCategoryAndName = new Map<string, string>();
  const vmIdsByTag = new Map<string, Set<string>>();
  const tagIdsByVm = new Map<string, Set<string>>();
  const unregistered = new Map<string, UnregisteredVm>();
  const customFieldsByName = new Map<string, CustomFieldRecord>();
  // vCenter assigns field keys itself; starting above 100 keeps them from looking like list positions.
  const FIRST_FIELD_KEY = 101;
  let nextFieldKey = FIRST_FIELD_KEY;
  let nextVmNumber = 1001;
  let nextTaggingNumber = 1;
  let nextInstanceNumber = 1;

  function requireVm(vmId: string): VmRecord {
    const vm = vms.get(vmId);
    if (vm === undefined) {
      throw new InventoryError('not_found', `no VM ${vmId}`);
    }
    return vm;
  }

  function requireTag(tagId: string): TagRecord {
    const tag = tags.get(tagId);
    if (tag === undefined) {
      throw new InventoryError('not_found', `no tag ${tagId}`);
    }
    return tag;
  }

  function replaceVm(previous: VmRecord, next: VmRecord): VmRecord {
    vms.set(next.id, next);
    if (previous.name !== next.name) {
      removeFromIndex(vmIdsByName, previous.name, next.id);
      addToIndex(vmIdsByName, next.name, next.id);
    }
    if (previous.powerState !== next.powerState) {
      removeFromIndex(vmIdsByPowerState, previous.powerState, next.id);
      addToIndex(vmIdsByPowerState, next.powerState, next.id);
    }
    return next;
  }

  function categoryByNameOrCreate(name: string): CategoryRecord {
    const existing = inventory.findCategoryByName(name);
    return existing ?? inventory.createCategory({ name });
  }

  /** The filter's fields as sets (absent when not filtering), so each check is O(1) even for 1,000 named ids. */
  function filterSets(filter: VmFilter): ((vm: VmRecord) => boolean)[] {
    const checks: ((vm: VmRecord) => boolean)[] = [];
    const add = (values: readonly string[] | undefined, field: (vm: VmRecord) => string): void => {
      if (values !== undefined && values.length > 0) {
        const allowed = new Set(values);
        checks.push((vm) => allowed.has(field(vm)));
      }
    };
    add(filter.vms, (vm) => vm.id);
    add(filter.names, (vm) => vm.name);
    add(filter.powerStates, (vm) => vm.powerState);
    add(filter.folders, (vm) => vm.folder);
    add(filter.datacenters, (vm) => vm.datacenter);
    add(filter.hosts, (vm) => vm.host);
    add(filter.clusters, (vm) => vm.cluster);
    add(filter.resourcePools, (vm) => vm.resourcePool);
    return checks;
  }

  /** The narrowest indexed candidate set for a filter: named ids, else names, else power states, else all. */
  function* candidates(filter: VmFilter): Generator<string> {
    const nonEmpty = (values: readonly string[] | undefined): values is readonly string[] => values !== undefined && values.length > 0;
    if (nonEmpty(filter.vms)) {
      yield* new Set(filter.vms);
    } else if (nonEmpty(filter.names)) {
      for (const name of new Set(filter.names)) {
        yield* vmIdsByName.get(name) ?? EMPTY;
      }
    } else if (nonEmpty(filter.powerStates)) {
      for (const state of new Set(filter.powerStates)) {
        yield* vmIdsByPowerState.get(state) ?? EMPTY;
      }
    } else {
      yield* vms.keys();
    }
  }

  const inventory: VsphereInventory = {
    addVm(input) {
      const number = input.id === undefined ? nextVmNumber : vmNumber(input.id);
      const id = input.id ?? `vm-${nextVmNumber}`;
      if (vms.has(id)) {
        throw new InventoryError('invalid_argument', `VM ${id} already exists`);
      }
      if (number !== undefined && number >= nextVmNumber) {
        nextVmNumber = number + 1;
      }
      const vm: VmRecord = {
        ...DEFAULT_PLACEMENT,
        id,
        name: input.name,
        powerState: input.powerState ?? 'POWERED_ON',
        cpuCount: input.cpuCount ?? 2,
        memorySizeMiB: input.memorySizeMiB ?? 4096,
        guestOs: input.guestOs ?? 'OTHER_3X_LINUX_64',
        connectionState: input.connectionState ?? 'connected',
        customValues: NO_CUSTOM_VALUES,
        ...(input.folder === undefined ? {} : { folder: input.folder }),
        ...(input.datacenter === undefined ? {} : { datacenter: input.datacenter }),
        ...(input.host === undefined ? {} : { host: input.host }),
        ...(input.cluster === undefined ? {} : { cluster: input.cluster }),
        ...(input.resourcePool === undefined ? {} : { resourcePool: input.resourcePool }),
      };
      vms.set(id, vm);
      addToIndex(vmIdsByName, vm.name, id);
      addToIndex(vmIdsByPowerState, vm.powerState, id);
      for (const reference of input.tags ?? []) {
        inventory.tagVm(id, reference);
      }
      return vm;
    },

    removeVm(vmId) {
      const vm = vms.get(vmId);
      if (vm === undefined) {
        return false;
      }
      for (const tagId of tagIdsByVm.get(vmId) ?? EMPTY) {
        removeFromIndex(vmIdsByTag, tagId, vmId);
      }
      tagIdsByVm.delete(vmId);
      removeFromIndex(vmIdsByName, vm.name, vmId);
      removeFromIndex(vmIdsByPowerState, vm.powerState, vmId);
      vms.delete(vmId);
      return true;
    },

    getVm: (vmId) => vms.get(vmId),
    setPowerState: (vmId, state) => {
      const vm = requireVm(vmId);
      return replaceVm(vm, { ...vm, powerState: state });
    },
    renameVm: (vmId, name) => {
      const vm = requireVm(vmId);
      return replaceVm(vm, { ...vm, name });
    },
    vmCount: () => vms.size,

    listVms(filter, limit, canSee) {
      const checks = filterSets(filter);
      if (canSee !== undefined) {
        checks.push((vm) => canSee(vm.id));
      }
      const found: VmRecord[] = [];
      for (const vmId of candidates(filter)) {
        const vm = vms.get(vmId);
        if (vm !== undefined && checks.every((check) => check(vm))) {
          found.push(vm);
          if (found.length > limit) {
            return { ok: false, matchedMoreThan: limit };
          }
        }
      }
      return { ok: true, vms: found };
    },

    unregisterVm(vmId) {
      const vm = vms.get(vmId);
      if (vm === undefined) {
        return undefined;
      }
      inventory.removeVm(vmId);
      const record: UnregisteredVm = { formerId: vmId, name: vm.name, vmxPath: `[datastore1] ${vm.name}/${vm.name}.vmx` };
      unregistered.set(vmId, record);
      return record;
    },
    registerVm(formerId) {
      const record = unregistered.get(formerId);
      if (record === undefined) {
        throw new InventoryError('not_found', `no unregistered VM ${formerId}`);
      }
      unregistered.delete(formerId);
      return inventory.addVm({ name: record.name, powerState: 'POWERED_OFF' });
    },
    listUnregistered: () => [...unregistered.values()],

    createCategory(input) {
      if (categoryIdByName.has(input.name)) {
        throw new InventoryError('invalid_argument', `category ${input.name} already exists`);
      }
      const category: CategoryRecord = {
        id: `urn:vmomi:InventoryServiceCategory:${counterUuid(nextTaggingNumber++)}:GLOBAL`,
        name: input.name,
        description: input.description ?? '',
        cardinality: input.cardinality ?? 'SINGLE',
        associableTypes: [VIRTUAL_MACHINE_TYPE],
      };
      categories.set(category.id, category);
      categoryIdByName.set(category.name, category.id);
      return category;
    },
    getCategory: (categoryId) => categories.get(categoryId),
    findCategoryByName: (name) => {
      const id = categoryIdByName.get(name);
      return id === undefined ? undefined : categories.get(id);
    },
    listCategories: () => [...categories.values()],

    createTag(categoryId, name, description = '') {
      if (!categories.has(categoryId)) {
        throw new InventoryError('not_found', `no category ${categoryId}`);
      }
      if (tagIdByCategoryAndName.has(tagKey(categoryId, name))) {
        throw new InventoryError('invalid_argument', `tag ${name} already exists in category ${categoryId}`);
      }
      const tag: TagRecord = { id: `urn:vmomi:InventoryServiceTag:${counterUuid(nextTaggingNumber++)}:GLOBAL`, categoryId, name, description };
      tags.set(tag.id, tag);
      addToIndex(tagIdsByCategory, categoryId, tag.id);
      tagIdByCategoryAndName.set(tagKey(categoryId, name), tag.id);
      return tag;
    },
    getTag: (tagId) => tags.get(tagId),
    findTag(categoryName, tagName) {
      const category = inventory.findCategoryByName(categoryName);
      if (category === undefined) {
        return undefined;
      }
      const tagId = tagIdByCategoryAndName.get(tagKey(category.id, tagName));
      return tagId === undefined ? undefined : tags.get(tagId);
    },
    listTags: () => [...tags.values()],
    listTagsForCategory: (categoryId) => [...(tagIdsByCategory.get(categoryId) ?? EMPTY)].flatMap((tagId) => tags.get(tagId) ?? []),

    attachTag(tagId, vmId) {
      const tag = requireTag(tagId);
      requireVm(vmId);
      const attached = tagIdsByVm.get(vmId) ?? EMPTY;
      if (attached.has(tagId)) {
        return;
      }
      const category = categories.get(tag.categoryId);
      if (category?.cardinality === 'SINGLE') {
        for (const otherTagId of attached) {
          if (tags.get(otherTagId)?.categoryId === category.id) {
            throw new InventoryError('invalid_argument', `VM ${vmId} already carries a tag of the single-cardinality category ${category.name}`);
          }
        }
      }
      addToIndex(vmIdsByTag, tagId, vmId);
      addToIndex(tagIdsByVm, vmId, tagId);
    },
    detachTag(tagId, vmId) {
      requireTag(tagId);
      removeFromIndex(vmIdsByTag, tagId, vmId);
      removeFromIndex(tagIdsByVm, vmId, tagId);
    },
    vmsWithTag: (tagId) => vmIdsByTag.get(tagId) ?? EMPTY,
    tagsOnVm: (vmId) => tagIdsByVm.get(vmId) ?? EMPTY,

    tagVm(vmId, reference) {
      const category = categoryByNameOrCreate(reference.category);
      const tag = inventory.findTag(reference.category, reference.tag) ?? inventory.createTag(category.id, reference.tag);
      inventory.attachTag(tag.id, vmId);
      return tag;
    },
    untagVm(vmId, reference) {
      const tag = inventory.findTag(reference.category, reference.tag);
      if (tag !== undefined) {
        inventory.detachTag(tag.id, vmId);
      }
    },

    bulkCreateVms(options) {
      const namePrefix = options.namePrefix ?? 'vm';
      const ids: string[] = [];
      for (let index = 0; index < options.count; index += 1) {
        const vm = inventory.addVm({ name: `${namePrefix}-${nextVmNumber}`, powerState: options.powerState, tags: options.tags });
        ids.push(vm.id);
      }
      return ids;
    },

    seedDcmVms(options) {
      const managedBy: TagReference = { category: options.managedByCategory ?? 'managed-by', tag: options.managedByTag ?? 'dcm' };
      const instanceIdCategory = options.instanceIdCategory ?? 'dcm-instance-id';
      const namePrefix = options.namePrefix ?? 'dcm-vm';
      const via = options.via ?? 'tag';
      if (options.firstInstanceNumber !== undefined) nextInstanceNumber = options.firstInstanceNumber;
      const seeded: SeededVm[] = [];
      for (let index = 0; index < options.count; index += 1) {
        const vm = inventory.addVm({ name: `${namePrefix}-${nextVmNumber}`, powerState: options.powerState });
        if (index < options.tagged) {
          const instanceId = `inst-${String(nextInstanceNumber++).padStart(5, '0')}`;
          if (via !== 'customAttribute') {
            inventory.tagVm(vm.id, managedBy);
            inventory.tagVm(vm.id, { category: instanceIdCategory, tag: instanceId });
          }
          if (via !== 'tag') {
            inventory.setCustomValue(vm.id, managedBy.category, managedBy.tag);
            inventory.setCustomValue(vm.id, instanceIdCategory, instanceId);
          }
          seeded.push({ vmId: vm.id, instanceId });
        } else {
          seeded.push({ vmId: vm.id });
        }
      }
      return seeded;
    },

    defineCustomField(name, managedObjectType) {
      const existing = customFieldsByName.get(name);
      if (existing !== undefined) {
        return existing.key;
      }
      if (name === '') {
        throw new InventoryError('invalid_argument', 'a custom field needs a name');
      }
      const field: CustomFieldRecord = { key: nextFieldKey++, name, ...(managedObjectType === undefined ? {} : { managedObjectType }) };
      customFieldsByName.set(name, field);
      return field.key;
    },
    customFields: () => [...customFieldsByName.values()],
    findCustomField: (name) => customFieldsByName.get(name),
    setCustomValue(vmId, fieldName, value) {
      const vm = requireVm(vmId);
      const key = inventory.defineCustomField(fieldName);
      if (value === '' && !vm.customValues.has(key)) {
        return vm;
      }
      const customValues = new Map(vm.customValues);
      if (value === '') {
        customValues.delete(key);
      } else {
        customValues.set(key, value);
      }
      return replaceVm(vm, { ...vm, customValues });
    },
    setConnectionState(vmId, state) {
      const vm = requireVm(vmId);
      return replaceVm(vm, { ...vm, connectionState: state });
    },

    clear() {
      for (const index of [vms, vmIdsByName, vmIdsByPowerState, categories, categoryIdByName, tags, tagIdsByCategory, tagIdByCategoryAndName, vmIdsByTag, tagIdsByVm, unregistered, customFieldsByName]) {
        index.clear();
      }
      nextFieldKey = FIRST_FIELD_KEY;
      nextVmNumber = 1001;
      nextTaggingNumber = 1;
      nextInstanceNumber = 1;
    },
  };
  return inventory;
}
