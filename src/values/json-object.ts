/**
 * True for an object that is neither `null` nor an array: what JSON and YAML
 * call an object (a map). Prototypes are not checked, since parsed JSON and
 * YAML only ever produce plain objects; callers that walk arbitrary values
 * and must skip class instances need a stricter test.
 */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
