// The EC2 Query API endpoint: `POST /` with a form body (what the SDKs send) or `GET /?Action=…`,
// authenticated with SigV4, dispatched on `Action` through a table of actions.
import type { Route, SimRequest, SimResponse } from '../common/index.js';
import { createDescribeFaults, renderDescribeFault, type DescribeFacts, type DescribeFaults } from './describe-faults.js';
import { describeInstances, parseDescribeInstances, type DescribeContext } from './describe-instances.js';
import { Ec2Error, ec2ErrorResponse, ec2Headers } from './errors.js';
import type { Ec2Inventory } from './inventory.js';
import type { NextTokenCodec } from './next-token.js';
import { verifySignature, type AwsCredentials } from './sigv4.js';

/** The API version the simulator serves (the `Version` parameter every request carries). */
export const EC2_API_VERSION = '2016-11-15';

/** The signing name of EC2 in SigV4 credential scopes. */
export const EC2_SIGNING_SERVICE = 'ec2';

/** A key pair the simulator accepts, optionally limited to some actions (others answer `UnauthorizedOperation`). */
export interface Ec2Credential extends AwsCredentials {
  readonly allowedActions?: readonly string[];
}

/** An action's XML answer; `describe` is set for DescribeInstances, whose answers the describe faults may replace. */
interface ActionAnswer {
  readonly body: string;
  readonly describe?: DescribeFacts;
}

type ActionHandler = (params: URLSearchParams, context: DescribeContext) => ActionAnswer;

/** Actions served, by name. Data: an action is one entry. */
const ACTIONS: Readonly<Record<string, ActionHandler>> = {
  DescribeInstances: (params, context) => {
    const { body, facts } = describeInstances(parseDescribeInstances(params), context);
    return { body, describe: facts };
  },
};

/** Names of the actions the simulator serves. */
export const SUPPORTED_ACTIONS: readonly string[] = Object.keys(ACTIONS);

/** Per-action, per-key, per-error and per-describe-fault counts (the kit counts routes, and every action shares `POST /`). */
export interface UsageCounts {
  readonly actions: Readonly<Record<string, number>>;
  readonly accessKeys: Readonly<Record<string, number>>;
  readonly errors: Readonly<Record<string, number>>;
  /** DescribeInstances answers replaced by a describe fault, by the fault's answer. */
  readonly describeFaults: Readonly<Record<string, number>>;
}

type UsageTable = keyof UsageCounts;

/** Mutable per-simulator state of the endpoint. */
export interface Ec2ApiState {
  /** When true every request answers `AuthFailure`, as if the key had been revoked. */
  forceAuthFailure: boolean;
  /** Faults aimed at pages of DescribeInstances answers. */
  readonly describeFaults: DescribeFaults;
  usage(): UsageCounts;
  resetUsage(): void;
  count(table: UsageTable, name: string): void;
}

function emptyTables(): Record<UsageTable, Map<string, number>> {
  return { actions: new Map(), accessKeys: new Map(), errors: new Map(), describeFaults: new Map() };
}

/** Creates the endpoint state with zero counts, no describe faults and the AuthFailure switch off. */
export function createEc2ApiState(): Ec2ApiState {
  let tables = emptyTables();
  return {
    forceAuthFailure: false,
    describeFaults: createDescribeFaults(),
    usage: () => ({
      actions: Object.fromEntries(tables.actions),
      accessKeys: Object.fromEntries(tables.accessKeys),
      errors: Object.fromEntries(tables.errors),
      describeFaults: Object.fromEntries(tables.describeFaults),
    }),
    resetUsage: () => {
      tables = emptyTables();
    },
    count: (table, name) => {
      tables[table].set(name, (tables[table].get(name) ?? 0) + 1);
    },
  };
}

/** What the routes need. */
export interface Ec2ApiContext {
  readonly inventory: Ec2Inventory;
  readonly tokens: NextTokenCodec;
  readonly region: string;
  readonly credentials: readonly Ec2Credential[];
  readonly now: () => number;
  readonly newRequestId: () => string;
  readonly state: Ec2ApiState;
  /** See `Ec2SimulatorOptions.verboseSignatureErrors`. */
  readonly verboseSignatureErrors?: boolean;
}

function isFormBody(request: SimRequest): boolean {
  const type = request.headers['content-type'] ?? '';
  return request.body.length > 0 && (type === '' || type.toLowerCase().startsWith('application/x-www-form-urlencoded'));
}

/** Query parameters, then the form body's (the Query API accepts either). */
function requestParams(request: SimRequest): URLSearchParams {
  const params = new URLSearchParams(request.url.search);
  if (isFormBody(request)) {
    for (const [key, value] of new URLSearchParams(request.body.toString('utf8'))) {
      params.append(key, value);
    }
  }
  return params;
}

function handleQuery(context: Ec2ApiContext, request: SimRequest, requestId: string): ActionAnswer {
  const params = requestParams(request);
  const action = params.get('Action');
  context.state.count('actions', action ?? '(none)');
  if (context.state.forceAuthFailure) {
    throw new Ec2Error('AuthFailure');
  }
  const credential = verifySignature(
    { method: request.method, path: request.url.pathname, query: request.url.search, headers: request.headers, body: request.body },
    {
      region: context.region,
      service: EC2_SIGNING_SERVICE,
      now: context.now(),
      findCredentials: (accessKeyId) => context.credentials.find((entry) => entry.accessKeyId === accessKeyId),
      verboseSignatureErrors: context.verboseSignatureErrors === true,
    },
  ) as Ec2Credential;
  context.state.count('accessKeys', credential.accessKeyId);
  if (action === null || action === '') {
    throw new Ec2Error('MissingAction');
  }
  const handler = ACTIONS[action];
  if (handler === undefined) {
    throw new Ec2Error('InvalidAction', `The action ${action} is not valid for this web service.`);
  }
  const version = params.get('Version');
  if (version === null) {
    throw new Ec2Error('MissingParameter', 'The request must contain the parameter Version');
  }
  if (version !== EC2_API_VERSION) {
    throw new Ec2Error('NoSuchVersion', `The requested version (${version}) of service AmazonEC2 does not exist`);
  }
  if (credential.allowedActions !== undefined && !credential.allowedActions.includes(action)) {
    throw new Ec2Error('UnauthorizedOperation', `You are not authorized to perform this operation. User: ${credential.accessKeyId} is not authorized to perform: ec2:${action}`);
  }
  return handler(params, { inventory: context.inventory, tokens: context.tokens, region: context.region, requestId });
}

/** The EC2 routes: `POST /` and `GET /`, both counted by the kit under their route name. */
export function ec2Routes(context: Ec2ApiContext): Route[] {
  const handle = (request: SimRequest): SimResponse => {
    const requestId = context.newRequestId();
    try {
      const answer = handleQuery(context, request, requestId);
      const fault = answer.describe === undefined ? undefined : context.state.describeFaults.take(answer.describe);
      if (fault !== undefined) {
        context.state.count('describeFaults', fault);
        return renderDescribeFault(fault, answer.body, requestId, context.now());
      }
      return { status: 200, headers: ec2Headers(requestId, context.now()), body: answer.body };
    } catch (error) {
      if (error instanceof Ec2Error) {
        context.state.count('errors', error.code);
        return ec2ErrorResponse(error, requestId, context.now());
      }
      throw error;
    }
  };
  return [
    { method: 'POST', path: '/', handle },
    { method: 'GET', path: '/', handle },
  ];
}
