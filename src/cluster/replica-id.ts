import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * A replica id for a process that was given none: `<hostname>-<pid>-<4 hex>`.
 * The random part keeps a restarted process (same host, a reused pid) from
 * passing for its predecessor, whose leases it must not inherit.
 */
export function defaultReplicaId(host: string = hostname(), pid: number = process.pid, random: () => Buffer = () => randomBytes(2)): string {
  const safeHost = host.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 100) || 'host';
  return `${safeHost}-${pid}-${random().toString('hex')}`;
}

/** Replica ids are words: they are joined with a token by a space in lease values and appear in metric labels. */
export const replicaIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;
