import { accessSync, constants } from 'node:fs';
import type { Schema } from 'convict';
import { parseTargetEntry } from '../api/targets/index.js';
import { replicaIdPattern } from '../cluster/replica-id.js';
import type { ValidationIssue } from '../errors/index.js';
import { credentialKeysFormat, type CredentialKeySetting } from '../secrets/index.js';
import { booleanValue, describedFormat, describeType, dnsLabel, formatDescriptionOf, integerAtLeast, numberBetween, oneOf, optionalString, requiredString, urlListWithScheme, urlWithScheme, type ConvictFormat } from './formats.js';

/** Prefix of every environment variable that sets a configuration key. */
export const environmentPrefix = 'DCM_BRIDGE_';

export type PublisherKind = 'nats' | 'stdout';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The bridge-wide settings (everything but the endpoints). */
export interface BridgeSettings {
  readonly provider: { readonly name: string };
  readonly cache: {
    readonly url: string;
    readonly namespace: string;
    /** Redis ACL user; null authenticates as `default` (or sends no AUTH without a password). */
    readonly username: string | null;
    readonly password: string | null;
    /** Applies to a `rediss://` url only. */
    readonly tls: ClientTlsSettings & { readonly insecureSkipVerify: boolean };
  };
  readonly publisher: {
    readonly kind: PublisherKind;
    readonly url: string;
    readonly jetstream: boolean;
    readonly createStream: boolean;
    readonly streamName: string;
    /** Read DCM's stream back when the cache cannot vouch for its contents (JetStream only). */
    readonly recallFromStream: boolean;
    readonly maxInFlight: number;
    readonly ackTimeoutSeconds: number;
    readonly user: string | null;
    readonly password: string | null;
    readonly token: string | null;
    /** A NATS `.creds` file (user JWT and nkey seed), as `nsc` writes them for operator-mode servers. */
    readonly credsFile: string | null;
    /** A file holding only an nkey seed (`SU…`), for servers that list users by nkey. */
    readonly nkeySeedFile: string | null;
    readonly tls: ClientTlsSettings;
  };
  readonly scheduler: {
    readonly maxConcurrentPolls: number;
    readonly jitterRatio: number;
    readonly backoffMaxSeconds: number;
    readonly pollTimeoutSeconds: number;
    readonly defaultIntervalSeconds: number;
  };
  readonly diff: {
    readonly deleteAfterMissedLists: number;
    readonly debounceSeconds: number;
    readonly resyncSeconds: number;
    readonly fullListSeconds: number;
    readonly massDeletionShare: number;
    readonly massDeletionMinimum: number;
  };
  readonly log: { readonly level: LogLevel };
  readonly api: {
    /** `host:port` of the HTTP server; port 0 picks a free one (tests). */
    readonly listen: string;
    /** Base URL DCM reaches this bridge at; required for DCM registration. */
    readonly publicBaseUrl: string;
    readonly writeToken: string | null;
    readonly readToken: string | null;
    readonly maxBodyBytes: number;
    readonly allowedTargets: readonly string[];
    readonly allowPrivateTargets: boolean;
    /** Keys encrypting registration credentials in Redis; the first encrypts, all decrypt. */
    readonly credentialKeys: readonly CredentialKeySetting[];
    /** Without credentialKeys: store registration credentials unencrypted instead of refusing them. */
    readonly allowPlaintextCredentials: boolean;
  };
  readonly health: { readonly subject: string };
  /** Request budgets per platform account, shared by every endpoint of the account on every replica (README "Platform rate limits"). */
  readonly rateLimits: {
    readonly vsphere: PlatformRateSetting;
    readonly openstack: PlatformRateSetting;
    readonly ec2: PlatformRateSetting;
  };
  /** Several replicas on one Redis and NATS (README, "Several replicas"). */
  readonly cluster: {
    /** false: one process polls every endpoint, as before (no membership, leases or fencing). */
    readonly enabled: boolean;
    /** This replica's id in the membership set and in lease values; empty → `<hostname>-<pid>-<4 hex>`. */
    readonly replicaId: string;
    readonly memberTtlSeconds: number;
    readonly leaseTtlSeconds: number;
  };
  readonly dcm: {
    readonly registrationUrl: string;
    readonly displayName: string;
    readonly regionCode: string;
    readonly zone: string;
    readonly registrationIntervalSeconds: number;
  };
}

