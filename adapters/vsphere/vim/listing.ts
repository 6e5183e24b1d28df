import type { Logger } from 'pino';
import type { RawInstance } from '../../../src/adapter/index.js';
import type { Selector } from '../../../src/config/index.js';
import { BridgeError, ErrorCode } from '../../../src/errors/index.js';
import { vimStateReading } from '../state-table.js';
import { decodeCustomValues, decodeManagedObjectReturn, decodeRetrieveResult, requiredProperty, type ObjectContent, type RetrievePage } from './decode.js';
import { cancelRetrievePropertiesEx, continueRetrievePropertiesEx, createVmContainerView, retrievePropertiesEx } from './envelopes.js';
import { selectByFields, type FieldDirectory, type SelectorFields } from './fields.js';
import { isNotAuthenticated, type VimSession, type VimSessionScope } from './session.js';
import { VimShapeError, type MoRef } from './xml.js';

/** The VM properties a listing asks for: nothing else crosses the wire. */
export const vmListingPaths = ['name', 'runtime.powerState', 'runtime.connectionState', 'customValue'] as const;

/** What a connection's full listing ({@link listVimVms}) and change listing (updates.ts) both work with. */
export interface VimListingOptions {
  readonly session: VimSession;
  readonly fields: FieldDirectory;
  readonly views: ContainerViews;
  readonly selector: Selector;
  readonly endpoint: string;
  /**
   * `maxObjects` of each property page; the change listing asks it as `maxObjectUpdates` of each
   * WaitForUpdatesEx (vCenter may answer fewer) and reads VMs in batches of it.
   */
  readonly maxObjects: number;
  readonly logger: Logger;
}

/** The container view of every VM, created once per session (a view belongs to the session that made it). */
export interface ContainerViews {
  viewIn(scope: VimSessionScope, signal: AbortSignal): Promise<MoRef>;
}

export function createContainerViews(endpoint: string): ContainerViews {
  let view: { readonly generation: number; readonly ref: MoRef } | undefined;
  return {
    async viewIn(scope, signal) {
      if (view?.generation === scope.generation) return view.ref;
      const request = createVmContainerView(scope.refs.viewManager, scope.refs.rootFolder);
      const content = await scope.send(request, signal);
      let ref: MoRef;
      try {
        ref = decodeManagedObjectReturn(content, 'CreateContainerViewResponse');
      } catch (error) {
        throw error instanceof VimShapeError ? shapeFailure(endpoint, 'CreateContainerView', error) : error;
      }
      view = { generation: scope.generation, ref };
      return ref;
    },
  };
}

const cancelTimeoutMs = 2_000;

/** PLATFORM_PAYLOAD for an answer that is not the documented one, naming the operation. */
export function shapeFailure(endpoint: string, operation: string, error: VimShapeError): BridgeError {
  return new BridgeError(ErrorCode.PlatformPayload, `vsphere endpoint ${endpoint}: POST /sdk ${operation} answered an unexpected payload: ${error.message}`, { endpoint, platform: 'vsphere', method: 'POST', path: '/sdk', operation }, { cause: error });
}

/**
 * Lists DCM's VMs over the Web Services API, one page per property page:
 *
 * 1. the selector's custom field keys ({@link FieldDirectory}, once per session);
 * 2. `RetrievePropertiesEx` on the session's container view of every VM
 *    (created once per session) for {@link vmListingPaths}, `maxObjects` a
 *    page, then `ContinueRetrievePropertiesEx` while vCenter returns a token:
 *    ceil(VMs / maxObjects) requests;
 * 3. each page keeps the VMs whose managed-by attribute is the selector's
 *    value, with their instance id (absent when the attribute is unset).
 *
 * A paging token dies with its session: when vCenter answers NotAuthenticated
 * to a ContinueRetrievePropertiesEx, the session logs in again and the listing
 * starts over from the first page, once per poll, leaving out the VMs it
 * already yielded. A listing the caller abandons mid-paging cancels its token
 * (CancelRetrievePropertiesEx, best effort). Every failure, and every answer
 * that is not the documented one, throws; the iteration never ends early.
 */
