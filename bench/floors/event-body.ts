const encoder = new TextEncoder();

/** A JSON body of exactly `bytes` bytes carrying `id`, so no two bodies are alike: what the floors publish in place of the bridge's events. */
export function bodyOf(id: string, bytes: number): Uint8Array {
  const head = `{"id":"${id}","pad":"`;
  const tail = '"}';
  return encoder.encode(head + 'x'.repeat(Math.max(0, bytes - head.length - tail.length)) + tail);
}
