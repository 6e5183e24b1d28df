import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { isJsonObject } from '../../src/values/index.js';

/**
 * Where clouds.yaml files are looked for, and how they are read. Everything a
 * lookup touches comes in here, so tests point it at a temp dir; the adapter
 * factory fills it from the process once, at the edge.
 */
export interface CloudsYamlSources {
  /** The environment, for `OS_CLIENT_CONFIG_FILE`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The bridge's working directory (`./clouds.yaml`). */
  readonly cwd: string;
  /** The user's home directory (`~/.config/openstack/clouds.yaml`). */
  readonly homeDir: string;
  /** The system directory. Default `/etc/openstack`. */
  readonly systemDir?: string;
  /** Reads a file as UTF-8; throws ENOENT when it is absent. Default `fs.readFileSync`. */
  readonly readFile?: (path: string) => string;
}

/**
 * The sources of a bridge that was given no host (unit tests, the
 * configuration reference): nothing is read, so every `cloud:` is reported
 * as not found, with locations that say why.
 */
export const noCloudsYaml: CloudsYamlSources = {
  env: {},
  cwd: '(no host: working directory)',
  homeDir: '(no host: home directory)',
  systemDir: '(no host: system directory)',
  readFile: (path) => {
    throw Object.assign(new Error(`${path}: the bridge was given no host to read files from`), { code: 'ENOENT' });
  },
};

/** One candidate file and why it is on the list, for error messages. */
export interface CloudsYamlLocation {
  readonly path: string;
  readonly origin: string;
}

/** The `auth` keys and top-level keys of one clouds.yaml entry that the bridge reads (all optional). */
export interface CloudEntry {
  readonly authUrl?: string;
  readonly username?: string;
  readonly password?: string;
  readonly userDomainName?: string;
  readonly projectName?: string;
  readonly projectDomainName?: string;
  readonly applicationCredentialId?: string;
  readonly applicationCredentialSecret?: string;
  readonly regionName?: string;
  readonly interface?: string;
  readonly authType?: string;
}

/** A found entry with the file it came from, or why there is none (a message naming the files searched). */
export type CloudLookup = { readonly ok: true; readonly entry: CloudEntry; readonly file: string } | { readonly ok: false; readonly message: string };

/**
 * The standard locations, in openstacksdk's order: `OS_CLIENT_CONFIG_FILE`,
 * `./clouds.yaml`, `~/.config/openstack/clouds.yaml`, `/etc/openstack/clouds.yaml`.
 */
export function cloudsYamlLocations(sources: CloudsYamlSources): CloudsYamlLocation[] {
  const fromEnv = sources.env['OS_CLIENT_CONFIG_FILE'];
  return [
    ...(fromEnv ? [{ path: fromEnv, origin: 'OS_CLIENT_CONFIG_FILE' }] : []),
    { path: join(sources.cwd, 'clouds.yaml'), origin: 'working directory' },
    { path: join(sources.homeDir, '.config', 'openstack', 'clouds.yaml'), origin: 'user config' },
    { path: join(sources.systemDir ?? '/etc/openstack', 'clouds.yaml'), origin: 'system config' },
  ];
}

/** `auth` key of clouds.yaml → {@link CloudEntry} field. */
const authKeys: Readonly<Record<string, keyof CloudEntry>> = {
  auth_url: 'authUrl',
  username: 'username',
  password: 'password',
  user_domain_name: 'userDomainName',
  project_name: 'projectName',
  project_domain_name: 'projectDomainName',
  application_credential_id: 'applicationCredentialId',
  application_credential_secret: 'applicationCredentialSecret',
};

const topKeys: Readonly<Record<string, keyof CloudEntry>> = { region_name: 'regionName', interface: 'interface', auth_type: 'authType' };

/**
 * Finds cloud `name` the way the `openstack` CLI does: in the FIRST clouds.yaml
 * that exists (later files are not merged in), so the bridge and an operator's
 * `openstack --os-cloud <name>` read the same entry. Never throws; messages
 * name files and keys, never values.
 */
export function findCloud(name: string, sources: CloudsYamlSources): CloudLookup {
  const readFile = sources.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const locations = cloudsYamlLocations(sources);
  const searched = (): string => locations.map((location) => `${location.path} (${location.origin})`).join(', ');
  for (const location of locations) {
    let text: string;
    try {
      text = readFile(location.path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      return { ok: false, message: `cannot read ${location.path}: ${code ?? String(error)}` };
    }
    return entryIn(text, name, location.path, searched());
  }
  return { ok: false, message: `no clouds.yaml found for cloud "${name}"; searched ${searched()}` };
}

function entryIn(text: string, name: string, file: string, searched: string): CloudLookup {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    return { ok: false, message: `${file} is not valid YAML: ${(error as Error).message.split('\n')[0] ?? ''}` };
  }
  const clouds = isJsonObject(document) ? document['clouds'] : undefined;
  if (!isJsonObject(clouds)) return { ok: false, message: `${file} has no "clouds:" map` };
  const raw = clouds[name];
  if (!isJsonObject(raw)) {
    const known = Object.keys(clouds).join(', ') || '(none)';
    return { ok: false, message: `cloud "${name}" is not in ${file}, the first clouds.yaml found (it has: ${known}); searched ${searched}` };
  }
  const entry: Record<string, string> = {};
  const auth = isJsonObject(raw['auth']) ? raw['auth'] : {};
  for (const [key, field] of Object.entries(authKeys)) copyString(auth[key], field, entry);
  for (const [key, field] of Object.entries(topKeys)) copyString(raw[key], field, entry);
  return { ok: true, entry, file };
}

function copyString(value: unknown, field: string, into: Record<string, string>): void {
  // YAML turns unquoted digits into numbers; an id or region of digits is still a string to Keystone.
  if (typeof value === 'string' && value !== '') into[field] = value;
  else if (typeof value === 'number') into[field] = String(value);
}
