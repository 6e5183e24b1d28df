import { devNull } from 'node:os';
import type { Writable } from 'node:stream';
import { createSystemClock } from '../src/clock/index.js';
import { runCommand } from '../src/main.js';
import { createSeededRandom } from '../test/simulators/common/index.js';
import { startStateChurn } from './churn.js';
import { demoEnvironment } from './demo-config.js';
import { tapDcmSubjects } from './nats-tap.js';
import { ec2DemoPlatform, openstackDemoPlatform, vsphereDemoPlatform, type DemoPlatform } from './platforms.js';

/** The demo's surroundings; `demo/cli.ts` passes the process's. */
export interface DemoIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** CloudEvents, one JSON per line. */
  readonly stdout: Writable;
  /** Everything else: banner, churn notes, the bridge's JSON log. */
  readonly stderr: Writable;
  /** Registers the SIGINT/SIGTERM handler. */
  readonly onShutdownSignal: (handler: (signal: string) => void) => void;
}

/** Pace of the demo. */
export const demoSetup = { churnSeconds: 3, intervalSeconds: 10, seed: 7 } as const;

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
 * and the real bridge CLI (`runCommand`) polling them every 10 s. Resolves to
 * the bridge's exit code.
 */
export async function runDemo(io: DemoIo): Promise<number> {
  const clock = createSystemClock();
  const note = (line: string): void => void io.stderr.write(`demo: ${line}\n`);
  const platforms = demoPlatforms();
  const started = await Promise.all(platforms.map((platform) => platform.start()));
  const natsUrl = io.env['NATS_URL'] || undefined;
  const tap = natsUrl ? await tapDcmSubjects(natsUrl, io.stdout) : undefined;

  for (const platform of started) note(platform.banner);
  note(`bridge polls every ${demoSetup.intervalSeconds} s; a managed instance changes state every ${demoSetup.churnSeconds} s`);
  note(natsUrl ? `publishing to NATS ${natsUrl} (stream dcm-status on dcm.*); events read back from dcm.* below` : 'events below, one CloudEvent JSON per line (stdout); logs on stderr');
  note('Ctrl-C stops');

  const churn = startStateChurn({ platforms, everyMs: demoSetup.churnSeconds * 1000, clock, random: createSeededRandom(demoSetup.seed), onChange: note });

  // A signal may come before the bridge registered its handler; keep it for then.
  let stopBridge: ((signal: string) => void) | undefined;
  let pendingSignal: string | undefined;
  io.onShutdownSignal((signal) => {
    churn.stop();
    if (stopBridge) stopBridge(signal);
    else pendingSignal = signal;
  });

  try {
    return await runCommand({
      argv: ['run', '--config', devNull],
      env: demoEnvironment({
        endpoints: started.map((platform) => platform.endpoint),
        secrets: Object.assign({}, ...started.map((platform) => platform.env)) as Record<string, string>,
        ...(natsUrl ? { natsUrl } : {}),
        ...(io.env['DEMO_API_LISTEN'] ? { apiListen: io.env['DEMO_API_LISTEN'] } : {}),
      }),
      stdout: io.stdout,
      stderr: io.stderr,
      clock,
      onShutdownSignal: (handler) => {
        stopBridge = handler;
        if (pendingSignal !== undefined) handler(pendingSignal);
      },
    });
  } finally {
    churn.stop();
    await tap?.close();
    const closing = await Promise.all(platforms.map((platform) => platform.close()));
    note(`stopped; ${closing.join('; ')}`);
  }
}
