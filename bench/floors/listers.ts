/**
 * The platform listings the bench's floors page (#12): for each platform, a
 * minimal client paging the same listing the bridge pages on the same
 * simulator, with nothing of the bridge's (no adapter, no checks beyond what
 * paging needs). Used by the fetch floor (`fetch-floor.ts`, which only counts)
 * and the storm floor (`storm-floor.ts`, which publishes and stores per page).
 *
 * - `openstack`: Keystone password token, then `GET /servers/detail?tags=…&limit=1000`
 *   at microversion 2.26 following `marker` paging, `JSON.parse` per page.
 * - `ec2-raw`: `DescribeInstances` with the adapter's filters and MaxResults
 *   1000, signed with `@smithy/signature-v4` (what the SDK signs with),
 *   the XML read by a plain scan for id, state and tags; the next page asked
 *   for once the answer's `nextToken` is found, before the scan (as the adapter asks).
 * - `ec2-sdk`: the AWS SDK's own `paginateDescribeInstances`, its full deserializer.
 * - `vsphere`: the calls the adapter makes on a warm poll (`adapters/vsphere/listing.ts`):
 *   list the instance-id category's tags, `list-attached-objects-on-tags` in
 *   batches of 1,000 tag ids (8 in flight), then `GET /api/vcenter/vm?vms=…`
 *   1,000 ids a call (8 in flight, read in order).
 */
import { createHash, createHmac } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import { Agent, request } from 'undici';

/** Which listing a floor process pages. */
export type FetchFloorKind = 'openstack' | 'ec2-raw' | 'ec2-sdk' | 'vsphere';

/** The platform a floor process lists (part of its JSON settings). */
export interface ListerSettings {
  readonly kind: FetchFloorKind;
  /** The simulator's origin. */
  readonly url: string;
  readonly pageSize: number;
  /** OpenStack: username/password/userDomainName/projectName/projectDomainName; EC2: accessKeyId/secretAccessKey/region; vSphere: username/password. */
  readonly credentials: Readonly<Record<string, string>>;
}

/**
 * Called once per page with the ids of the managed VMs it held (only when
 * given: the fetch floor passes none and only counts), awaited before the
 * next page is asked for (vSphere: before the next beyond the 8 it asks for
 * ahead; EC2: before the one after the next; as the adapters ask), so a
 * storm floor's back-pressure reaches the listing.
 */
export type PageVisitor = (ids: readonly string[]) => Promise<void>;

/** Lists every managed VM once; resolves to how many it read. */
export type Lister = (visitPage?: PageVisitor) => Promise<number>;

const dispatcher = new Agent({ connections: 8, keepAliveTimeout: 60_000 });

async function call(method: 'GET' | 'POST', url: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const answer = await request(url, { method, headers, ...(body === undefined ? {} : { body }), dispatcher });
  const text = await answer.body.text();
  if (answer.statusCode >= 300) throw new Error(`${method} ${url} answered ${answer.statusCode}: ${text.slice(0, 300)}`);
  return { status: answer.statusCode, headers: answer.headers, text };
}

async function openstackLister(settings: ListerSettings): Promise<Lister> {
  const { credentials } = settings;
  const auth = {
    auth: {
      identity: { methods: ['password'], password: { user: { name: credentials['username'], domain: { name: credentials['userDomainName'] }, password: credentials['password'] } } },
      scope: { project: { name: credentials['projectName'], domain: { name: credentials['projectDomainName'] } } },
    },
  };
  const token = await call('POST', `${settings.url}/identity/v3/auth/tokens`, { 'content-type': 'application/json' }, JSON.stringify(auth));
  const subjectToken = String(token.headers['x-subject-token']);
  const catalog = (JSON.parse(token.text) as { token: { catalog: Array<{ type: string; endpoints: Array<{ interface: string; url: string }> }> } }).token.catalog;
  const compute = catalog.find((service) => service.type === 'compute')?.endpoints.find((endpoint) => endpoint.interface === 'public')?.url;
  if (!compute) throw new Error('no public compute endpoint in the catalog');
  const headers = { 'x-auth-token': subjectToken, 'openstack-api-version': 'compute 2.26', accept: 'application/json' };
  return async (visitPage) => {
    let vms = 0;
    let marker: string | undefined;
    for (;;) {
      const query = new URLSearchParams({ tags: 'managed-by=dcm', limit: String(settings.pageSize), ...(marker === undefined ? {} : { marker }) });
      const page = JSON.parse((await call('GET', `${compute}/servers/detail?${query.toString()}`, headers)).text) as {
        servers: Array<{ id: string; status: string; metadata?: Record<string, string>; 'OS-EXT-STS:task_state'?: string | null }>;
        servers_links?: Array<{ rel: string; href: string }>;
      };
      const ids: string[] | undefined = visitPage ? [] : undefined;
      for (const server of page.servers) {
        if (server.id && server.status && server.metadata?.['dcm-instance-id'] !== undefined) {
          vms++;
          ids?.push(server.id);
        }
      }
      if (ids) await visitPage?.(ids);
      const next = page.servers_links?.find((link) => link.rel === 'next');
      if (!next) return vms;
      marker = new URL(next.href).searchParams.get('marker') ?? page.servers[page.servers.length - 1]?.id;
    }
  };
}

