import { createServer } from 'node:net';
import { devNull } from 'node:os';
import type { Writable } from 'node:stream';
import { consumeDcmEvents } from '../examples/jetstream-consumer.js';
import type { Clock } from '../src/clock/index.js';
import { runCommand } from '../src/main.js';
import { createSeededRandom } from '../test/simulators/common/index.js';
import { startStateChurn } from './churn.js';
import { createDemoClock } from './demo-clock.js';
import { demoEnvironment } from './demo-config.js';
import { createEventPrinter } from './event-printer.js';
import { ensureDemoStream, startThrowawayNats, type DemoBroker } from './nats-broker.js';
import type { DemoOptions } from './options.js';
import { ec2DemoPlatform, openstackDemoPlatform, vsphereDemoPlatform, type DemoPlatform } from './platforms.js';
import { startDemoStory, type DemoStory } from './story.js';

/** The demo's surroundings; `demo/cli.ts` passes the process's. */
export interface DemoIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Events: per event a human line, then its CloudEvent JSON on a line of its own. */
  readonly stdout: Writable;
  /** Everything else: banner, churn notes, the bridge's JSON log. */
  readonly stderr: Writable;
  /** Registers the SIGINT/SIGTERM handler. */
  readonly onShutdownSignal: (handler: (signal: string) => void) => void;
}

/** Pace of the demo (in demo time: see `--speed`), and the story's cast. */
export const demoSetup = { churnSeconds: 3, intervalSeconds: 10, seed: 7, deleteAfterSeconds: 15, deletionEndpoint: 'vc-demo', outageEndpoint: 'os-demo', streamName: 'dcm-status' } as const;

/** The platforms the demo runs: one simulator per adapter. */
export function demoPlatforms(): DemoPlatform[] {
  return [
    vsphereDemoPlatform({ seed: demoSetup.seed, intervalSeconds: demoSetup.intervalSeconds }),
    vsphereDemoPlatform({ seed: demoSetup.seed, intervalSeconds: demoSetup.intervalSeconds, selection: 'customAttribute' }),
    openstackDemoPlatform({ intervalSeconds: demoSetup.intervalSeconds }),
    ec2DemoPlatform({ intervalSeconds: demoSetup.intervalSeconds }),
  ];
}

/**
 * Runs the demo until a shutdown signal: a simulator per platform, each with
 * DCM-managed and unmanaged instances whose states change every few seconds,
 * the real bridge (`runCommand`) polling them every 10 s, and a story: one
 * VM deleted, then one platform down and back. Each event is printed as a
 * human line and its JSON, taken from the bridge's stdout publisher, or with
 * `nats`, read back from JetStream by the example consumer. Resolves to the
 * bridge's exit code.
 */
export async function runDemo(io: DemoIo, options: DemoOptions = { speed: 1 }): Promise<number> {
  const clock = createDemoClock(options.speed);
  const note = (line: string): void => void io.stderr.write(`demo: ${line}\n`);
  const platforms = demoPlatforms();
  const random = createSeededRandom(demoSetup.seed);
  let broker: DemoBroker | undefined;
  let story: DemoStory | undefined;
  let printing: EventPrinting | undefined;
  try {
    const started = await Promise.all(platforms.map((platform) => platform.start()));
    broker = options.nats ? await openBroker(options.nats.url, note) : undefined;
    const apiListen = io.env['DEMO_API_LISTEN'] || `127.0.0.1:${await freeLoopbackPort()}`;
    const apiUrl = `http://127.0.0.1:${apiListen.slice(apiListen.lastIndexOf(':') + 1)}`;
    const cast = (name: string): DemoPlatform => {
      const platform = platforms.find((candidate) => candidate.name === name);
      if (!platform) throw new Error(`the story names ${name}, which is not a demo platform`);
      return platform;
    };
    story = startDemoStory({ deletion: cast(demoSetup.deletionEndpoint), outage: cast(demoSetup.outageEndpoint), deleteAfterSeconds: demoSetup.deleteAfterSeconds, clock, random, apiUrl, note });
    printing = startPrinting(io.stdout, story, broker, note);

    for (const platform of started) note(platform.banner);
    note(`bridge polls every ${demoSetup.intervalSeconds} s; a managed instance changes state every ${demoSetup.churnSeconds} s${options.speed === 1 ? '' : `; demo time runs ${options.speed}x fast`}`);
    note(`story: ${demoSetup.deleteAfterSeconds} s after its first events a ${demoSetup.deletionEndpoint} VM is deleted; once that is reported, ${demoSetup.outageEndpoint} goes down until unavailable, then recovers`);
    note(`bridge API on ${apiUrl} (try /health, /api/v1alpha1/vms, /metrics)`);
    note(broker ? 'events below, read back from JetStream by a durable consumer (examples/jetstream-consumer.ts): a human line, then the CloudEvent JSON' : 'events below (stdout): a human line, then the CloudEvent JSON; logs on stderr');
    note('Ctrl-C stops');

    const churn = startStateChurn({ platforms, everyMs: demoSetup.churnSeconds * 1000, clock, random, onChange: note });
    try {
      const env = demoEnvironment({
        endpoints: started.map((platform) => platform.endpoint),
        secrets: Object.assign({}, ...started.map((platform) => platform.env)) as Record<string, string>,
        backoffMaxSeconds: demoSetup.intervalSeconds,
        apiListen,
        ...(broker ? { natsUrl: broker.url } : {}),
      });
      return await runBridge(io, { env, stdout: printing.bridgeStdout, clock, onSignal: churn.stop });
    } finally {
      churn.stop();
    }
  } finally {
    story?.stop();
    await printing?.stop();
    await broker?.stop();
    const closing = await Promise.all(platforms.map((platform) => platform.close()));
    note(`stopped; ${closing.join('; ')}`);
  }
}

