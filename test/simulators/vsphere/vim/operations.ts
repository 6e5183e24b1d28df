import type { SimRequest, SimResponse } from '../../common/index.js';
import type { AccountView } from '../account-view.js';
import type { VsphereInventory } from '../inventory.js';
import type { Credentials } from '../operations.js';
import type { SessionStore } from '../sessions.js';
import { vimFaults, type MoRef } from './faults.js';
import {
  cancelRetrievePropertiesEx,
  continueRetrievePropertiesEx,
  parseMaxObjects,
  parseSpec,
  parseSpecSet,
  retrieveProperties,
  retrievePropertiesEx,
  type CollectorScope,
  type PagingConsistency,
  type StaticObject,
} from './property-collector.js';
import { customFieldDefXml } from './properties.js';
import { booleanOf, children, childText, morefOf, textOf, type SoapCall } from './request.js';
import {
  CUSTOM_FIELDS_MANAGER,
  PROPERTY_COLLECTOR,
  ROOT_FOLDER,
  ROOT_FOLDER_NAME,
  serviceContentXml,
  SERVICE_INSTANCE,
  SESSION_MANAGER,
  VIEW_MANAGER,
  type AboutSettings,
} from './service-content.js';
import { SOAP_SESSION_COOKIE, sessionObjectId, type SoapSessionRegistry, type SoapSessionState } from './soap-sessions.js';
import { createFilter, destroyPropertyFilter, parseWaitOptions, waitForUpdatesEx } from './update-collector.js';
import { checkContainerViewArguments } from './views.js';
import { escapeXml, morefXml, soapResponse } from './xml.js';

/** Switches of the Web Services API slice that tests may flip at run time. */
export interface VimSettings {
  /** See {@link PagingConsistency}. Default `snapshot`. */
  pagingConsistency: PagingConsistency;
  /**
   * The collector's own limit on object updates per WaitForUpdatesEx answer, below any
   * `maxObjectUpdates` asked. Default 100, real vCenter's (see update-collector.ts).
   */
  maxObjectUpdatesPolicy: number;
}

/** Everything the vim25 operations work on. */
export interface VimContext {
  readonly inventory: VsphereInventory;
  readonly sessions: SessionStore;
  readonly soapSessions: SoapSessionRegistry;
  readonly credentials: Credentials;
  readonly account: AccountView;
  readonly now: () => number;
  readonly about: AboutSettings;
  readonly settings: VimSettings;
}

/** One dispatched call. */
interface VimCall {
  readonly context: VimContext;
  readonly request: SimRequest;
  readonly soap: SoapCall;
  /** Set for every operation that needs a session. */
  readonly session: SoapSessionState | undefined;
}

/** One vim25 method: the managed object type it is called on and what it answers (the body inside `<{method}Response>`). */
interface VimOperation {
  readonly on: string;
  /** Singletons are called on one reference only; session objects (views) are looked up by the operation. */
  readonly singleton?: MoRef;
  readonly withoutSession?: boolean;
  readonly run: (call: VimCall) => string | SimResponse;
}

const isoTime = (milliseconds: number): string => new Date(milliseconds).toISOString();

/** `UserSession`, fields in WSDL order. */
function userSessionXml(state: SoapSessionState, element: string): string {
  const { record } = state;
  return (
    `<${element}>` +
    `<key>${state.key}</key>` +
    `<userName>${escapeXml(record.user)}</userName>` +
    `<fullName>${escapeXml(record.user.split('@')[0] ?? record.user)}</fullName>` +
    `<loginTime>${isoTime(record.createdAt)}</loginTime>` +
    `<lastActiveTime>${isoTime(record.lastAccessedAt)}</lastActiveTime>` +
    '<locale>en</locale><messageLocale>en</messageLocale><extensionSession>false</extensionSession>' +
    `<ipAddress>${escapeXml(state.ipAddress)}</ipAddress>` +
    `<userAgent>${escapeXml(state.userAgent)}</userAgent>` +
    `<callCount>${state.callCount}</callCount>` +
    `</${element}>`
  );
}

