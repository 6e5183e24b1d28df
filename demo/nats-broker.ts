import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/** The NATS server of a `--nats` demo. */
export interface DemoBroker {
  readonly url: string;
  /** Stops a server the demo started (its store goes with it); a no-op for one it was given. */
  stop(): Promise<void>;
}

/**
 * Starts `nats-server -js` on a free loopback port with its store in a
 * temporary directory, for `--nats` without a URL. Rejects, naming the fix,
 * when the binary is missing or the server does not come up.
 */
export async function startThrowawayNats(): Promise<DemoBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'dcm-demo-nats-'));
  // -p -1: the server picks a free port and says which in its log, so none is guessed.
  const child = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', '-1', '-sd', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let log = '';
      child.stderr.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        const listening = /Listening for client connections on (\S+)/.exec(log);
        if (listening) resolve(`nats://${listening[1]}`);
      });
      child.once('error', (error: NodeJS.ErrnoException) =>
        reject(new Error(error.code === 'ENOENT' ? '--nats needs nats-server on PATH (apt-get install nats-server), or --nats-url naming a server' : `cannot start nats-server: ${error.message}`)),
      );
      child.once('exit', (code) => reject(new Error(`nats-server exited (${code}) before listening:\n${log.slice(-2000)}`)));
    });
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Makes sure `stream` exists. The demo is a standalone setup (no DCM owns
 * the stream), so it creates one on `dcm.>`: the status events on `dcm.*`
 * and the health events on `dcm.bridge.health` both land in it, and one
 * consumer reads both. An existing stream is used as it is.
 */
export async function ensureDemoStream(url: string, stream: string): Promise<'created' | 'existing'> {
  const connection = await connect({ servers: url, name: 'dcm-poll-bridge demo setup' }).catch((error: unknown) => {
    throw new Error(`cannot reach NATS at ${url} (${error instanceof Error ? error.message : String(error)}); is a nats-server -js running there?`, { cause: error });
  });
  try {
    const manager = await jetstreamManager(connection);
    try {
      await manager.streams.info(stream);
      return 'existing';
    } catch {
      await manager.streams.add({ name: stream, subjects: ['dcm.>'] });
      return 'created';
    }
  } finally {
    await connection.close();
  }
}
