/**
 * Access keys of the replica tests' EC2 simulator: one per (replica,
 * endpoint) of the config files, so the simulator's per-key request counts
 * name both the endpoint polled and the bridge process that polled it, and
 * one per registered endpoint (a registration is one document for every
 * replica). Not secrets: fixtures of a loopback simulator.
 */

/** The secret of every replica-test key. */
export const REPLICA_SECRET_ACCESS_KEY = 'replicaTestSecretKey/0000000000000000000';

/** The key replica number `replica` uses for endpoint number `endpoint` (`AKIAR1E07`). */
export function replicaAccessKeyId(replica: number, endpoint: number): string {
  return `AKIAR${replica}E${String(endpoint).padStart(2, '0')}`;
}

/** The key of registered endpoint number `registration` (`AKIAREG02`): one key, shared by every replica through the registration. */
export function registrationAccessKeyId(registration: number): string {
  return `AKIAREG${String(registration).padStart(2, '0')}`;
}

/** The registration number a key of {@link registrationAccessKeyId} stands for; undefined for any other key. */
export function parseRegistrationAccessKeyId(accessKeyId: string): number | undefined {
  const match = /^AKIAREG(\d+)$/.exec(accessKeyId);
  return match ? Number(match[1]) : undefined;
}

/** The (replica, endpoint) numbers a key of {@link replicaAccessKeyId} stands for; undefined for any other key. */
export function parseReplicaAccessKeyId(accessKeyId: string): { readonly replica: number; readonly endpoint: number } | undefined {
  const match = /^AKIAR(\d+)E(\d+)$/.exec(accessKeyId);
  return match ? { replica: Number(match[1]), endpoint: Number(match[2]) } : undefined;
}
