import { emptyResponse, isJsonObject, jsonResponse, readJsonBody, type Route, type SimRequest, type SimResponse } from '../common/index.js';
import { computeUrl, identityUrl, type OpenstackContext } from './context.js';
import { AUTHENTICATION_REQUIRED, keystoneError, wwwAuthenticate } from './errors.js';
import type { AuthMethod, TokenRecord } from './tokens.js';

/** Raised by the auth request reader; answered as a Keystone error. */
class KeystoneFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const unauthorized = (): KeystoneFailure => new KeystoneFailure(401, AUTHENTICATION_REQUIRED);

/** Keystone's `ValidationError` wording for a missing attribute. */
const missing = (attribute: string, target: string): KeystoneFailure =>
  new KeystoneFailure(
    400,
    `Expecting to find ${attribute} in ${target}. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`,
  );

function objectAt(value: unknown, attribute: string, target: string): Record<string, unknown> {
  if (!isJsonObject(value)) {
    throw missing(attribute, target);
  }
  return value;
}

function stringAt(object: Record<string, unknown>, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' ? value : undefined;
}

/** A `{id}` or `{name, domain: {id|name}}` reference (user, project) matched against the known one. */
function matchesNamed(reference: Record<string, unknown>, id: string, name: string, domainId: string, domainName: string): boolean {
  const givenId = stringAt(reference, 'id');
  if (givenId !== undefined) {
    return givenId === id;
  }
  const domain = isJsonObject(reference.domain) ? reference.domain : {};
  const domainMatches = stringAt(domain, 'id') === domainId || stringAt(domain, 'name') === domainName;
  return stringAt(reference, 'name') === name && domainMatches;
}

/** What a valid auth request asked for. */
interface AuthOutcome {
  readonly methods: AuthMethod[];
  readonly projectScoped: boolean;
}

function checkPassword(context: OpenstackContext, identity: Record<string, unknown>): void {
  const password = objectAt(identity.password, 'password', 'identity');
  const user = objectAt(password.user, 'user', 'password');
  const { credentials, ids } = context;
  const known = matchesNamed(user, ids.userId, credentials.username, ids.domainId, credentials.userDomainName);
  if (!known || stringAt(user, 'password') !== credentials.password) {
    throw unauthorized();
  }
}

function checkApplicationCredential(context: OpenstackContext, identity: Record<string, unknown>): void {
  const credential = objectAt(identity.application_credential, 'application_credential', 'identity');
  const { credentials } = context;
  // By id, or by name plus the owning user; the simulator names its credential after the user.
  const byId = stringAt(credential, 'id') === credentials.applicationCredentialId;
  const byName = stringAt(credential, 'name') === `${credentials.username}-appcred` && isJsonObject(credential.user);
  if (!(byId || byName) || stringAt(credential, 'secret') !== credentials.applicationCredentialSecret) {
    throw unauthorized();
  }
}

/** Reads and checks `{"auth": {"identity": …, "scope"?: …}}`. */
function readAuthRequest(context: OpenstackContext, request: SimRequest): AuthOutcome {
  const parsed = readJsonBody(request);
  if (!parsed.ok) {
    throw new KeystoneFailure(400, `Malformed JSON body: ${parsed.problem}`);
  }
  const auth = objectAt(isJsonObject(parsed.value) ? parsed.value.auth : undefined, 'auth', 'request body');
  const identity = objectAt(auth.identity, 'identity', 'auth');
  const methods = identity.methods;
  if (!Array.isArray(methods) || methods.length === 0 || !methods.every((method) => typeof method === 'string')) {
    throw missing('methods', 'identity');
  }
  if (methods.some((method) => method !== 'password' && method !== 'application_credential')) {
    throw new KeystoneFailure(401, 'Attempted to authenticate with an unsupported method.');
  }
  const used = methods as AuthMethod[];
  if (used.includes('password')) {
    checkPassword(context, identity);
  }
  if (used.includes('application_credential')) {
    checkApplicationCredential(context, identity);
    // An application credential is bound to its project; asking for another scope is refused.
    if (auth.scope !== undefined) {
      throw unauthorized();
    }
    return { methods: used, projectScoped: true };
  }
  if (auth.scope === undefined || auth.scope === 'unscoped') {
    return { methods: used, projectScoped: false };
  }
  const scope = objectAt(auth.scope, 'scope', 'auth');
  const project = objectAt(scope.project, 'project', 'scope');
  const { credentials, ids } = context;
  if (!matchesNamed(project, ids.projectId, credentials.projectName, ids.domainId, credentials.projectDomainName)) {
    throw unauthorized();
  }
  return { methods: used, projectScoped: true };
}

/** Keystone's timestamp style: microseconds and `Z` (`2015-11-07T02:58:43.578887Z`). */
function keystoneTime(milliseconds: number): string {
  return new Date(milliseconds).toISOString().replace('Z', '000Z');
}

