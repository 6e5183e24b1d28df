import type { Writable } from 'node:stream';
import type { EventPublisher } from './publisher.js';

/**
 * Prints one event JSON per line (the demo and dry runs). Every event counts as
 * acknowledged once written, so the cache advances as with a broker.
 */
export function createStdoutPublisher(output: Writable): EventPublisher {
  const write = (line: string): Promise<void> =>
    new Promise((resolve, reject) => {
      output.write(line + '\n', (error) => (error ? reject(error) : resolve()));
    });
  return {
    guarantee: 'stdout',
    async publish(events) {
      return Promise.all(
        events.map(async (event) => {
          try {
            await write(event.body);
            return { ok: true, duplicate: false } as const;
          } catch (error) {
            return { ok: false, error: error as Error } as const;
          }
        }),
      );
    },
    announce: (_subject, body) => write(body),
    isConnected: () => true,
    close: async () => undefined,
  };
}