function requireSession(call: VimCall): SoapSessionState {
  if (call.session === undefined) {
    throw vimFaults.notAuthenticated(call.soap.target);
  }
  return call.session;
}

/** The singleton objects the property collector can read, and their properties. */
function staticObjects(context: VimContext): Map<string, StaticObject> {
  const objects: StaticObject[] = [
    {
      reference: CUSTOM_FIELDS_MANAGER,
      properties: {
        field: () => `<val xsi:type="ArrayOfCustomFieldDef">${context.inventory.customFields().map((field) => customFieldDefXml(field)).join('')}</val>`,
      },
    },
    {
      reference: SESSION_MANAGER,
      properties: { currentSession: (session) => userSessionXml(session, 'val').replace('<val>', '<val xsi:type="UserSession">') },
    },
    { reference: ROOT_FOLDER, properties: { name: () => `<val xsi:type="xsd:string">${ROOT_FOLDER_NAME}</val>` } },
    { reference: SERVICE_INSTANCE, properties: {} },
    { reference: PROPERTY_COLLECTOR, properties: {} },
    { reference: VIEW_MANAGER, properties: {} },
  ];
  return new Map(objects.map((object) => [`${object.reference.type}:${object.reference.value}`, object]));
}

function collectorScope(call: VimCall): CollectorScope {
  return {
    inventory: call.context.inventory,
    account: call.context.account,
    session: requireSession(call),
    pagingConsistency: call.context.settings.pagingConsistency,
    staticObjects: staticObjects(call.context),
  };
}

function login(call: VimCall): SimResponse {
  const { context } = call;
  const userName = childText(call.soap.arguments, 'userName');
  const password = childText(call.soap.arguments, 'password');
  if (userName !== context.credentials.username || password !== context.credentials.password) {
    context.sessions.recordFailedLogin();
    throw vimFaults.invalidLogin();
  }
  const outcome = context.sessions.login(userName);
  if (!outcome.ok) {
    throw vimFaults.systemError(`session limit reached: ${outcome.existing} sessions of ${userName} (limit ${outcome.limit})`);
  }
  const state = context.soapSessions.open(outcome.session, call.request);
  // vCenter quotes the cookie value and adds Secure; Secure is left out because the simulator
  // usually runs over plain HTTP, where cookie jars would not send it back (vcsim does the same
  // unless VCSIM_SECURE_COOKIES is set, simulator/session_manager.go).
  const cookie = `${SOAP_SESSION_COOKIE}="${outcome.session.token}"; Path=/; HttpOnly`;
  return soapResponse('Login', userSessionXml(state, 'returnval'), { 'set-cookie': cookie });
}

function createContainerView(call: VimCall): string {
  const session = requireSession(call);
  const container = morefOf(children(call.soap.arguments, 'container')[0]);
  if (container === undefined) {
    throw vimFaults.invalidArgument('container');
  }
  const types = children(call.soap.arguments, 'type').map(textOf);
  checkContainerViewArguments(container, types, call.context.inventory);
  const reference: MoRef = { type: 'ContainerView', value: sessionObjectId(session) };
  session.views.set(reference.value, { reference, container, types, recursive: booleanOf(childText(call.soap.arguments, 'recursive')) ?? false });
  return morefXml('returnval', reference.type, reference.value);
}

function destroyView(call: VimCall): string {
  const session = requireSession(call);
  if (!session.views.delete(call.soap.target.value)) {
    throw vimFaults.managedObjectNotFound(call.soap.target);
  }
  return '';
}

/**
 * The methods served, by name (vSphere Web Services API reference: ServiceInstance,
 * SessionManager, ViewManager, ContainerView, PropertyCollector, PropertyFilter). Every other method answers
 * `MethodNotFound`.
 */