/** Deterministic 32-hex ids for catalog entries, so answers repeat from run to run. */
function hexId(label: string): string {
  let hash = 2166136261;
  let text = '';
  for (let round = 0; text.length < 32; round += 1) {
    for (const character of `${label}#${round}`) {
      hash = Math.imul(hash ^ character.charCodeAt(0), 16777619) >>> 0;
    }
    text += hash.toString(16).padStart(8, '0');
  }
  return text.slice(0, 32);
}

/**
 * The service catalog: compute (`nova`) and identity (`keystone`), each with public,
 * internal and admin endpoints in one region, pointing at this simulator.
 */
export function serviceCatalog(context: OpenstackContext): unknown[] {
  const service = (type: string, name: string, url: string): unknown => ({
    endpoints: (['public', 'internal', 'admin'] as const).map((endpointInterface) => ({
      region_id: context.region,
      url,
      region: context.region,
      interface: endpointInterface,
      id: hexId(`${name}-${endpointInterface}`),
    })),
    type,
    id: hexId(name),
    name,
  });
  return [service('compute', 'nova', computeUrl(context)), service('identity', 'keystone', identityUrl(context))];
}

/** The `{"token": …}` body of an issued or validated token, shaped like the reference samples. */
export function tokenBody(context: OpenstackContext, token: TokenRecord, withCatalog: boolean): unknown {
  const { credentials, ids } = context;
  const domain = { id: ids.domainId, name: credentials.userDomainName };
  const body: Record<string, unknown> = {
    methods: token.methods,
    user: { domain, id: ids.userId, name: credentials.username, password_expires_at: null },
    audit_ids: [token.auditId],
    expires_at: keystoneTime(token.expiresAt),
    issued_at: keystoneTime(token.issuedAt),
  };
  if (token.projectScoped) {
    body.roles = [
      { id: hexId('role-member'), name: 'member' },
      { id: hexId('role-reader'), name: 'reader' },
    ];
    body.project = { domain: { id: ids.domainId, name: credentials.projectDomainName }, id: ids.projectId, name: credentials.projectName };
    body.is_domain = false;
    if (withCatalog) {
      body.catalog = serviceCatalog(context);
    }
  }
  if (token.methods.includes('application_credential')) {
    body.application_credential_restricted = true;
  }
  return { token: body };
}

function header(request: SimRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function keystoneHandler(context: OpenstackContext, run: (request: SimRequest) => SimResponse): (request: SimRequest) => SimResponse {
  return (request) => {
    try {
      return run(request);
    } catch (error) {
      if (error instanceof KeystoneFailure) {
        return keystoneError(error.status, error.message, error.status === 401 ? wwwAuthenticate(identityUrl(context)) : {});
      }
      throw error;
    }
  };
}

/** The caller's own token (`X-Auth-Token`) must validate for the token API's GET and DELETE. */
function requireCallerToken(context: OpenstackContext, request: SimRequest): void {
  if (!context.tokens.check(header(request, 'x-auth-token')).ok) {
    throw unauthorized();
  }
}

/** The subject token (`X-Subject-Token`), or Keystone's 404 `Could not find token`. */
function requireSubjectToken(context: OpenstackContext, request: SimRequest): TokenRecord {
  const subject = header(request, 'x-subject-token') ?? '';
  const checked = context.tokens.check(subject);
  if (!checked.ok) {
    throw new KeystoneFailure(404, `Could not find token: ${subject}.`);
  }
  return checked.token;
}

/** Keystone v3's token routes under `<identity root>/v3/auth/tokens`. */
export function identityRoutes(context: OpenstackContext): Route[] {
  const path = `${context.paths.identity}/v3/auth/tokens`;
  const withCatalog = (request: SimRequest): boolean => !request.url.searchParams.has('nocatalog');
  return [
    {
      method: 'POST',
      path,
      handle: keystoneHandler(context, (request) => {
        let outcome: AuthOutcome;
        try {
          outcome = readAuthRequest(context, request);
        } catch (error) {
          if (error instanceof KeystoneFailure && error.status === 401) {
            context.tokens.recordFailedAuth();
          }
          throw error;
        }
        const token = context.tokens.issue(outcome.methods, outcome.projectScoped);
        return jsonResponse(201, tokenBody(context, token, withCatalog(request)), { 'x-subject-token': token.id, vary: 'X-Auth-Token' });
      }),
    },
    {
      method: 'GET',
      path,
      handle: keystoneHandler(context, (request) => {
        requireCallerToken(context, request);
        const token = requireSubjectToken(context, request);
        context.tokens.recordValidated();
        return jsonResponse(200, tokenBody(context, token, withCatalog(request)), { 'x-subject-token': token.id });
      }),
    },
    {
      method: 'DELETE',
      path,
      handle: keystoneHandler(context, (request) => {
        requireCallerToken(context, request);
        context.tokens.revoke(requireSubjectToken(context, request).id);
        return emptyResponse(204);
      }),
    },
  ];
}
