/** How many values a table keeps, and the longest value it keeps, in bytes. */
const slotCount = 64;
const slotBytes = 24;

/**
 * Strings decoded from bytes, kept for values that repeat: a page of 1,000
 * instances names `managed-by`, `dcm` and `running` a thousand times each,
 * and decoding each is a call into the runtime and one more string for the
 * collector. A value is kept in the slot a hash of its bytes picks, beside a
 * copy of those bytes, so the same bytes give back the same string whatever
 * buffer they are read from next (the answer buffers are reused). A value
 * that differs from the one in its slot replaces it; a value longer than
 * {@link slotBytes} is decoded every time. One table a scan; not shared.
 */
export class RepeatedTexts {
  private readonly keptBytes = new Uint8Array(slotCount * slotBytes);
  private readonly keptLengths = new Uint8Array(slotCount);
  private readonly keptTexts: string[] = new Array<string>(slotCount).fill('');

  /** `bytes[from, to)` decoded as UTF-8: the string kept for the same bytes when there is one. */
  text(bytes: Buffer, from: number, to: number): string {
    const length = to - from;
    if (length <= 0 || length > slotBytes) return bytes.toString('utf8', from, to);
    let hash = 0x811c9dc5;
    for (let index = from; index < to; index++) hash = Math.imul(hash ^ (bytes[index] ?? 0), 0x01000193);
    const slot = (hash >>> 0) % slotCount;
    const at = slot * slotBytes;
    const kept = this.keptBytes;
    if (this.keptLengths[slot] === length && sameBytes(kept, at, bytes, from, length)) return this.keptTexts[slot] ?? '';
    const text = bytes.toString('utf8', from, to);
    // Copied byte by byte: a subarray to copy from would be one more object for each value.
    for (let offset = 0; offset < length; offset++) kept[at + offset] = bytes[from + offset] ?? 0;
    this.keptLengths[slot] = length;
    this.keptTexts[slot] = text;
    return text;
  }
}

function sameBytes(kept: Uint8Array, at: number, bytes: Uint8Array, from: number, length: number): boolean {
  for (let offset = 0; offset < length; offset++) if (kept[at + offset] !== bytes[from + offset]) return false;
  return true;
}