/** One platform's request budget per account: a token bucket of `burst` tokens refilled at `requestsPerSecond`. */
export interface PlatformRateSetting {
  /** Sustained requests per second per account; 0 turns the shared limit off. */
  readonly requestsPerSecond: number;
  /** Requests allowed back to back after a quiet spell. */
  readonly burst: number;
}

/** PEM files of a client's TLS connection to Redis or NATS; null when unset. */
export interface ClientTlsSettings {
  /** CAs trusted for the server's certificate, instead of the system's. */
  readonly caFile: string | null;
  /** Client certificate and its key, for servers that verify clients (mutual TLS); set both or neither. */
  readonly certFile: string | null;
  readonly keyFile: string | null;
}

/** A replica id: empty (one is made up), or a word that can stand in a lease value and a metric label. */
const replicaIdFormat: ConvictFormat = describedFormat(
  (value) => {
    if (typeof value !== 'string') throw new Error(`must be a string, not ${describeType(value)}`);
    if (value !== '' && !replicaIdPattern.test(value)) throw new Error('must be 1-128 letters, digits, ".", "_", ":" or "-" (no spaces)');
  },
  { text: 'empty, or 1-128 of a-z A-Z 0-9 . _ : -', jsonSchema: { type: 'string', pattern: `^$|${replicaIdPattern.source}` } },
);

/** `host:port`, `[ipv6]:port` or `:port` (all interfaces). */
const listenAddressPattern = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):(\d{1,5})$/;
const listenAddress: ConvictFormat = describedFormat(
  (value) => {
    requiredString(value);
    const match = listenAddressPattern.exec(value as string);
    if (!match || Number(match[2]) > 65535) throw new Error(`must be host:port (port 0-65535), e.g. 0.0.0.0:8080; got ${JSON.stringify(value)}`);
  },
  { text: 'host:port, [ipv6]:port or :port', jsonSchema: { type: 'string', pattern: listenAddressPattern.source } },
);

/** A bearer token: unset, or long enough not to be guessed. Its value is never echoed. */
const optionalToken: ConvictFormat = describedFormat(
  (value) => {
    if (value === null || value === undefined) return;
    if (typeof value !== 'string') throw new Error(`must be a string, not ${typeof value}`);
    if (value.length < 16 || /\s/.test(value)) throw new Error('must be at least 16 characters without spaces (write it as ${env:...} or ${file:...})');
  },
  { text: 'at least 16 characters, no spaces', jsonSchema: { type: 'string', pattern: '^\\S{16,}$' } },
);

function stringList(entry: (text: string) => string | undefined): ConvictFormat {
  return describedFormat(
    (value) => {
      if (!Array.isArray(value)) throw new Error(`must be a list of strings, not ${describeType(value)}`);
      value.forEach((item, index) => {
        const problem = typeof item === 'string' ? entry(item) : `must be a string, not ${describeType(item)}`;
        if (problem) throw new Error(`entry ${index} ${problem}`);
      });
    },
    { text: 'list of strings', jsonSchema: { type: 'array', items: { type: 'string' } } },
  );
}

const targetEntry = (text: string): string | undefined => (parseTargetEntry(text) ? undefined : `"${text}" is neither a CIDR (10.0.0.0/8, fd00::/8), an address nor a host name (*.example.com)`);

/**
 * A URL format that refuses user info with a hint naming the keys that carry
 * credentials instead; the value itself is never echoed (it holds a password).
 */
