import { parseArgs } from 'node:util';

/** How `npm run demo` runs, from its command line. */
export interface DemoOptions {
  /** Demo time runs this many times faster than wall time (1 = real time). */
  readonly speed: number;
  /** Publish through JetStream; `url` unset starts a throwaway `nats-server -js`. */
  readonly nats?: { readonly url?: string };
}

/** The demo's command line, for `--help` and errors. */
export const demoUsage = `usage: npm run demo -- [--nats [--nats-url URL]] [--speed N]
  (default)        self-contained: events printed from the bridge's stdout publisher
  --nats           publish through JetStream and print the events a durable consumer reads back
                   (examples/jetstream-consumer.ts); starts a throwaway nats-server -js unless
                   --nats-url or $NATS_URL names a server
  --nats-url URL   the NATS server for --nats (implies --nats)
  --speed N        run demo time N times fast (1-100, default 1): intervals stay 10 s of demo time`;

/** Parses the demo's arguments; `env` supplies `NATS_URL` for `--nats`. Returns a message naming the problem for bad input. */
export function parseDemoArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): { readonly options: DemoOptions } | { readonly help: true } | { readonly error: string } {
  let values: { nats?: boolean; 'nats-url'?: string; speed?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { nats: { type: 'boolean' }, 'nats-url': { type: 'string' }, speed: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    return { error: (error as Error).message };
  }
  if (values.help) return { help: true };
  const speed = values.speed === undefined ? 1 : Number(values.speed);
  if (!Number.isFinite(speed) || speed < 1 || speed > 100) return { error: `--speed must be a number from 1 to 100; got ${JSON.stringify(values.speed)}` };
  const url = values['nats-url'] ?? (values.nats ? env['NATS_URL'] || undefined : undefined);
  if (url !== undefined && !/^(nats|tls):\/\/\S+$/.test(url)) return { error: `the NATS server must be a nats:// or tls:// URL; got ${JSON.stringify(url)}` };
  const nats = values.nats || url !== undefined ? { nats: url === undefined ? {} : { url } } : {};
  return { options: { speed, ...nats } };
}
