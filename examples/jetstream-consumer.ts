#!/usr/bin/env node
/**
 * An example subscriber of the bridge's events: a durable JetStream consumer
 * on the stream that captures `dcm.*` (DCM's `dcm-status`), printing one
 * human line per event. Run: `node dist/examples/jetstream-consumer.js
 * [--server nats://127.0.0.1:4222] [--stream dcm-status] [--durable NAME] [--json]`.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { describeEvent, readCloudEvent, type CloudEventFields } from './event-line.js';

export interface DcmConsumerOptions {
  /** NATS server URL(s), comma-separated. */
  readonly servers: string;
  readonly stream: string;
  /** The durable consumer's name: a restart resumes after the last message it acknowledged. */
  readonly durable: string;
  readonly filterSubject: string;
  /** Handles one event; its message is acknowledged once this resolves, and redelivered later when it throws. */
  readonly onEvent: (event: CloudEventFields, body: string) => void | Promise<void>;
  /** Told about duplicates, redeliveries and messages that are not CloudEvents. */
  readonly onNote: (line: string) => void;
  /** Aborting stops consuming; the promise resolves once the connection drained (acks sent). */
  readonly signal: AbortSignal;
}

/** How many event ids the consumer remembers to drop copies of. */
const rememberedIds = 10_000;

/**
 * Consumes until `signal` aborts. JetStream delivers at least once: a message
 * whose ack was lost comes again, and the bridge re-sends an event after a
 * crash or a lost publish ack (same id; the stream drops copies only within
 * its duplicate window). Dropping copies by CloudEvent id is therefore the
 * consumer's job, done here for the last {@link rememberedIds} ids.
 */
export async function consumeDcmEvents(options: DcmConsumerOptions): Promise<void> {
  const connection = await connect({ servers: options.servers.split(','), name: `dcm event consumer ${options.durable}` });
  try {
    const manager = await jetstreamManager(connection);
    await manager.consumers.add(options.stream, { durable_name: options.durable, filter_subject: options.filterSubject, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All });
    const messages = await (await jetstream(connection).consumers.get(options.stream, options.durable)).consume();
    if (options.signal.aborted) void messages.close();
    options.signal.addEventListener('abort', () => void messages.close(), { once: true });
    options.onNote(`consuming ${options.filterSubject} from stream ${options.stream} as durable ${options.durable}`);
    const seen = new Set<string>();
    for await (const message of messages) {
      const read = readCloudEvent(message.string());
      if ('problem' in read) {
        options.onNote(`stream message ${message.seq} on ${message.subject} skipped: ${read.problem}`);
        message.term(); // Never redelivered: it will not parse the next time either.
        continue;
      }
      const { event } = read;
      if (seen.has(event.id)) {
        options.onNote(`event ${event.id} (stream message ${message.seq}) is a copy of one handled; dropped`);
        message.ack();
        continue;
      }
      if (message.redelivered) options.onNote(`event ${event.id} redelivered (delivery ${message.info.deliveryCount}): its earlier handling was not acknowledged`);
      try {
        await options.onEvent(event, message.string());
      } catch (error) {
        options.onNote(`handling event ${event.id} failed (${error instanceof Error ? error.message : String(error)}); it will be redelivered`);
        message.nak(1000);
        continue;
      }
      seen.add(event.id);
      if (seen.size > rememberedIds) seen.delete(seen.values().next().value as string);
      message.ack();
    }
  } finally {
    await connection.drain();
  }
}

async function main(): Promise<number> {
  const stop = new AbortController();
  // Before anything slow, so a signal during connect still ends cleanly.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        server: { type: 'string', default: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222' },
        stream: { type: 'string', default: 'dcm-status' },
        durable: { type: 'string', default: 'dcm-event-printer' },
        json: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`consumer: ${(error as Error).message}\nusage: jetstream-consumer.js [--server URL] [--stream NAME] [--durable NAME] [--json]\n`);
    return 2;
  }
  try {
    await consumeDcmEvents({
      servers: values.server,
      stream: values.stream,
      durable: values.durable,
      filterSubject: 'dcm.>',
      onEvent: (event, body) => void process.stdout.write(`${describeEvent(event)}\n${values.json ? `${body}\n` : ''}`),
      onNote: (line) => void process.stderr.write(`consumer: ${line}\n`),
      signal: stop.signal,
    });
    return 0;
  } catch (error) {
    process.stderr.write(`consumer: cannot consume stream ${values.stream} on ${values.server}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = await main();
