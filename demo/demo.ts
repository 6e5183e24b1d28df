import { devNull } from 'node:os';
import type { Writable } from 'node:stream';
import { createSystemClock } from '../src/clock/index.js';
import { runCommand } from '../src/main.js';
import { createSeededRandom } from '../test/simulators/common/index.js';
import { createVsphereSimulator } from '../test/simulators/vsphere/index.js';
import { startPowerChurn } from './churn.js';
import { demoEnvironment } from './demo-config.js';
import { tapDcmSubjects } from './nats-tap.js';

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

/** Sizes of the demo vCenter. */
export const demoSetup = { vms: 40, managed: 30, churnSeconds: 3, intervalSeconds: 10, seed: 7 } as const;

/**
 * Runs the demo until a shutdown signal: a vCenter simulator with DCM-tagged
 * and untagged VMs whose power states change every few seconds, and the real
 * bridge CLI (`runCommand`) polling it every 10 s. Resolves to the bridge's exit code.
 */
export async function runDemo(io: DemoIo): Promise<number> {
  const clock = createSystemClock();
  const note = (line: string): void => void io.stderr.write(`demo: ${line}\n`);
  const simulator = createVsphereSimulator({ seed: demoSetup.seed });
  const seeded = simulator.seedDcmVms({ count: demoSetup.vms, tagged: demoSetup.managed });
  const vcenter = await simulator.start({ port: Number(io.env['DEMO_VSPHERE_PORT'] ?? 0) });
  const natsUrl = io.env['NATS_URL'] || undefined;
  const tap = natsUrl ? await tapDcmSubjects(natsUrl, io.stdout) : undefined;

  note(`vCenter simulator on ${vcenter.url}: ${demoSetup.vms} VMs, ${demoSetup.managed} tagged managed-by=dcm with a dcm-instance-id tag`);
  note(`bridge polls every ${demoSetup.intervalSeconds} s; a managed VM changes power state every ${demoSetup.churnSeconds} s`);
  note(natsUrl ? `publishing to NATS ${natsUrl} (stream dcm-status on dcm.*); events read back from dcm.* below` : 'events below, one CloudEvent JSON per line (stdout); logs on stderr');
  note('Ctrl-C stops');

  const churn = startPowerChurn({
    inventory: simulator.inventory,
    vms: seeded.filter((vm) => vm.instanceId !== undefined),
    everyMs: demoSetup.churnSeconds * 1000,
    clock,
    random: createSeededRandom(demoSetup.seed),
    onChange: (vm, state) => note(`vCenter: ${vm.vmId} (${vm.instanceId ?? '-'}) is now ${state}`),
  });

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
      env: demoEnvironment({ vcenterUrl: vcenter.url, credentials: simulator.credentials, intervalSeconds: demoSetup.intervalSeconds, ...(natsUrl ? { natsUrl } : {}) }),
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
    await vcenter.close();
    const sessions = simulator.sessionCounters();
    note(`stopped; vCenter sessions: ${sessions.logins} login(s), ${sessions.logouts} logout(s), ${sessions.active} left open`);
  }
}
