/** Shown instead of a secret. */
export const redacted = '[redacted]';

/** Fernet tokens (`gAAAAAB…`) and other long opaque strings Keystone may echo (`Could not find token: …`). */
const tokenLike = /gAAAAA[A-Za-z0-9_=-]+|[A-Za-z0-9_=-]{40,}/g;

/**
 * Builds a scrubber for platform wording that ends up in error messages:
 * every current secret value (read through `secrets` at call time, so a
 * renewed token is covered) and anything shaped like a token is replaced.
 * Server UUIDs (runs of at most 12 characters between dashes) survive.
 */
export function createScrubber(secrets: () => readonly string[]): (text: string) => string {
  return (text) => {
    let clean = text;
    for (const secret of secrets()) {
      // Short values would blank out ordinary words; they are not plausible secrets anyway.
      if (secret.length >= 6) clean = clean.split(secret).join(redacted);
    }
    return clean.replace(tokenLike, redacted);
  };
}
