/** The connection events of a node-redis client, as far as following its link needs them. */
export interface RedisLinkEvents {
  on(event: 'error' | 'ready' | 'end' | 'reconnecting', handler: (error?: unknown) => void): unknown;
}

/**
 * Follows a node-redis client's link: `onRegained` runs each time the client
 * is ready again after the link was lost (not at the first connect); node-redis
 * reconnects by itself, re-sends its subscriptions and awaits their replies
 * before 'ready'. `onError` sees every connection error; the listener this
 * adds also keeps node-redis from throwing them out of the process.
 */
export function followRedisLink(client: RedisLinkEvents, onRegained: () => void, onError: (error: unknown) => void = () => undefined): void {
  const link = { ready: false, lost: false };
  client.on('error', (error) => {
    onError(error);
    link.lost = link.ready;
  });
  client.on('end', () => (link.lost = link.ready));
  client.on('reconnecting', () => (link.lost = link.ready));
  client.on('ready', () => {
    const regained = link.lost;
    link.ready = true;
    link.lost = false;
    if (regained) onRegained();
  });
}
