import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../clock/index.js';
import { validateEndpoint, type AdapterLookup, type EndpointConfig } from '../../config/index.js';
import { BridgeError, ErrorCode, validationError, type ValidationIssue } from '../../errors/index.js';
import type { EndpointRegistry } from '../../registry/index.js';
import { fromApiFields, toApiPath } from '../case.js';
import { mergePatch } from '../merge-patch.js';
import type { TargetPolicy } from '../targets/index.js';
import type { RegistrationTimes } from './representation.js';
import type { ListedRegistration, RegistrationStore, StoredRegistration } from './registration-store.js';
import { referenceIssues } from './reference-refusal.js';
import { guardedUrls } from './target-preflight.js';
import { isJsonObject } from '../../values/index.js';
import { createInTurn } from '../../concurrency/index.js';

/** An endpoint and, when registered over the API, its times. */
export interface EndpointView {
  readonly endpoint: EndpointConfig;
  readonly times?: RegistrationTimes;
}

/**
 * Registration of endpoints over the API: validation (the YAML rules plus the
 * API's own), the target policy, persistence and the endpoint registry, which
 * the bridge follows to start and stop polling. Changes take turns, so two
 * requests for one id cannot interleave.
 */
export interface EndpointService {
  /**
   * Puts the stored registrations into the registry (start-up; also what
   * {@link EndpointService.refreshAll} does, plus re-sealing). Their targets
   * are not resolved here: a DNS hiccup at start-up must not drop a
   * registration. The target policy runs before each of their polls instead
   * (`createTargetPreflight`, the bridge's poll preflight). Only one that no
   * longer validates (its adapter or a rule changed) is logged and skipped.
   */
  load(): Promise<void>;
  /** Every endpoint, configuration file and API alike, by id. */
  list(): EndpointView[];
  /** Throws `NOT_FOUND`. */
  get(id: string): EndpointView;
  /** Registers `body` (snake_case API fields) under `id`, or a generated id. */
  create(id: string | undefined, body: unknown): Promise<EndpointView>;
  /** Applies a JSON merge patch (snake_case) to the stored registration. */
  update(id: string, patch: unknown): Promise<EndpointView>;
  /** Unregisters; resolves once polling stopped. */
  remove(id: string): Promise<void>;
  /**
   * Makes this process's registry agree with the stored registration `id`
   * (another replica created, changed or deleted it): added, replaced,
   * removed, or left alone when it already matches. Never throws for a
   * registration that does not load here; it is logged and not polled.
   */
  refresh(id: string): Promise<void>;
  /** {@link EndpointService.refresh} for every stored registration, and removes registered endpoints no longer stored. */
  refreshAll(): Promise<void>;
}

/** What a change made through this process's API was: the registration was written (`put`) or deleted. */
export type RegistrationAction = 'put' | 'delete';

export interface EndpointServiceOptions {
  readonly registry: EndpointRegistry;
  readonly store: RegistrationStore;
  readonly adapters: AdapterLookup;
  readonly targets: TargetPolicy;
  readonly defaultIntervalSeconds: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Id of a registration created without `?id=`. */
  readonly newId?: () => string;
  /**
   * Told after each change this process made (the store is written and the
   * registry follows), before the API answers: the other replicas are told
   * from here. It must not throw.
   */
  readonly onChange?: (id: string, action: RegistrationAction) => Promise<void>;
}

/** Fields the API writes and a body may not. */
const outputOnlyFields = ['id', 'path', 'origin', 'credential_keys', 'create_time', 'update_time'];

/**
 * Keys that make the bridge read files or credentials of its own host
 * (a CA file, clouds.yaml, an AWS profile): only the operator's configuration
 * file may set them.
 */
const hostOnlyKeys: ReadonlyArray<readonly string[]> = [['tls', 'caFile'], ['cloud'], ['profile']];

function valueAt(tree: Record<string, unknown>, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, key) => (isJsonObject(node) ? node[key] : undefined), tree);
}

/** JSON with object keys sorted, so one registration read back in another key order is the same text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isJsonObject(value)) return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/**
 * What the registry holds of a registration, as a digest: a re-read that
 * finds the same one changes nothing (the replica's own notices, repeated
 * ones). A digest rather than the text, so credentials are not kept twice.
 */
function fingerprintOf(registration: StoredRegistration): string {
  return createHash('sha256').update(canonicalJson(registration)).digest('base64url');
}

