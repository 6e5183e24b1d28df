// Helpers shared by this folder's tests (not part of the simulator's public surface).
import { EC2Client } from '@aws-sdk/client-ec2';
import { existsSync, readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { rawRequest } from '../common/index.js';
import { projectRoot } from '../vsphere/support.js';
import { EC2_API_VERSION, EC2_SIGNING_SERVICE } from './ec2-routes.js';
import { signRequest, type AwsCredentials } from './sigv4.js';
import { DEFAULT_CREDENTIALS } from './simulator.js';

/** An element of a parsed XML document. */
export interface XmlNode {
  readonly name: string;
  readonly children: XmlNode[];
  text: string;
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Parses well-formed XML of the kind EC2 sends (elements and text; attributes and declarations are skipped). */
export function parseXml(xml: string): XmlNode {
  const root: XmlNode = { name: '#document', children: [], text: '' };
  const stack: XmlNode[] = [root];
  const tokens = /<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<\/([^\s>]+)\s*>|<([^\s/>]+)[^>]*?(\/?)>|([^<]+)/g;
  for (const token of xml.matchAll(tokens)) {
    const [, closing, opening, selfClosing, text] = token;
    const current = stack[stack.length - 1];
    if (current === undefined) {
      throw new Error('unbalanced XML');
    }
    if (opening !== undefined) {
      const node: XmlNode = { name: opening, children: [], text: '' };
      current.children.push(node);
      if (selfClosing !== '/') {
        stack.push(node);
      }
    } else if (closing !== undefined) {
      if (current.name !== closing) {
        throw new Error(`</${closing}> closes <${current.name}>`);
      }
      stack.pop();
    } else if (text !== undefined) {
      current.text += text.replace(/&(amp|lt|gt|quot|apos);/g, (_, entity: string) => ENTITIES[entity] ?? entity);
    }
  }
  const [document] = root.children;
  if (document === undefined || stack.length !== 1) {
    throw new Error('not a complete XML document');
  }
  return document;
}

/**
 * Turns XML into JSON-like data for shape comparison: a leaf is its text, an element
 * whose children are all `<item>` is an array, anything else an object by child name.
 */
export function xmlShape(node: XmlNode): unknown {
  if (node.children.length === 0) {
    return node.text.trim();
  }
  if (node.children.every((child) => child.name === 'item')) {
    return node.children.map(xmlShape);
  }
  return Object.fromEntries(node.children.map((child) => [child.name, xmlShape(child)]));
}

/** The first element of that name, depth first. */
export function findElement(node: XmlNode, name: string): XmlNode | undefined {
  for (const child of node.children) {
    if (child.name === name) {
      return child;
    }
    const found = findElement(child, name);
    if (found !== undefined) {
      return found;
    }
  }
  return undefined;
}

/** Reads a sample of test/fixtures/ec2 (fixtures are not compiled, so they are read from the source tree). */
export function readEc2Fixture(name: string): string {
  return readFileSync(join(projectRoot(), 'test', 'fixtures', 'ec2', name), 'utf8');
}

/** Options of {@link sdkClient}. */
export interface SdkClientOptions {
  readonly credentials?: AwsCredentials;
  readonly region?: string;
  readonly maxAttempts?: number;
  /** Extra CA to trust (a self-signed test certificate). */
  readonly ca?: string | Buffer;
  /** Added to the SDK's clock (ms), to follow a simulator clock that runs ahead. */
  readonly systemClockOffset?: number;
}

/** The real AWS SDK client, pointed at the simulator. */
export function sdkClient(url: string, options: SdkClientOptions = {}): EC2Client {
  return new EC2Client({
    region: options.region ?? 'us-east-1',
    endpoint: url,
    credentials: options.credentials ?? DEFAULT_CREDENTIALS,
    maxAttempts: options.maxAttempts ?? 1,
    ...(options.systemClockOffset === undefined ? {} : { systemClockOffset: options.systemClockOffset }),
    ...(options.ca === undefined ? {} : { requestHandler: { httpsAgent: new Agent({ ca: options.ca }) } }),
  });
}

/** An answer of {@link signedCall}. */
export interface Ec2Answer {
  readonly status: number;
  readonly text: string;
  /** The `Code` of an error answer, if any. */
  readonly errorCode: string | undefined;
  readonly contentType: string | undefined;
}

/** Options of {@link signedCall}. */
export interface SignedCallOptions {
  readonly credentials?: AwsCredentials;
  readonly region?: string;
  /** Signing time; default now. */
  readonly now?: number;
  /** Changes the request after signing (to tamper with it). */
  readonly afterSigning?: (request: { headers: Record<string, string>; body: string }) => void;
  readonly method?: 'POST' | 'GET';
  readonly ca?: string | Buffer;
}

/** Signs a Query API request with the simulator's own SigV4 signer and sends it on a fresh connection. */
export async function signedCall(url: string, params: Readonly<Record<string, string>>, options: SignedCallOptions = {}): Promise<Ec2Answer> {
  const query = new URLSearchParams({ Version: EC2_API_VERSION, ...params }).toString();
  const method = options.method ?? 'POST';
  const host = new URL(url).host;
  const body = method === 'POST' ? query : '';
  const unsigned: Record<string, string> = method === 'POST' ? { host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } : { host };
  const headers = signRequest(
    { method, path: '/', query: method === 'GET' ? query : '', headers: unsigned, body },
    { credentials: options.credentials ?? DEFAULT_CREDENTIALS, region: options.region ?? 'us-east-1', service: EC2_SIGNING_SERVICE, now: options.now ?? Date.now() },
  );
  const request = { headers, body };
  options.afterSigning?.(request);
  const outcome = await rawRequest(url, method === 'GET' ? `/?${query}` : '/', {
    method,
    headers: request.headers,
    body: request.body,
    ...(options.ca === undefined ? {} : { ca: options.ca }),
  });
  if (outcome.kind !== 'response') {
    throw new Error(`no complete answer: ${outcome.kind}`);
  }
  const text = outcome.body.toString('utf8');
  return { status: outcome.status, text, errorCode: /<Code>([^<]*)<\/Code>/.exec(text)?.[1], contentType: outcome.headers['content-type'] };
}

/** Where Debian's python3-botocore keeps the EC2 service model (plain or gzipped, depending on the version). */
const SERVICE_MODEL_PATHS = ['/usr/lib/python3/dist-packages/botocore/data/ec2/2016-11-15/service-2.json', '/usr/lib/python3/dist-packages/botocore/data/ec2/2016-11-15/service-2.json.gz'];

/** A shape of a botocore service model (the fields the tests read). */
export interface ModelShape {
  readonly type: string;
  readonly members?: Readonly<Record<string, { readonly shape: string; readonly locationName?: string; readonly queryName?: string }>>;
  readonly member?: { readonly shape: string; readonly locationName?: string };
  readonly enum?: readonly string[];
}

/** The EC2 service model installed by python3-botocore, or undefined when the package is missing. */
export function loadEc2ServiceModel(): { readonly shapes: Readonly<Record<string, ModelShape>>; readonly metadata: Readonly<Record<string, unknown>> } | undefined {
  const path = SERVICE_MODEL_PATHS.find((candidate) => existsSync(candidate));
  if (path === undefined) {
    return undefined;
  }
  const raw = readFileSync(path);
  return JSON.parse((path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8')) as { shapes: Record<string, ModelShape>; metadata: Record<string, unknown> };
}
