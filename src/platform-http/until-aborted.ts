/**
 * `pending`, or the signal's reason as soon as it fires. undici ignores an
 * abort while the socket is still connecting (a blackholed address, a host
 * still resolving), so a removed endpoint or a stopping bridge would wait
 * for the connect to time out; a response that still arrives is discarded.
 */
export function untilAborted<T extends { readonly body: { destroy(): unknown } }>(pending: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) value.body.destroy();
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
