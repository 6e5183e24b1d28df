import { Writable } from 'node:stream';
import { describeEvent, readCloudEvent, type CloudEventFields } from '../examples/event-line.js';

/** Prints each event as a human line followed by its JSON. */
export interface EventPrinter {
  /** Stands in for stdout under the bridge's stdout publisher: every line written is one event JSON. */
  readonly sink: Writable;
  /** Prints one event read back from the broker (the `--nats` consumer's handler). */
  print(event: CloudEventFields, body: string): void;
}

/**
 * Writes to `output`, per event, the line `describeEvent` gives and then
 * the event's JSON as published, so `grep '^{'` still yields the events
 * alone; `observe` sees each event first (the demo's story reacts to them).
 */
export function createEventPrinter(output: Writable, observe: (event: CloudEventFields) => void): EventPrinter {
  const print = (event: CloudEventFields, body: string): void => {
    observe(event);
    output.write(`${describeEvent(event)}\n${body}\n`);
  };
  let partial = '';
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) {
        const read = readCloudEvent(line);
        if ('event' in read) print(read.event, line);
        else output.write(`${line}\n`);
      }
      done();
    },
  });
  return { sink, print };
}
