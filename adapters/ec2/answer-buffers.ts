/**
 * Buffers one endpoint's large answers are read into, each used again once
 * the answer in it was read. A DescribeInstances page is about 1.4 MB and
 * garbage the moment it is read; V8 counts every new buffer as external
 * memory and, when that grows by tens of MB between collections, starts a
 * full collection of the whole heap (the kept indexes of every endpoint)
 * instead of the cheap young-generation one the page's garbage would need.
 * A poll asks for the next page while it reads one, so two buffers are in
 * use at most; a buffer whose answer is never read (a cancelled early ask,
 * a failed call) is not given back and goes to the garbage collector.
 */
export interface AnswerBuffers {
  /** A buffer of at least `length` bytes that nothing else uses until it is given back. */
  take(length: number): Buffer;
  /**
   * Gives back the buffer `bytes` views (as `take` handed it, or a view of
   * it), once nothing reads it any more. Bytes that did not come from
   * `take`, or were given back already, are ignored.
   */
  giveBack(bytes: Uint8Array): void;
}

/** Buffers kept for reuse: the page being read and the next one arriving. */
const keptBuffers = 2;
/** Sizes are rounded up to this, so pages of slightly different lengths share buffers. */
const sizeStep = 1024 * 1024;

/** Creates an endpoint's {@link AnswerBuffers}. */
export function createAnswerBuffers(): AnswerBuffers {
  const free: Buffer[] = [];
  const ours = new WeakSet<ArrayBufferLike>();
  const lent = new WeakSet<ArrayBufferLike>();
  return {
    take(length) {
      const index = free.findIndex((buffer) => buffer.length >= length);
      const [kept] = index === -1 ? [] : free.splice(index, 1);
      // Not zero-filled: the reader writes the bytes it hands on before anyone reads them.
      const buffer = kept ?? Buffer.allocUnsafeSlow(Math.ceil(Math.max(length, 1) / sizeStep) * sizeStep);
      ours.add(buffer.buffer);
      lent.add(buffer.buffer);
      return buffer;
    },
    giveBack(bytes) {
      const memory = bytes.buffer;
      if (!ours.has(memory) || !lent.has(memory)) return;
      lent.delete(memory);
      free.push(Buffer.from(memory));
      // Keep the largest: a smaller one could not hold the next page.
      if (free.length > keptBuffers) {
        free.sort((a, b) => b.length - a.length);
        free.length = keptBuffers;
      }
    },
  };
}
