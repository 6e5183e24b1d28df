import type { Logger } from 'pino';
import type { Selector } from '../../../src/config/index.js';
import { BridgeError, ErrorCode } from '../../../src/errors/index.js';
import { decodeCustomFieldDefs, decodeRetrieveResult, type CustomFieldDef } from './decode.js';
import { retrievePropertiesEx } from './envelopes.js';
import type { VimSession } from './session.js';
import { VimShapeError } from './xml.js';

/** The custom field keys that select DCM's VMs on one vCenter. */
export interface SelectorFields {
  /** Keys of the field named `selector.managedByKey` that apply to VMs (usually one). */
  readonly managedBy: ReadonlySet<string>;
  /** Keys of the field named `selector.instanceIdKey` that apply to VMs. */
  readonly instanceId: ReadonlySet<string>;
  /** Every field key vCenter had: a value under another key means a field was added since. */
  readonly known: ReadonlySet<string>;
}

/**
 * Custom field names → keys, from `CustomFieldsManager.field`, looked up once
 * per session (keys are vCenter-wide integers; the names are the selector's).
 */
export interface FieldDirectory {
  resolve(signal: AbortSignal): Promise<SelectorFields>;
  /** A VM carried a value under a key the last lookup did not know: a field was created since; the next resolve looks up again. */
  noticeUnknownKey(): void;
}

export interface FieldDirectoryOptions {
  readonly session: VimSession;
  readonly selector: Selector;
  readonly endpoint: string;
  readonly logger: Logger;
}

/** A field applies to VMs when it names VirtualMachine, or no type at all (a global field). */
function appliesToVms(field: CustomFieldDef): boolean {
  return field.managedObjectType === undefined || field.managedObjectType === 'VirtualMachine';
}

export function createFieldDirectory(options: FieldDirectoryOptions): FieldDirectory {
  const { session, selector, endpoint, logger } = options;
  let cached: { readonly generation: number; readonly fields: SelectorFields } | undefined;
  let stale = false;

  const missing = (name: string, key: string): BridgeError =>
    new BridgeError(
      ErrorCode.ListIncomplete,
      `vsphere endpoint ${endpoint}: vCenter has no custom attribute "${name}" for virtual machines (${key}); create it as adapters/vsphere/README.md describes (govc fields.add). Nothing is listed, so nothing is deleted.`,
      { endpoint, platform: 'vsphere' },
    );

  const lookUp = async (signal: AbortSignal): Promise<{ generation: number; fields: SelectorFields }> => {
    const { content, scope } = await session.call((current) => {
      const manager = current.refs.customFieldsManager;
      if (!manager) throw new BridgeError(ErrorCode.ListIncomplete, `vsphere endpoint ${endpoint}: the service has no CustomFieldsManager (not a vCenter?), so custom attributes cannot be read; use selector.source: tag`, { endpoint, platform: 'vsphere' });
      return retrievePropertiesEx(current.refs.propertyCollector, { kind: 'objects', objects: [manager], type: 'CustomFieldsManager', paths: ['field'], reportMissingObjects: false }, 1);
    }, signal);
    let definitions: CustomFieldDef[];
    try {
      const [manager] = decodeRetrieveResult(content, 'CustomFieldsManager.field').objects;
      if (!manager) throw new VimShapeError('the answer holds no CustomFieldsManager');
      const denied = manager.missing.find((entry) => entry.path === 'field');
      if (denied) throw new VimShapeError(`CustomFieldsManager.field could not be read (vCenter: ${denied.fault})`);
      definitions = decodeCustomFieldDefs(manager.properties.get('field'));
    } catch (error) {
      if (!(error instanceof VimShapeError)) throw error;
      throw new BridgeError(ErrorCode.PlatformPayload, `vsphere endpoint ${endpoint}: POST /sdk RetrievePropertiesEx (CustomFieldsManager.field) answered an unexpected payload: ${error.message}`, { endpoint, platform: 'vsphere', method: 'POST', path: '/sdk', operation: 'RetrievePropertiesEx' }, { cause: error });
    }
    const keysOf = (name: string): Set<string> => new Set(definitions.filter((field) => field.name === name && appliesToVms(field)).map((field) => field.key));
    const managedBy = keysOf(selector.managedByKey);
    const instanceId = keysOf(selector.instanceIdKey);
    if (managedBy.size === 0) throw missing(selector.managedByKey, 'selector.managedByKey');
    if (instanceId.size === 0) throw missing(selector.instanceIdKey, 'selector.instanceIdKey');
    logger.info({ fields: definitions.length, managedBy: [...managedBy], instanceId: [...instanceId] }, 'found the DCM custom attributes');
    return { generation: scope.generation, fields: { managedBy, instanceId, known: new Set(definitions.map((field) => field.key)) } };
  };

  return {
    async resolve(signal) {
      if (cached && !stale && cached.generation === session.generation()) return cached.fields;
      stale = false;
      cached = await lookUp(signal);
      return cached.fields;
    },
    noticeUnknownKey() {
      if (!stale) logger.info('a VM carries a custom attribute created since the lookup; looking the attributes up again next poll');
      stale = true;
    },
  };
}

/** What a VM's custom values say about it. */
export interface VmSelection {
  /** It carries `managedByKey` = `managedByValue`. */
  readonly managed: boolean;
  /** Its `instanceIdKey` value; undefined when absent, or when two fields of that name disagree. */
  readonly instanceId: string | undefined;
  /** Two instance-id fields with different values: not published (guessing could report another instance). */
  readonly ambiguous: boolean;
  /** A value under a key no lookup knew. */
  readonly unknownKey: boolean;
}

/** Reads a VM's custom values (key → value) against the selector's fields. */
export function selectByFields(values: ReadonlyMap<string, string>, fields: SelectorFields, managedByValue: string): VmSelection {
  let managed = false;
  const instanceIds = new Set<string>();
  let unknownKey = false;
  for (const [key, value] of values) {
    if (fields.managedBy.has(key) && value === managedByValue) managed = true;
    if (fields.instanceId.has(key)) instanceIds.add(value);
    if (!fields.known.has(key)) unknownKey = true;
  }
  const ambiguous = instanceIds.size > 1;
  return { managed, instanceId: instanceIds.size === 1 ? [...instanceIds][0] : undefined, ambiguous, unknownKey };
}
