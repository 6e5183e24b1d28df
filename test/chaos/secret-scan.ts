/** A text the bridge produced: a log, a metrics page, an API answer, an event. */
export interface ScannedText {
  /** Where it came from (`bridge #2 stderr`, `GET /metrics`). */
  readonly source: string;
  readonly text: string;
}

/** A planted credential found where it must not be. */
export interface SecretSighting {
  readonly source: string;
  /** The secret's first characters only: the report must not leak it either. */
  readonly secretHint: string;
  /** How it was written there (`as is`, `JSON-escaped`, `URL-encoded`, `base64`). */
  readonly form: string;
}

/** The spellings a secret may take on its way into a text. */
function spellings(secret: string): Array<{ form: string; text: string }> {
  const forms = [
    { form: 'as is', text: secret },
    { form: 'JSON-escaped', text: JSON.stringify(secret).slice(1, -1) },
    { form: 'URL-encoded', text: encodeURIComponent(secret) },
    { form: 'base64', text: Buffer.from(secret).toString('base64').replace(/=+$/, '') },
  ];
  return forms.filter((entry, index) => forms.findIndex((other) => other.text === entry.text) === index);
}

/**
 * Scans every text for every planted secret (invariant 6), in the forms a
 * leak usually takes. Secrets shorter than 8 characters are refused: they
 * would match by chance and prove nothing.
 */
export function scanForSecrets(texts: readonly ScannedText[], secrets: readonly string[]): SecretSighting[] {
  const sightings: SecretSighting[] = [];
  for (const secret of secrets) {
    if (secret.length < 8) throw new Error(`a planted secret must have at least 8 characters to be searched for (got ${secret.length})`);
    for (const { form, text: spelled } of spellings(secret)) {
      for (const { source, text } of texts) {
        if (text.includes(spelled)) sightings.push({ source, secretHint: `${secret.slice(0, 3)}…`, form });
      }
    }
  }
  return sightings;
}