/** Creates the {@link EndpointService}. */
export function createEndpointService(options: EndpointServiceOptions): EndpointService {
  const { registry, store, logger } = options;
  const service: ServiceState = {
    options,
    times: new Map(),
    applied: new Map(),
    reported: new Map(),
    inTurn: createInTurn(),
  };
  const { inTurn } = service;
  const onChange = options.onChange ?? (async () => undefined);
  return {
    async load() {
      if (store.credentialStorage === 'plaintext') {
        logger.warn('api.allowPlaintextCredentials is on and api.credentialKeys is empty: credentials of registrations are stored in Redis unencrypted; configure api.credentialKeys to encrypt them');
      }
      const { resealed } = await inTurn(() => reconcileAll(service, { reseal: true }));
      if (resealed > 0) logger.info({ resealed }, `re-encrypted the credentials of ${resealed} registration(s) with key "${store.currentKeyId ?? ''}"; keys no longer named by any record can be removed from api.credentialKeys`);
    },

    refresh: (id) => inTurn(async () => reconcile(service, id, await store.find(id), { reseal: false })).then(() => undefined),

    refreshAll: () => inTurn(() => reconcileAll(service, { reseal: false })).then(() => undefined),

    list: () => [...registry.list()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((endpoint) => viewOf(service, endpoint)),

    get(id) {
      const endpoint = registry.get(id);
      if (!endpoint) throw new BridgeError(ErrorCode.NotFound, `endpoint ${id} does not exist`, { endpoint: id });
      return viewOf(service, endpoint);
    },

    create: (requestedId, body) =>
      inTurn(() => createRegistration(service, requestedId, body)).then(async (created) => {
        await onChange(created.endpoint.name, 'put');
        return created;
      }),

    update: (id, patch) =>
      inTurn(() => updateRegistration(service, id, patch)).then(async (changed) => {
        await onChange(id, 'put');
        return changed;
      }),

    remove: (id) => inTurn(() => removeRegistration(service, id)).then(() => onChange(id, 'delete')),
  };
}

/** What the service keeps beside the registry, and its turns: changes through the API and re-reads never interleave. */
interface ServiceState {
  readonly options: EndpointServiceOptions;
  /** The times of each API endpoint in the registry. */
  readonly times: Map<string, RegistrationTimes>;
  /** The fingerprint of the stored registration each API endpoint in the registry was made from. */
  readonly applied: Map<string, string>;
  /** The problem last logged for each registration not polled, so periodic re-reads repeat nothing. */
  readonly reported: Map<string, string>;
  readonly inTurn: ReturnType<typeof createInTurn>;
}

function viewOf(service: ServiceState, endpoint: EndpointConfig): EndpointView {
  const known = service.times.get(endpoint.name);
  return known ? { endpoint, times: known } : { endpoint };
}

function now(service: ServiceState): string {
  return new Date(service.options.clock.now()).toISOString();
}

/** Registers `body` under `requestedId` (else a new id): validated with its targets, stored unless the id is taken (here or by another replica), then polled. */
async function createRegistration(service: ServiceState, requestedId: string | undefined, body: unknown): Promise<EndpointView> {
  const { registry, store, logger } = service.options;
  const id = requestedId ?? (service.options.newId ?? randomUUID)();
  const input = { ...fromBody(body), name: id };
  const endpoint = await validate(service.options, input, { checkTargets: true });
  if (registry.get(id) || (await store.has(id))) throw new BridgeError(ErrorCode.AlreadyExists, `endpoint ${id} already exists`, { endpoint: id });
  const created = now(service);
  const stored: StoredRegistration = { input, createTime: created, updateTime: created };
  // Another replica may register the same id at this instant: one of the two stores it, the other answers 409.
  if (!(await store.putNew(id, stored))) throw new BridgeError(ErrorCode.AlreadyExists, `endpoint ${id} already exists`, { endpoint: id });
  service.times.set(id, { createTime: created, updateTime: created });
  service.applied.set(id, fingerprintOf(stored));
  await registry.add(endpoint);
  logger.info({ endpoint: id, platform: endpoint.platform }, `endpoint ${id} registered over the API`);
  return viewOf(service, endpoint);
}

/** Applies a merge patch to the stored registration; the result is validated as a new one before it is stored and replaces the running endpoint. */
async function updateRegistration(service: ServiceState, id: string, patch: unknown): Promise<EndpointView> {
  const { registry, store, logger } = service.options;
  requireRegistered(registry, id);
  const stored = await store.get(id);
  if (!stored) throw new BridgeError(ErrorCode.NotFound, `endpoint ${id} does not exist`, { endpoint: id });
  const input = { ...(mergePatch(stored.input, fromBody(patch)) as Record<string, unknown>), name: id };
  const endpoint = await validate(service.options, input, { checkTargets: true });
  const updated: StoredRegistration = { input, createTime: stored.createTime, updateTime: now(service) };
  await store.put(id, updated);
  service.times.set(id, { createTime: updated.createTime, updateTime: updated.updateTime });
  service.applied.set(id, fingerprintOf(updated));
  await registry.replace(endpoint);
  logger.info({ endpoint: id }, `endpoint ${id} changed over the API`);
  return viewOf(service, endpoint);
}

async function removeRegistration(service: ServiceState, id: string): Promise<void> {
  const { registry, store, logger } = service.options;
  // A stored registration that failed to load is not in the registry, yet it can be removed.
  if (!registry.get(id) && (await store.has(id))) {
    await store.delete(id);
    return;
  }
  requireRegistered(registry, id);
  await store.delete(id);
  service.times.delete(id);
  service.applied.delete(id);
  await registry.remove(id);
  logger.info({ endpoint: id }, `endpoint ${id} unregistered over the API`);
}

/** Checks of the body as sent, before it becomes configuration input. */
function bodyIssues(body: unknown): ValidationIssue[] {
  if (!isJsonObject(body)) return [{ path: 'body', message: 'must be a JSON object' }];
  const issues: ValidationIssue[] = outputOnlyFields.filter((field) => field in body).map((field) => ({ path: `body.${field}`, message: 'is output only' }));
  if ('name' in body) issues.push({ path: 'body.name', message: 'is the id: choose it with ?id= when registering; it cannot change' });
  issues.push(...referenceIssues(body, 'body'));
  return issues;
}

/** The body as configuration input (camelCase), or a validation error naming every problem of the body as sent. */
function fromBody(body: unknown): Record<string, unknown> {
  const early = bodyIssues(body);
  const converted = fromApiFields(body, 'body');
  const issues = [...early, ...converted.issues];
  if (issues.length > 0) throw validationError('the endpoint registration', issues);
  return converted.value as Record<string, unknown>;
}

/** The full check of a registration: the YAML rules, then the API's own, then (for new content) the target policy. */
async function validate(options: EndpointServiceOptions, input: Record<string, unknown>, checks: { checkTargets: boolean }): Promise<EndpointConfig> {
  const result = validateEndpoint(input, options.adapters, { pathPrefix: 'body', defaultIntervalSeconds: options.defaultIntervalSeconds, origin: 'api', checkFiles: false });
  const issues: ValidationIssue[] = result.issues.map((issue) => ({ path: toApiPath(issue.path), message: issue.message }));
  for (const path of hostOnlyKeys) {
    const value = valueAt(input, path);
    if (value !== undefined && value !== null && value !== false) issues.push({ path: toApiPath(['body', ...path].join('.')), message: 'can only be set in the configuration file (it makes the bridge read its own files)' });
  }
  const credentials = isJsonObject(input['credentials']) ? Object.values(input['credentials']) : [];
  // Only new content is refused for want of a key: a stored registration keeps loading (and is re-sealed once a key is set).
  const refusal = checks.checkTargets ? options.store.credentialRefusal() : undefined;
  if (refusal) {
    issues.push({ path: 'body.credentials', message: refusal });
  } else if (!credentials.some((value) => typeof value === 'string' && value !== '')) {
    issues.push({ path: 'body.credentials', message: 'are required: an endpoint registered over the API brings its own credentials (the bridge never lends its own)' });
  }
  if (issues.length > 0 || !result.endpoint) throw validationError('the endpoint registration', issues);
  const endpoint = result.endpoint;
  if (checks.checkTargets) for (const { key, url } of guardedUrls(endpoint)) await options.targets.check(url, toApiPath(`body.${key}`));
  return endpoint;
}

/** The registered API endpoint `id`; `NOT_FOUND`, or `PERMISSION_DENIED` for one of the configuration file. */
function requireRegistered(registry: EndpointRegistry, id: string): EndpointConfig {
  const endpoint = registry.get(id);
  if (!endpoint) throw new BridgeError(ErrorCode.NotFound, `endpoint ${id} does not exist`, { endpoint: id });
  if (endpoint.origin === 'config') throw new BridgeError(ErrorCode.PermissionDenied, `endpoint ${id} is defined in the configuration file and is read-only over the API`, { endpoint: id });
  return endpoint;
}

function reportOnce(service: ServiceState, id: string, problem: string, log: () => void): void {
  if (service.reported.get(id) === problem) return;
  service.reported.set(id, problem);
  log();
}

async function unregister(service: ServiceState, id: string, why: string): Promise<void> {
  service.times.delete(id);
  service.applied.delete(id);
  await service.options.registry.remove(id);
  service.options.logger.info({ endpoint: id }, `endpoint ${id} ${why}; no longer polled here`);
}

/**
 * Brings the registry in line with what is stored under `id` (`listed`,
 * undefined when nothing is). Runs in turn with the API's own changes.
 * Answers whether it re-sealed the record.
 */
async function reconcile(service: ServiceState, id: string, listed: ListedRegistration | undefined, { reseal }: { reseal: boolean }): Promise<boolean> {
  const current = service.options.registry.get(id);
  const readable = await setAsideUnloadable(service, id, listed, current);
  if (!readable) return false;
  const { registration } = readable;
  const fingerprint = fingerprintOf(registration);
  if (current && service.applied.get(id) === fingerprint) return false;
  if (!current && service.reported.get(id) === fingerprint) return false;
  const endpoint = await revalidate(service, id, registration, fingerprint, current);
  if (!endpoint) return false;
  await applyStored(service, id, registration, fingerprint, endpoint, current);
  if (!reseal || !readable.sealedWithOtherKey) return false;
  // Key rotation: every start re-seals what an older key (or none) sealed, so old keys can be retired.
  await service.options.store.put(id, registration);
  return true;
}

/**
 * The stored registration when this process can load it; else undefined,
 * with what that means done: one shadowed by the configuration file is
 * reported, one deleted elsewhere or no longer readable is unregistered.
 */
async function setAsideUnloadable(service: ServiceState, id: string, listed: ListedRegistration | undefined, current: EndpointConfig | undefined): Promise<(ListedRegistration & { readonly registration: StoredRegistration }) | undefined> {
  const { logger } = service.options;
  if (current?.origin === 'config') {
    if (listed) reportOnce(service, id, 'shadowed', () => logger.warn({ endpoint: id }, `registration ${id} is shadowed by the configuration file's endpoint of that name; not loaded`));
    return undefined;
  }
  if (!listed) {
    service.reported.delete(id);
    if (current) await unregister(service, id, 'was unregistered (through another replica)');
    return undefined;
  }
  if (listed.error) {
    // Reported, not dropped: the registration stays in Redis, and DELETE still removes it.
    const unreadable = listed.error;
    const keyId = unreadable.context['keyId'];
    reportOnce(service, id, unreadable.message, () => logger.error({ endpoint: id, err: unreadable, ...(typeof keyId === 'string' ? { keyId } : {}) }, `registration ${id} is not polled: ${unreadable.message}; or remove it with DELETE`));
    if (current) await unregister(service, id, 'cannot be read any more');
    return undefined;
  }
  return listed;
}

/** The stored registration validated again (its adapter or a rule may have changed); one that no longer validates is logged once and not polled. */
async function revalidate(service: ServiceState, id: string, registration: StoredRegistration, fingerprint: string, current: EndpointConfig | undefined): Promise<EndpointConfig | undefined> {
  try {
    return await validate(service.options, { ...registration.input, name: id }, { checkTargets: false });
  } catch (error) {
    // Issues name paths and rules, never values, so they are safe to log.
    const issues = error instanceof BridgeError ? error.context.issues : undefined;
    service.options.logger.error({ endpoint: id, issues }, `registration ${id} is no longer valid and is not polled; fix it with PATCH or remove it with DELETE`);
    // Remembered by content: the same record is not validated (and logged) again at every re-read; a new version is.
    service.reported.set(id, fingerprint);
    if (current) await unregister(service, id, 'no longer validates');
    return undefined;
  }
}

/** Puts the stored registration into the registry: added, or replacing what this process polled before. */
async function applyStored(service: ServiceState, id: string, registration: StoredRegistration, fingerprint: string, endpoint: EndpointConfig, current: EndpointConfig | undefined): Promise<void> {
  const { registry, logger } = service.options;
  service.reported.delete(id);
  service.times.set(id, { createTime: registration.createTime, updateTime: registration.updateTime });
  service.applied.set(id, fingerprint);
  if (current) {
    await registry.replace(endpoint);
    logger.info({ endpoint: id }, `endpoint ${id} changed (through another replica)`);
  } else {
    await registry.add(endpoint);
  }
}

/** {@link reconcile} for every stored registration (one failing keeps no other out), then unregisters API endpoints no longer stored. */
async function reconcileAll(service: ServiceState, { reseal }: { reseal: boolean }): Promise<{ resealed: number }> {
  const { registry, store, logger } = service.options;
  const stored = await store.list();
  let resealed = 0;
  for (const listed of stored) {
    try {
      if (await reconcile(service, listed.id, listed, { reseal })) resealed += 1;
    } catch (error) {
      // One registration the registry refuses (or a failed re-seal) must not keep the others out.
      logger.error({ endpoint: listed.id, err: error }, `registration ${listed.id} could not be applied`);
    }
  }
  const storedIds = new Set(stored.map(({ id }) => id));
  for (const endpoint of registry.list()) {
    if (endpoint.origin === 'api' && !storedIds.has(endpoint.name)) await unregister(service, endpoint.name, 'was unregistered (through another replica)');
  }
  return { resealed };
}
