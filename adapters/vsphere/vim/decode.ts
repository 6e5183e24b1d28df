/**
 * Decoders of the vim25 answers the adapter reads (vim-types.xsd shapes).
 * Each checks only what it uses and throws {@link VimShapeError} naming the
 * first thing that is wrong; unknown extra elements are ignored (newer
 * releases add some).
 */

import { isNode, itemsOf, moRefOf, textOf, VimShapeError, type MoRef, type XmlNode } from './xml.js';

/** The managers of `ServiceContent` the adapter uses. */
export interface ServiceRefs {
  readonly rootFolder: MoRef;
  readonly propertyCollector: MoRef;
  readonly viewManager: MoRef;
  readonly sessionManager: MoRef;
  /** Optional in ServiceContent (absent on a host without it): the listing then names the missing manager. */
  readonly customFieldsManager: MoRef | undefined;
  /** `about.apiVersion` (`8.0.2.0`), for the logs. */
  readonly apiVersion: string | undefined;
}

function returnval(content: XmlNode, what: string): XmlNode {
  const value = content['returnval'];
  if (!isNode(value)) throw new VimShapeError(`${what} has no returnval`);
  return value;
}

function requiredRef(node: XmlNode, field: string): MoRef {
  const ref = moRefOf(node[field]);
  if (!ref) throw new VimShapeError(`ServiceContent.${field} is ${node[field] === undefined ? 'missing' : 'not a managed object reference'}`);
  return ref;
}

/** `RetrieveServiceContentResponse`. */
export function decodeServiceContent(content: XmlNode): ServiceRefs {
  const service = returnval(content, 'RetrieveServiceContentResponse');
  const about = service['about'];
  return {
    rootFolder: requiredRef(service, 'rootFolder'),
    propertyCollector: requiredRef(service, 'propertyCollector'),
    viewManager: requiredRef(service, 'viewManager'),
    sessionManager: requiredRef(service, 'sessionManager'),
    customFieldsManager: moRefOf(service['customFieldsManager']),
    apiVersion: isNode(about) ? textOf(about['apiVersion']) : undefined,
  };
}

/** `CreateContainerViewResponse`: the view's reference. */
export function decodeManagedObjectReturn(content: XmlNode, what: string): MoRef {
  const ref = moRefOf(content['returnval']);
  if (!ref) throw new VimShapeError(`${what} has no managed object reference in returnval`);
  return ref;
}

/** A property vCenter could not return for an object (`MissingProperty`): its path and the fault's type. */
export interface MissingProperty {
  readonly path: string;
  readonly fault: string;
}

/** One `ObjectContent`: the object, its properties by path (raw elements), what is missing. */
export interface ObjectContent {
  readonly obj: MoRef;
  readonly properties: ReadonlyMap<string, unknown>;
  readonly missing: readonly MissingProperty[];
}

/** One page of `RetrieveResult`: its objects, and the token of the next page when there is one. */
export interface RetrievePage {
  readonly objects: readonly ObjectContent[];
  readonly token: string | undefined;
}

/**
 * `RetrievePropertiesExResponse` / `ContinueRetrievePropertiesExResponse`.
 * `returnval` is optional: no object matched (an empty inventory) is an
 * answer without one.
 */
