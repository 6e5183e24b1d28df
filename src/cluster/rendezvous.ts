import { createHash } from 'node:crypto';

/**
 * The weight of `member` for `endpoint` in rendezvous (highest-random-weight)
 * hashing: the first 8 bytes of sha256(member NUL endpoint) as an unsigned
 * integer. Every process computes the same weight, whatever its platform.
 */
export function rendezvousWeight(member: string, endpoint: string): bigint {
  return createHash('sha256').update(`${member}\0${endpoint}`).digest().readBigUInt64BE(0);
}

/**
 * The member that owns `endpoint`: the one of highest weight (ties, which
 * need a 64-bit collision, go to the lower id). Undefined without members.
 * Removing a member moves only the endpoints it owned; adding one moves to
 * it only the endpoints it now outweighs everyone on.
 */
export function rendezvousOwner(members: readonly string[], endpoint: string): string | undefined {
  let owner: string | undefined;
  let best = -1n;
  for (const member of members) {
    const weight = rendezvousWeight(member, endpoint);
    if (weight > best || (weight === best && owner !== undefined && member < owner)) {
      owner = member;
      best = weight;
    }
  }
  return owner;
}