function withoutUserInfo(format: ConvictFormat, credentialKeys: string): ConvictFormat {
  const check: ConvictFormat = (value) => {
    const withCredentials = typeof value === 'string' && value.split(',').some((entry) => /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(entry.trim()));
    if (withCredentials) throw new Error(`must not carry credentials (user info before "@"); set ${credentialKeys} instead`);
    format(value);
  };
  const description = formatDescriptionOf(format);
  return description ? describedFormat(check, { ...description, text: `${description.text}, without user info` }) : check;
}

const clientTlsSchema = (server: string) => ({
  caFile: { doc: `PEM file of the CAs that signed the ${server}'s certificate; unset trusts the system's CAs.`, format: optionalString, default: null, nullable: true },
  certFile: { doc: `PEM client certificate, for a ${server} that verifies clients (mutual TLS); needs keyFile.`, format: optionalString, default: null, nullable: true },
  keyFile: { doc: 'PEM private key of certFile.', format: optionalString, default: null, nullable: true },
});

const platformRateSchema = (account: string, requestsPerSecond: number, burst: number) => ({
  requestsPerSecond: { doc: `Sustained platform requests per second per ${account}, shared by its endpoints on every replica; 0 turns the shared limit off.`, format: numberBetween(0, 100_000), default: requestsPerSecond },
  burst: { doc: 'Requests allowed back to back after a quiet spell (the token bucket\'s size).', format: integerAtLeast(1), default: burst },
});

/** `api.credentialKeys`: a list of `{id, key}`; the key's content is checked by `credentialKeysFormat` alone. */
const credentialKeysSetting: ConvictFormat = describedFormat(credentialKeysFormat, {
  text: 'list of `{id, key}` (key: base64 of 32 bytes) or `"id:key"`',
  jsonSchema: { type: 'array', items: { anyOf: [{ type: 'object', required: ['id', 'key'], additionalProperties: false, properties: { id: { type: 'string' }, key: { type: 'string' } } }, { type: 'string', pattern: ':' }] } },
});

/**
 * A NATS subject to publish on, outside `dcm.*`: DCM's stream captures every
 * two-token `dcm.X` subject and would take bridge health for a status report.
 */
export const healthSubject: ConvictFormat = describedFormat(
  (value) => {
    requiredString(value);
    const tokens = (value as string).split('.');
    if (tokens.some((token) => token === '' || /[\s*>]/.test(token))) throw new Error(`must be a NATS subject without wildcards or spaces; got ${JSON.stringify(value)}`);
    if (tokens.length === 2 && tokens[0] === 'dcm') throw new Error(`${JSON.stringify(value)} falls inside dcm.*, which DCM consumes as status reports; use e.g. dcm.bridge.health`);
  },
  { text: 'NATS subject outside `dcm.*`, no wildcards', jsonSchema: { type: 'string', pattern: '^[^\\s*>.]+(\\.[^\\s*>.]+)*$', not: { pattern: '^dcm\\.[^.]+$' } } },
);

/**
 * The convict schema of {@link BridgeSettings}. Defaults here are the documented
 * defaults; `config/default.yaml` repeats them with comments for operators.
 */