/** The NATS server of `--nats` (given, or a throwaway one), with the demo's stream on it. */
async function openBroker(url: string | undefined, note: (line: string) => void): Promise<DemoBroker> {
  const broker = url ? { url, stop: async () => undefined } : await startThrowawayNats();
  try {
    const stream = await ensureDemoStream(broker.url, demoSetup.streamName);
    note(`NATS ${broker.url}${url ? '' : ' (a throwaway nats-server -js)'}: stream ${demoSetup.streamName} ${stream === 'created' ? 'created on dcm.> (status and health events)' : 'exists; used as it is'}`);
    return broker;
  } catch (error) {
    await broker.stop();
    throw error;
  }
}

/** Where events are printed from: the bridge's stdout, or (with a broker) the example consumer's code. */
interface EventPrinting {
  /** What the bridge writes its stdout publisher's lines to. */
  readonly bridgeStdout: Writable;
  /** Stops the consumer, once it has drained. */
  stop(): Promise<void>;
}

function startPrinting(output: Writable, story: DemoStory, broker: DemoBroker | undefined, note: (line: string) => void): EventPrinting {
  const printer = createEventPrinter(output, story.observe);
  if (!broker) return { bridgeStdout: printer.sink, stop: async () => undefined };
  const consumer = new AbortController();
  // The example consumer's own code path, printing through the demo's printer.
  const consuming = consumeDcmEvents({ servers: broker.url, stream: demoSetup.streamName, durable: 'dcm-demo-printer', filterSubject: 'dcm.>', onEvent: printer.print, onNote: (line) => note(`consumer: ${line}`), signal: consumer.signal }).catch(
    (error: unknown) => note(`consumer stopped: ${error instanceof Error ? error.message : String(error)}`),
  );
  return {
    bridgeStdout: output,
    async stop() {
      consumer.abort();
      await consuming;
    },
  };
}

/** Runs the bridge's `run` command on the demo's environment until a shutdown signal; resolves to its exit code. */
async function runBridge(io: DemoIo, run: { env: Record<string, string>; stdout: Writable; clock: Clock; onSignal: () => void }): Promise<number> {
  // A signal may come before the bridge registered its handler; keep it for then.
  let stopBridge: ((signal: string) => void) | undefined;
  let pendingSignal: string | undefined;
  io.onShutdownSignal((signal) => {
    run.onSignal();
    if (stopBridge) stopBridge(signal);
    else pendingSignal = signal;
  });
  return runCommand({
    argv: ['run', '--config', devNull],
    env: run.env,
    stdout: run.stdout,
    stderr: io.stderr,
    clock: run.clock,
    onShutdownSignal: (handler) => {
      stopBridge = handler;
      if (pendingSignal !== undefined) handler(pendingSignal);
    },
  });
}

/** A free loopback port for the bridge's API, so the demo knows where to read /health. */
async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