const OPERATIONS: Readonly<Record<string, VimOperation>> = {
  RetrieveServiceContent: { on: 'ServiceInstance', singleton: SERVICE_INSTANCE, withoutSession: true, run: (call) => serviceContentXml(call.context.about) },
  Login: { on: 'SessionManager', singleton: SESSION_MANAGER, withoutSession: true, run: login },
  Logout: {
    on: 'SessionManager',
    singleton: SESSION_MANAGER,
    run: (call) => {
      call.context.soapSessions.close(requireSession(call));
      return '';
    },
  },
  CreateContainerView: { on: 'ViewManager', singleton: VIEW_MANAGER, run: createContainerView },
  DestroyView: { on: 'ContainerView', run: destroyView },
  RetrievePropertiesEx: {
    on: 'PropertyCollector',
    singleton: PROPERTY_COLLECTOR,
    run: (call) => retrievePropertiesEx(parseSpecSet(call.soap.arguments), parseMaxObjects(call.soap.arguments), collectorScope(call)),
  },
  ContinueRetrievePropertiesEx: {
    on: 'PropertyCollector',
    singleton: PROPERTY_COLLECTOR,
    run: (call) => continueRetrievePropertiesEx(childText(call.soap.arguments, 'token') ?? '', collectorScope(call)),
  },
  CancelRetrievePropertiesEx: {
    on: 'PropertyCollector',
    singleton: PROPERTY_COLLECTOR,
    run: (call) => {
      cancelRetrievePropertiesEx(childText(call.soap.arguments, 'token') ?? '', requireSession(call));
      return '';
    },
  },
  RetrieveProperties: { on: 'PropertyCollector', singleton: PROPERTY_COLLECTOR, run: (call) => retrieveProperties(parseSpecSet(call.soap.arguments), collectorScope(call)) },
  CreateFilter: {
    on: 'PropertyCollector',
    singleton: PROPERTY_COLLECTOR,
    run: (call) => createFilter(parseSpec(call.soap.arguments), booleanOf(childText(call.soap.arguments, 'partialUpdates')) ?? false, collectorScope(call)),
  },
  WaitForUpdatesEx: {
    on: 'PropertyCollector',
    singleton: PROPERTY_COLLECTOR,
    run: (call) =>
      waitForUpdatesEx(childText(call.soap.arguments, 'version') ?? '', parseWaitOptions(call.soap.arguments).maxObjectUpdates, call.context.settings.maxObjectUpdatesPolicy, collectorScope(call)),
  },
  DestroyPropertyFilter: {
    on: 'PropertyFilter',
    run: (call) => {
      destroyPropertyFilter(call.soap.target, requireSession(call));
      return '';
    },
  },
};

/** Names of the methods the simulator serves. */
export const VIM_METHODS: readonly string[] = Object.keys(OPERATIONS);

/**
 * Dispatches one parsed call. The session is checked before anything else, as vCenter (and
 * vcsim, simulator/simulator.go) answers `NotAuthenticated` to any call but the few allowed
 * without a session; then the method must exist on the object called.
 */
export function dispatch(context: VimContext, request: SimRequest, soap: SoapCall): SimResponse {
  const operation = OPERATIONS[soap.method];
  const session = operation?.withoutSession === true ? undefined : context.soapSessions.current(request);
  if (operation === undefined || operation.on !== soap.target.type) {
    if (operation?.withoutSession !== true && session === undefined) {
      throw vimFaults.notAuthenticated(soap.target);
    }
    throw vimFaults.methodNotFound(soap.target, soap.method);
  }
  if (operation.withoutSession !== true && session === undefined) {
    throw vimFaults.notAuthenticated(soap.target);
  }
  if (operation.singleton !== undefined && operation.singleton.value !== soap.target.value) {
    throw vimFaults.managedObjectNotFound(soap.target);
  }
  const answer = operation.run({ context, request, soap, session });
  return typeof answer === 'string' ? soapResponse(soap.method, answer) : answer;
}