export function decodeRetrieveResult(content: XmlNode, what: string): RetrievePage {
  const result = content['returnval'];
  if (result === undefined || result === '') return { objects: [], token: undefined };
  if (!isNode(result)) throw new VimShapeError(`${what}: returnval is not a RetrieveResult`);
  const token = textOf(result['token']);
  const objects = itemsOf(result['objects']).map((item, index): ObjectContent => {
    if (!isNode(item)) throw new VimShapeError(`${what}: objects[${index}] is not an ObjectContent`);
    const obj = moRefOf(item['obj']);
    if (!obj) throw new VimShapeError(`${what}: objects[${index}].obj is ${item['obj'] === undefined ? 'missing' : 'not a managed object reference'}`);
    const properties = new Map<string, unknown>();
    for (const [propIndex, property] of itemsOf(item['propSet']).entries()) {
      const name = isNode(property) ? textOf(property['name']) : undefined;
      if (!name || !isNode(property)) throw new VimShapeError(`${what}: ${obj.value} propSet[${propIndex}] has no name`);
      properties.set(name, property['val']);
    }
    const missing = itemsOf(item['missingSet']).map((entry, missingIndex): MissingProperty => {
      if (!isNode(entry)) throw new VimShapeError(`${what}: ${obj.value} missingSet[${missingIndex}] is not a MissingProperty`);
      const holder = entry['fault'];
      const inner = isNode(holder) ? holder['fault'] : undefined;
      const type = isNode(inner) ? textOf(inner['@type']) : undefined;
      return { path: textOf(entry['path']) ?? '', fault: type ? type.slice(type.indexOf(':') + 1) : 'unknown fault' };
    });
    return { obj, properties, missing };
  });
  return { objects, token: token === '' ? undefined : token };
}

/** One `PropertyChange`: the path, the operation, the new value (raw element; absent for `remove`/`indirectRemove`). */
export interface PropertyChange {
  readonly name: string;
  readonly op: 'add' | 'remove' | 'assign' | 'indirectRemove';
  readonly val: unknown;
}

/** One `ObjectUpdate` of a filter. */
export interface ObjectUpdate {
  readonly kind: 'enter' | 'modify' | 'leave';
  readonly obj: MoRef;
  readonly changes: readonly PropertyChange[];
  readonly missing: readonly MissingProperty[];
}

/** One `UpdateSet`, flattened over its filters; `undefined` version for an answer without one (no update). */
export interface UpdateSetPage {
  readonly version: string | undefined;
  readonly truncated: boolean;
  readonly updates: readonly (ObjectUpdate & { readonly filter: string })[];
}

const updateKinds: ReadonlySet<string> = new Set(['enter', 'modify', 'leave']);
const changeOps: ReadonlySet<string> = new Set(['add', 'remove', 'assign', 'indirectRemove']);

function missingProperties(value: unknown, where: string): MissingProperty[] {
  return itemsOf(value).map((entry, index): MissingProperty => {
    if (!isNode(entry)) throw new VimShapeError(`${where} missingSet[${index}] is not a MissingProperty`);
    const holder = entry['fault'];
    const inner = isNode(holder) ? holder['fault'] : undefined;
    const type = isNode(inner) ? textOf(inner['@type']) : undefined;
    return { path: textOf(entry['path']) ?? '', fault: type ? type.slice(type.indexOf(':') + 1) : 'unknown fault' };
  });
}

/**
 * `WaitForUpdatesExResponse`. `returnval` is optional: none means no update since the version
 * passed. A kind or op the reference does not define fails the answer (it could mean anything).
 */