export async function* listVimVms(options: VimListingOptions, signal: AbortSignal): AsyncGenerator<readonly RawInstance[]> {
  const { session, fields, views, maxObjects, logger } = options;
  const yielded = new Set<string>();
  let restarted = false;
  let token: string | undefined;
  try {
    for (;;) {
      const keys = await fields.resolve(signal);
      try {
        const first = await session.call(
          async (scope) => retrievePropertiesEx(scope.refs.propertyCollector, { kind: 'view', view: await views.viewIn(scope, signal), type: 'VirtualMachine', paths: vmListingPaths }, maxObjects),
          signal,
        );
        let page = readPage(options, first.content, 'RetrievePropertiesEx');
        for (;;) {
          token = page.token;
          yield managedVms(options, page.objects, keys, yielded);
          if (token === undefined) return;
          const pageToken = token;
          const next = await session.call((scope) => continueRetrievePropertiesEx(scope.refs.propertyCollector, pageToken), signal, { retry: false });
          page = readPage(options, next.content, 'ContinueRetrievePropertiesEx');
        }
      } catch (error) {
        if (token === undefined || !isNotAuthenticated(error) || restarted) throw error;
        // The token died with the session: the session logs in again on the next call; start over, once.
        token = undefined;
        restarted = true;
        logger.info({ alreadyListed: yielded.size }, 'the vCenter session ended while paging; listing again from the first page');
      }
    }
  } finally {
    if (token !== undefined) await cancelPaging(options, token);
  }
}

function readPage(options: VimListingOptions, content: Parameters<typeof decodeRetrieveResult>[0], operation: string): RetrievePage {
  try {
    return decodeRetrieveResult(content, operation);
  } catch (error) {
    throw error instanceof VimShapeError ? shapeFailure(options.endpoint, operation, error) : error;
  }
}

/** Drops the rest of an abandoned retrieval on vCenter; a failure only costs vCenter memory until the session ends. */
async function cancelPaging(options: VimListingOptions, token: string): Promise<void> {
  try {
    await options.session.sendIfLoggedIn((scope) => cancelRetrievePropertiesEx(scope.refs.propertyCollector, token), new AbortController().signal, cancelTimeoutMs);
    options.logger.debug('cancelled the rest of an abandoned property retrieval');
  } catch (error) {
    options.logger.debug({ err: error }, 'could not cancel an abandoned property retrieval; vCenter drops it with the session');
  }
}

/** The managed VMs of one page, as RawInstances; a managed VM without a required property fails the page. */
function managedVms(options: VimListingOptions, objects: readonly ObjectContent[], keys: SelectorFields, yielded: Set<string>): RawInstance[] {
  const page: RawInstance[] = [];
  const ambiguous: string[] = [];
  const unreadable: { vm: string; fault: string }[] = [];
  for (const object of objects) {
    if (object.obj.type !== 'VirtualMachine' || yielded.has(object.obj.value)) continue;
    const vm = object.obj.value;
    try {
      const denied = object.missing.find((entry) => entry.path === 'customValue');
      if (denied) {
        // Its attributes cannot be read, so whether it is DCM's cannot be told: left out, and confirmed if it was listed before.
        unreadable.push({ vm, fault: denied.fault });
        continue;
      }
      const selection = selectByFields(decodeCustomValues(object.properties.get('customValue'), vm), keys, options.selector.managedByValue);
      if (selection.unknownKey) options.fields.noticeUnknownKey();
      if (!selection.managed) continue;
      if (selection.ambiguous) ambiguous.push(vm);
      const reading = vimStateReading(requiredProperty(object, 'runtime.powerState'), requiredProperty(object, 'runtime.connectionState'));
      yielded.add(vm);
      page.push({
        platformId: vm,
        instanceId: selection.instanceId,
        rawState: reading.rawState,
        name: requiredProperty(object, 'name'),
        ...(reading.stateUnavailable !== undefined ? { stateUnavailable: reading.stateUnavailable } : {}),
      });
    } catch (error) {
      throw error instanceof VimShapeError ? shapeFailure(options.endpoint, 'RetrievePropertiesEx', error) : error;
    }
  }
  if (ambiguous.length > 0) options.logger.warn({ count: ambiguous.length, examples: ambiguous.slice(0, 5) }, 'VMs with two instance-id attributes of different values are not published');
  if (unreadable.length > 0) options.logger.warn({ count: unreadable.length, examples: unreadable.slice(0, 5) }, 'VMs whose custom attributes the account may not read are left out');
  return page;
}