const ec2Filters = (pageSize: number): Record<string, string> => ({
  Action: 'DescribeInstances',
  Version: '2016-11-15',
  'Filter.1.Name': 'tag:managed-by',
  'Filter.1.Value.1': 'dcm',
  'Filter.2.Name': 'tag-key',
  'Filter.2.Value.1': 'dcm-instance-id',
  MaxResults: String(pageSize),
});

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  return data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** The `sha256` constructor SignatureV4 takes, on node:crypto (an HMAC when given a secret). */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }
}

async function ec2RawLister(settings: ListerSettings): Promise<Lister> {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const { credentials } = settings;
  const region = credentials['region'] ?? 'us-east-1';
  const signer = new SignatureV4({ service: 'ec2', region, sha256: NodeSha256, credentials: { accessKeyId: credentials['accessKeyId'] ?? '', secretAccessKey: credentials['secretAccessKey'] ?? '' } });
  const origin = new URL(settings.url);
  const ask = async (nextToken: string | undefined): Promise<string> => {
    const body = new URLSearchParams({ ...ec2Filters(settings.pageSize), ...(nextToken ? { NextToken: nextToken } : {}) }).toString();
    const signed = await signer.sign({
      method: 'POST',
      protocol: origin.protocol,
      hostname: origin.hostname,
      port: Number(origin.port),
      path: '/',
      query: {},
      headers: { host: origin.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body,
    });
    return (await call('POST', `${settings.url}/`, signed.headers, body)).text;
  };
  return async (visitPage) => {
    let vms = 0;
    let pending = ask(undefined);
    for (;;) {
      const xml = await pending;
      // The answer's own nextToken is its last child; an instance never carries one.
      const nextToken = /<nextToken>([^<]+)<\/nextToken>\s*<\/DescribeInstancesResponse>/.exec(xml)?.[1];
      if (nextToken) {
        // As the adapter asks (adapters/ec2/listing.ts): the next page as soon as the token is found, before this one is read.
        pending = ask(nextToken);
        pending.catch(() => undefined);
        await setImmediate();
      }
      const ids = managedInstanceIds(xml);
      vms += ids.length;
      if (visitPage) await visitPage(ids);
      if (!nextToken) return vms;
    }
  };
}

/** A plain scan: each instance's id, state name and tags, nothing else; the ids of those carrying an instance id. */
export function managedInstanceIds(xml: string): string[] {
  const ids: string[] = [];
  const starts: number[] = [];
  for (const match of xml.matchAll(/<instanceId>/g)) starts.push(match.index);
  for (let index = 0; index < starts.length; index++) {
    const segment = xml.slice(starts[index], starts[index + 1] ?? xml.length);
    const id = /<instanceId>([^<]+)</.exec(segment)?.[1];
    const state = /<instanceState>\s*<code>\d+<\/code>\s*<name>([^<]+)</.exec(segment)?.[1];
    const tags = new Map<string, string>();
    for (const tag of segment.matchAll(/<key>([^<]*)<\/key>\s*<value>([^<]*)<\/value>/g)) tags.set(tag[1] ?? '', tag[2] ?? '');
    if (id && state && tags.has('dcm-instance-id')) ids.push(id);
  }
  return ids;
}

async function ec2SdkLister(settings: ListerSettings): Promise<Lister> {
  const { EC2Client, paginateDescribeInstances } = await import('@aws-sdk/client-ec2');
  const { credentials } = settings;
  const client = new EC2Client({
    region: credentials['region'] ?? 'us-east-1',
    endpoint: settings.url,
    credentials: { accessKeyId: credentials['accessKeyId'] ?? '', secretAccessKey: credentials['secretAccessKey'] ?? '' },
  });
  const filters = [
    { Name: 'tag:managed-by', Values: ['dcm'] },
    { Name: 'tag-key', Values: ['dcm-instance-id'] },
  ];
  return async (visitPage) => {
    let vms = 0;
    for await (const page of paginateDescribeInstances({ client, pageSize: settings.pageSize }, { Filters: filters })) {
      const ids: string[] = [];
      for (const reservation of page.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) {
          const tags = new Map((instance.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
          if (instance.InstanceId && instance.State?.Name && tags.has('dcm-instance-id')) ids.push(instance.InstanceId);
        }
      }
      vms += ids.length;
      if (visitPage) await visitPage(ids);
    }
    return vms;
  };
}

async function vsphereLister(settings: ListerSettings): Promise<Lister> {
  const { credentials } = settings;
  const basic = Buffer.from(`${credentials['username']}:${credentials['password']}`).toString('base64');
  const session = JSON.parse((await call('POST', `${settings.url}/api/session`, { authorization: `Basic ${basic}` })).text) as string;
  const headers = { 'vmware-api-session-id': session, 'content-type': 'application/json' };
  const getJson = async <T>(path: string): Promise<T> => JSON.parse((await call('GET', `${settings.url}${path}`, headers)).text) as T;
  const postJson = async <T>(path: string, body: unknown): Promise<T> => JSON.parse((await call('POST', `${settings.url}${path}`, headers, JSON.stringify(body))).text) as T;
  const inBatches = <T>(items: readonly T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));
  const eightAtATime = async <T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> => {
    const results: R[] = new Array(items.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(8, items.length) }, async () => {
        while (next < items.length) {
          const index = next++;
          results[index] = await work(items[index] as T);
        }
      }),
    );
    return results;
  };

  // Looked up once, as the adapter's tag directory keeps them.
  const categoryIds = await getJson<string[]>('/api/cis/tagging/category');
  const categories = await eightAtATime(categoryIds, (id) => getJson<{ id: string; name: string }>(`/api/cis/tagging/category/${encodeURIComponent(id)}`));
  const categoryId = (name: string): string => categories.find((category) => category.name === name)?.id ?? '';
  const managedByTags = await postJson<string[]>('/api/cis/tagging/tag?action=list-tags-for-category', { category_id: categoryId('managed-by') });
  const managedByNames = await eightAtATime(managedByTags, (id) => getJson<{ id: string; name: string }>(`/api/cis/tagging/tag/${encodeURIComponent(id)}`));
  const managedByTagId = managedByNames.find((tag) => tag.name === 'dcm')?.id ?? '';
  const instanceTagNames = new Map<string, string>();

  return async (visitPage) => {
    const instanceTagIds = await postJson<string[]>('/api/cis/tagging/tag?action=list-tags-for-category', { category_id: categoryId('dcm-instance-id') });
    const unknown = instanceTagIds.filter((id) => !instanceTagNames.has(id));
    await eightAtATime(unknown, async (id) => instanceTagNames.set(id, (await getJson<{ name: string }>(`/api/cis/tagging/tag/${encodeURIComponent(id)}`)).name));
    const answers = (
      await eightAtATime(inBatches([managedByTagId, ...instanceTagIds], 1000), (tagIds) =>
        postJson<Array<{ tag_id: string; object_ids: Array<{ id: string }> | null }>>('/api/cis/tagging/tag-association?action=list-attached-objects-on-tags', { tag_ids: tagIds }),
      )
    ).flat();
    const instanceOf = new Map<string, string>();
    let managed: string[] = [];
    for (const answer of answers) {
      if (answer.tag_id === managedByTagId) managed = (answer.object_ids ?? []).map((object) => object.id);
      else for (const object of answer.object_ids ?? []) instanceOf.set(object.id, instanceTagNames.get(answer.tag_id) ?? '');
    }
    let vms = 0;
    // As the adapter asks: up to 8 VM lists in flight, read in order.
    const listVms = (batch: readonly string[]): Promise<Array<{ vm: string; power_state: string; name: string }>> => {
      const query = new URLSearchParams(batch.map((id): [string, string] => ['vms', id]));
      return getJson(`/api/vcenter/vm?${query.toString()}`);
    };
    const batches = inBatches(managed, settings.pageSize);
    const inFlight = batches.slice(0, 8).map(listVms);
    for (let next = inFlight.length; inFlight.length > 0; next++) {
      const summaries = await (inFlight.shift() as ReturnType<typeof listVms>);
      if (next < batches.length) inFlight.push(listVms(batches[next] as string[]));
      const ids: string[] | undefined = visitPage ? [] : undefined;
      for (const summary of summaries) {
        if (summary.power_state && instanceOf.has(summary.vm)) {
          vms++;
          ids?.push(summary.vm);
        }
      }
      if (ids) await visitPage?.(ids);
    }
    return vms;
  };
}


const listers: Readonly<Record<FetchFloorKind, (settings: ListerSettings) => Promise<Lister>>> = { openstack: openstackLister, 'ec2-raw': ec2RawLister, 'ec2-sdk': ec2SdkLister, vsphere: vsphereLister };

/**
 * Signs in (token, session, vSphere's tag names) and returns the lister of
 * `platform.kind`; call it once unmeasured to warm up, as the bridge's
 * steady polls are warm. {@link closeListers} ends the HTTP agent.
 */
export function createLister(platform: ListerSettings): Promise<Lister> {
  return listers[platform.kind](platform);
}

/** Closes the listers' HTTP connections, so the process can exit. */
export function closeListers(): Promise<void> {
  return dispatcher.close();
}