export function decodeUpdateSet(content: XmlNode): UpdateSetPage {
  const result = content['returnval'];
  if (result === undefined || result === '') return { version: undefined, truncated: false, updates: [] };
  if (!isNode(result)) throw new VimShapeError('WaitForUpdatesEx: returnval is not an UpdateSet');
  const version = textOf(result['version']);
  if (version === undefined) throw new VimShapeError('WaitForUpdatesEx: the UpdateSet has no version');
  const updates = itemsOf(result['filterSet']).flatMap((filterSet, setIndex) => {
    if (!isNode(filterSet)) throw new VimShapeError(`WaitForUpdatesEx: filterSet[${setIndex}] is not a PropertyFilterUpdate`);
    const filter = moRefOf(filterSet['filter']);
    if (!filter) throw new VimShapeError(`WaitForUpdatesEx: filterSet[${setIndex}].filter is not a managed object reference`);
    return itemsOf(filterSet['objectSet']).map((item, index) => {
      const where = `WaitForUpdatesEx: filterSet[${setIndex}].objectSet[${index}]`;
      if (!isNode(item)) throw new VimShapeError(`${where} is not an ObjectUpdate`);
      const kind = textOf(item['kind']) ?? '';
      if (!updateKinds.has(kind)) throw new VimShapeError(`${where}.kind is ${kind === '' ? 'missing' : `"${kind.slice(0, 40)}", not enter, modify or leave`}`);
      const obj = moRefOf(item['obj']);
      if (!obj) throw new VimShapeError(`${where}.obj is not a managed object reference`);
      const changes = itemsOf(item['changeSet']).map((change, changeIndex): PropertyChange => {
        const name = isNode(change) ? textOf(change['name']) : undefined;
        const op = isNode(change) ? (textOf(change['op']) ?? '') : '';
        if (!name || !isNode(change)) throw new VimShapeError(`${where} (${obj.value}) changeSet[${changeIndex}] has no name`);
        if (!changeOps.has(op)) throw new VimShapeError(`${where} (${obj.value}) changeSet[${changeIndex}].op is "${op.slice(0, 40)}", not add, remove, assign or indirectRemove`);
        return { name, op: op as PropertyChange['op'], val: change['val'] };
      });
      return { filter: filter.value, kind: kind as ObjectUpdate['kind'], obj, changes, missing: missingProperties(item['missingSet'], `${where} (${obj.value})`) };
    });
  });
  return { version, truncated: textOf(result['truncated']) === 'true', updates };
}

/** A `CustomFieldDef` as far as selection cares. */
export interface CustomFieldDef {
  readonly key: string;
  readonly name: string;
  /** Absent: the field applies to every managed object type. */
  readonly managedObjectType: string | undefined;
}

/** `CustomFieldsManager.field` (`ArrayOfCustomFieldDef`); unset reads as no fields. */
export function decodeCustomFieldDefs(value: unknown): CustomFieldDef[] {
  if (value === undefined || value === '') return [];
  if (!isNode(value)) throw new VimShapeError('CustomFieldsManager.field is not an ArrayOfCustomFieldDef');
  return itemsOf(value['CustomFieldDef']).map((item, index) => {
    if (!isNode(item)) throw new VimShapeError(`CustomFieldsManager.field[${index}] is not a CustomFieldDef`);
    const key = textOf(item['key']);
    const name = textOf(item['name']);
    if (!key || !/^-?\d+$/.test(key)) throw new VimShapeError(`CustomFieldsManager.field[${index}].key is ${key === undefined ? 'missing' : 'not an integer'}`);
    if (name === undefined) throw new VimShapeError(`CustomFieldsManager.field[${index}].name is missing`);
    return { key, name, managedObjectType: textOf(item['managedObjectType']) || undefined };
  });
}

/**
 * `customValue` (`ArrayOfCustomFieldValue`): field key → value. Only
 * `CustomFieldStringValue` carries a value (the one subtype vCenter defines);
 * an entry without `value` reads as unset. Unset property → no values.
 */
export function decodeCustomValues(value: unknown, vm: string): Map<string, string> {
  const values = new Map<string, string>();
  if (value === undefined || value === '') return values;
  if (!isNode(value)) throw new VimShapeError(`${vm} customValue is not an ArrayOfCustomFieldValue`);
  for (const [index, item] of itemsOf(value['CustomFieldValue']).entries()) {
    if (!isNode(item)) throw new VimShapeError(`${vm} customValue[${index}] is not a CustomFieldValue`);
    const key = textOf(item['key']);
    if (!key) throw new VimShapeError(`${vm} customValue[${index}].key is missing`);
    const text = textOf(item['value']);
    if (text !== undefined && text !== '') values.set(key, text);
  }
  return values;
}

/** A required simple property (`name`, `runtime.powerState`): its text, or a shape error naming it (and the fault, when vCenter listed it missing). */
export function requiredProperty(object: ObjectContent, path: string): string {
  const text = textOf(object.properties.get(path));
  if (text !== undefined) return text;
  const missing = object.missing.find((entry) => entry.path === path);
  throw new VimShapeError(`${object.obj.value} has no ${path}${missing ? ` (vCenter: ${missing.fault})` : ''}`);
}