export const settingsSchema: Schema<BridgeSettings> = {
  provider: {
    name: { doc: 'Provider name; CloudEvent source is dcm/providers/<name>.', format: dnsLabel, default: 'legacy-bridge' },
  },
  cache: {
    url: { doc: 'Redis URL of the state cache (rediss:// for TLS); empty uses an in-memory store (demo and tests only).', format: withoutUserInfo(urlWithScheme(['redis', 'rediss'], true), 'cache.username and cache.password'), default: 'redis://127.0.0.1:6379' },
    namespace: { doc: 'Key prefix in Redis, so several bridges can share one Redis.', format: requiredString, default: 'dcm-poll-bridge' },
    username: { doc: 'Redis ACL user (Redis 6+); unset uses the default user.', format: optionalString, default: null, nullable: true },
    password: { doc: 'Password of cache.username, or the requirepass password without a user (use ${file:...}).', format: optionalString, default: null, nullable: true, sensitive: true },
    tls: {
      ...clientTlsSchema('Redis server'),
      insecureSkipVerify: { doc: 'Accept any server certificate (tests only): the connection is encrypted but not authenticated.', format: booleanValue, default: false },
    },
  },
  publisher: {
    kind: { doc: 'nats publishes to NATS; stdout prints one event JSON per line.', format: oneOf(['nats', 'stdout']), default: 'nats' },
    url: { doc: 'NATS server URL(s), comma-separated.', format: withoutUserInfo(urlListWithScheme(['nats', 'tls', 'ws', 'wss']), 'publisher.user and publisher.password, publisher.token, publisher.credsFile or publisher.nkeySeedFile'), default: 'nats://127.0.0.1:4222' },
    jetstream: { doc: 'Publish through JetStream and wait for the ack (at-least-once); false uses core NATS (at-most-once).', format: booleanValue, default: true },
    createStream: { doc: 'Create the stream on dcm.* if missing. Only for a standalone setup without DCM.', format: booleanValue, default: false },
    streamName: { doc: 'DCM\'s stream on dcm.*: created when createStream is true, read back when recallFromStream is true.', format: requiredString, default: 'dcm-status' },
    recallFromStream: {
      doc: 'After a cache loss or rollback (a new cache epoch), read what DCM was told back from streamName, so instances deleted meanwhile are still reported DELETED and none twice. Needs read access to the stream (a consumer); false skips the recall.',
      format: booleanValue,
      default: true,
    },
    maxInFlight: { doc: 'Most publishes awaiting an ack at once.', format: integerAtLeast(1), default: 256 },
    ackTimeoutSeconds: { doc: 'How long to wait for a JetStream ack before the publish counts as failed.', format: numberBetween(0.1, 600), default: 5 },
    user: { doc: 'NATS user name.', format: optionalString, default: null, nullable: true },
    password: { doc: 'NATS password (use ${env:...} or ${file:...}).', format: optionalString, default: null, nullable: true, sensitive: true },
    token: { doc: 'NATS token (use ${env:...} or ${file:...}).', format: optionalString, default: null, nullable: true, sensitive: true },
    credsFile: { doc: 'NATS credentials file (.creds: user JWT and nkey seed) of an operator-mode server; read again at every connect.', format: optionalString, default: null, nullable: true },
    nkeySeedFile: { doc: 'File holding an nkey seed (SU...), for a server whose authorization lists users by nkey; read again at every connect.', format: optionalString, default: null, nullable: true },
    tls: clientTlsSchema('NATS server'),
  },
  scheduler: {
    maxConcurrentPolls: { doc: 'Most endpoint polls running at once across the bridge.', format: integerAtLeast(1), default: 8 },
    jitterRatio: { doc: 'Each delay is lengthened by a random share of up to this ratio.', format: numberBetween(0, 1), default: 0.1 },
    backoffMaxSeconds: { doc: 'Cap of the exponential backoff after failed polls.', format: integerAtLeast(1), default: 300 },
    pollTimeoutSeconds: { doc: 'A listing that takes longer is aborted and counts as failed.', format: integerAtLeast(1), default: 120 },
    defaultIntervalSeconds: { doc: 'Interval of endpoints that do not set intervalSeconds.', format: integerAtLeast(1), default: 30 },
  },
  diff: {
    deleteAfterMissedLists: { doc: 'After this many consecutive complete lists without an instance, the platform is asked whether it is gone; only a confirmed "gone" is reported DELETED.', format: integerAtLeast(1), default: 2 },
    massDeletionShare: { doc: 'Mass-deletion guard: when more than this share of an endpoint\'s instances vanish at once (and at least massDeletionMinimum), deletions are held and the endpoint is degraded until the list recovers or an operator confirms.', format: numberBetween(0, 1), default: 0.2 },
    massDeletionMinimum: { doc: 'The guard holds only when at least this many instances vanish at once.', format: integerAtLeast(1), default: 10 },
    debounceSeconds: { doc: 'At most one transition per instance in this window; the latest state wins. 0 turns it off.', format: integerAtLeast(0), default: 0 },
    resyncSeconds: { doc: 'Re-publish every current state this often (and at start-up); 0 only at start-up.', format: integerAtLeast(0), default: 600 },
    fullListSeconds: { doc: 'Where an adapter can list only what changed (Nova changes-since, vCenter WaitForUpdatesEx), a full list still runs this often, so nothing drifts; absences are judged only on full lists. 0 = always list in full.', format: integerAtLeast(0), default: 3600 },
  },
  log: {
    level: { doc: 'pino log level.', format: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), default: 'info' },
  },
  api: {
    listen: { doc: 'host:port of the HTTP API (run only); port 0 picks a free port.', format: listenAddress, default: '0.0.0.0:8080' },
    publicBaseUrl: { doc: 'Base URL DCM reaches this bridge at (http://bridge:8080); required when dcm.registrationUrl is set.', format: urlWithScheme(['http', 'https'], true), default: '' },
    writeToken: { doc: 'Bearer token required by every write (use ${env:...}); writes are refused while unset.', format: optionalToken, default: null, nullable: true, sensitive: true },
    readToken: { doc: 'Bearer token required by reads and /metrics; reads are open while unset. The write token reads too.', format: optionalToken, default: null, nullable: true, sensitive: true },
    maxBodyBytes: { doc: 'Largest request body accepted, in bytes.', format: integerAtLeast(256), default: 65536 },
    allowedTargets: { doc: 'CIDRs, addresses and host names (*.example.com) registered endpoints may point at; empty allows any public address.', format: stringList(targetEntry), default: [] },
    allowPrivateTargets: { doc: 'Let registered endpoints point at private and loopback addresses.', format: booleanValue, default: false },
    credentialKeys: { doc: 'Keys encrypting the credentials of registrations in Redis (AES-256-GCM): a list of {id, key}, key = base64 of 32 random bytes as ${file:...}; the first encrypts, every one decrypts. Environment: comma-separated id:key.', format: credentialKeysSetting, default: [], sensitive: true },
    allowPlaintextCredentials: { doc: 'Without credentialKeys, store registration credentials in Redis unencrypted (warned at start-up) instead of refusing registrations.', format: booleanValue, default: false },
  },
  health: {
    subject: { doc: 'NATS subject of endpoint health events; must lie outside dcm.*.', format: healthSubject, default: 'dcm.bridge.health' },
  },
  rateLimits: {
    // Defaults and the published limits they follow: README.md, "Platform rate limits".
    vsphere: platformRateSchema('vCenter (per URL origin)', 100, 200),
    openstack: platformRateSchema('OpenStack project (per auth URL and project)', 10, 20),
    ec2: platformRateSchema('AWS account and region', 10, 50),
  },
  cluster: {
    enabled: { doc: 'Run as one of several replicas sharing cache.url and the broker: each endpoint is polled by the one replica rendezvous hashing gives it, under a fenced lease. Needs a Redis cache.', format: booleanValue, default: false },
    replicaId: { doc: 'This replica\'s id (letters, digits, . _ : -); empty uses <hostname>-<pid>-<4 random hex>. Must differ between replicas.', format: replicaIdFormat, default: '' },
    memberTtlSeconds: { doc: 'A replica not heard of for this long is counted out and its endpoints move; it heartbeats every third of it.', format: numberBetween(1, 600), default: 10 },
    leaseTtlSeconds: { doc: 'An endpoint\'s lease lapses this long after its holder last renewed it (every third of it); a replica that dies loses its endpoints within it.', format: numberBetween(1, 600), default: 10 },
  },
  dcm: {
    registrationUrl: { doc: 'DCM service provider manager URL (http://spm:8080/api/v1alpha1); empty turns registration off.', format: urlWithScheme(['http', 'https'], true), default: '' },
    displayName: { doc: 'Human-readable name in the DCM registration.', format: optionalString, default: '' },
    regionCode: { doc: 'Region code in the registration metadata.', format: optionalString, default: '' },
    zone: { doc: 'Availability zone in the registration metadata.', format: optionalString, default: '' },
    registrationIntervalSeconds: { doc: 'Re-register with DCM this often.', format: integerAtLeast(1), default: 60 },
  },
};

