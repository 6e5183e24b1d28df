import { after, before } from 'node:test';
import { startRedis, type TestServer } from './servers.js';

/**
 * One redis-server for a whole test file: started before its first test, disposed of after its
 * last. Read `url` and `port` inside tests (they throw before the server is up).
 */
export function redisForTestFile(): Pick<TestServer, 'url' | 'port'> {
  let server: TestServer | undefined;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server?.dispose();
  });
  const started = (): TestServer => {
    if (server === undefined) throw new Error('the test file\'s redis-server is not started yet (read it inside a test)');
    return server;
  };
  return {
    get url() {
      return started().url;
    },
    get port() {
      return started().port;
    },
  };
}

/** A cache namespace no other test uses, so tests sharing one redis-server never see each other's keys. */
export const freshNamespace = (): string => `ns-${Math.random().toString(36).slice(2)}`;
