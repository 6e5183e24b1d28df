import { connect, createServer, type Socket } from 'node:net';

/** Bytes that crossed the proxy since it started, as they went over the wire (HTTP headers and framing included). */
export interface ProxiedBytes {
  /** Client → upstream: the bridge's requests. */
  readonly toUpstream: number;
  /** Upstream → client: the platform's answers. */
  readonly fromUpstream: number;
}

/** A plain TCP relay in front of one simulator, counting what passes each way. */
export interface ByteCountingProxy {
  /** `http://127.0.0.1:<port>`: give it to the bridge in place of the simulator's URL. */
  readonly url: string;
  bytes(): ProxiedBytes;
  close(): Promise<void>;
}

/**
 * Starts a TCP relay on a free loopback port to `target` (an `http://` URL),
 * one upstream connection per client connection, bytes copied as they come.
 * It counts at the transport, so the figures are what the platform sent and
 * received, whatever the client's HTTP library does (keep-alive, chunking);
 * no simulator needs to count bytes itself. It adds one loopback hop to
 * every request, the same for every kind of listing compared through it.
 */
export async function startByteCountingProxy(target: string): Promise<ByteCountingProxy> {
  const upstream = new URL(target);
  if (upstream.protocol !== 'http:') throw new Error(`the byte-counting proxy relays plain TCP to http:// targets, not ${upstream.protocol}`);
  let toUpstream = 0;
  let fromUpstream = 0;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const relay = connect({ host: upstream.hostname, port: Number(upstream.port) });
    open.add(client);
    open.add(relay);
    client.on('data', (chunk: Buffer) => (toUpstream += chunk.length));
    relay.on('data', (chunk: Buffer) => (fromUpstream += chunk.length));
    client.pipe(relay);
    relay.pipe(client);
    // Either side ending or failing ends both: the bridge sees what it would see from the platform itself.
    const end = (): void => {
      client.destroy();
      relay.destroy();
      open.delete(client);
      open.delete(relay);
    };
    for (const socket of [client, relay]) {
      socket.once('error', end);
      socket.once('close', end);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the byte-counting proxy has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    bytes: () => ({ toUpstream, fromUpstream }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