/** Rules spanning several keys, and the files settings name, checked once every key is valid on its own. */
export function crossSettingIssues(settings: BridgeSettings): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (settings.dcm.registrationUrl && !settings.api.publicBaseUrl) issues.push({ path: 'api.publicBaseUrl', message: 'is required when dcm.registrationUrl is set (DCM must know where to reach the bridge)' });
  if (settings.cluster.enabled && !settings.cache.url) issues.push({ path: 'cluster.enabled', message: 'needs a Redis cache (set cache.url): replicas share their membership, leases and state through it' });
  issues.push(...connectionIssues(settings));
  return issues;
}

/** How the bridge authenticates to Redis and NATS: one consistent way each, and files it can read. */
function connectionIssues(settings: BridgeSettings): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const { cache, publisher } = settings;
  // An ACL user with `nopass` takes any password, so a user alone is a mistake, not a setup.
  if (cache.username && !cache.password) issues.push({ path: 'cache.password', message: 'is required when cache.username is set' });
  const cacheTlsKeys = (['caFile', 'certFile', 'keyFile', 'insecureSkipVerify'] as const).filter((key) => cache.tls[key]);
  if (cacheTlsKeys.length > 0 && !cache.url.startsWith('rediss://')) {
    issues.push({ path: 'cache.tls', message: `${cacheTlsKeys.join(', ')} ${cacheTlsKeys.length === 1 ? 'applies' : 'apply'} to a rediss:// cache.url only; use rediss:// for TLS` });
  }
  if (publisher.password && !publisher.user) issues.push({ path: 'publisher.user', message: 'is required when publisher.password is set' });
  const natsAuth = (['user', 'token', 'credsFile', 'nkeySeedFile'] as const).filter((key) => publisher[key]);
  if (natsAuth.length > 1) issues.push({ path: 'publisher', message: `set one way to authenticate to NATS, not ${natsAuth.join(' and ')}` });
  for (const [path, tls] of [['cache.tls', cache.tls], ['publisher.tls', publisher.tls]] as const) {
    if (Boolean(tls.certFile) !== Boolean(tls.keyFile)) issues.push({ path: `${path}.${tls.certFile ? 'keyFile' : 'certFile'}`, message: `is required with ${path}.${tls.certFile ? 'certFile' : 'keyFile'} (a client certificate needs its key)` });
  }
  const files: Array<readonly [string, string | null]> = [
    ['cache.tls.caFile', cache.tls.caFile],
    ['cache.tls.certFile', cache.tls.certFile],
    ['cache.tls.keyFile', cache.tls.keyFile],
    ['publisher.tls.caFile', publisher.tls.caFile],
    ['publisher.tls.certFile', publisher.tls.certFile],
    ['publisher.tls.keyFile', publisher.tls.keyFile],
    ['publisher.credsFile', publisher.credsFile],
    ['publisher.nkeySeedFile', publisher.nkeySeedFile],
  ];
  for (const [path, file] of files) {
    if (!file) continue;
    try {
      accessSync(file, constants.R_OK);
    } catch (error) {
      issues.push({ path, message: `file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})` });
    }
  }
  return issues;
}

/** `publisher.createStream` → `DCM_BRIDGE_PUBLISHER_CREATE_STREAM`. */
export function environmentNameOf(path: string): string {
  return environmentPrefix + path.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/\./g, '_').toUpperCase();
}
