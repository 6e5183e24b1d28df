import type { CloudEventFields } from '../examples/event-line.js';
import type { Clock, TimerHandle } from '../src/clock/index.js';
import type { DemoPlatform } from './platforms.js';

/** What the story does, to which endpoints, and when it starts. */
export interface DemoStoryOptions {
  /** The platform one of whose managed instances is deleted. */
  readonly deletion: DemoPlatform;
  /** The platform that goes down once the deletion was reported. */
  readonly outage: DemoPlatform;
  /** Seconds (demo time) after the deletion platform's first event when the instance is deleted. */
  readonly deleteAfterSeconds: number;
  readonly clock: Clock;
  readonly random: () => number;
  /** The bridge's HTTP API, where the story reads the down platform's health. */
  readonly apiUrl: string;
  readonly note: (line: string) => void;
}

/** The running story; `observe` is told every event the bridge publishes. */
export interface DemoStory {
  observe(event: CloudEventFields): void;
  stop(): void;
}

/** How often (demo time) the story reads the down platform's health from the bridge's API. */
const healthReadMs = 2000;

/**
 * The demo's scripted part, driven by what the bridge reports so it holds at
 * any speed and any poll timing: once the deletion platform's first events
 * are out, one of its instances is deleted (reported only once the platform
 * confirms it); once DELETED is out, another platform goes down, and its
 * health, read from `/health` and the endpoint's status, is told at each
 * change (the stdout publisher carries no health events; with `--nats` the
 * `dcm.bridge.health` events show too) until it is `unavailable`; then the
 * platform answers again and the story ends when the endpoint is healthy.
 */
export function startDemoStory(options: DemoStoryOptions): DemoStory {
  const { note, clock } = options;
  let stage: 'waiting' | 'deletion-scheduled' | 'awaiting-deleted' | 'down' | 'recovering' | 'told' = 'waiting';
  let deletedId: string | undefined;
  let timer: TimerHandle | undefined;
  let lastHealth = 'healthy';

  const deleteOne = (): void => {
    const deleted = options.deletion.deleteOne?.(options.random);
    if (!deleted) return;
    deletedId = deleted.instanceId;
    stage = 'awaiting-deleted';
    note(`story: ${deleted.note}; the bridge reports DELETED only once the platform confirms it (absence from a list alone is not deletion)`);
  };
  const watchHealth = async (): Promise<void> => {
    const read = await readHealth(options.apiUrl, options.outage.name);
    if (stage === 'told' || timer === undefined) return;
    if ('problem' in read) note(`story: ${read.problem}`);
    else if (read.health !== lastHealth) {
      note(`story: ${options.outage.name} ${lastHealth} → ${read.health}: GET /health → ${read.bridge}; GET ${read.path} → ${read.health} (${read.reason})`);
      lastHealth = read.health;
      if (stage === 'down' && read.health === 'unavailable') {
        stage = 'recovering';
        options.outage.setOutage(false);
        note(`story: ${options.outage.name} answers again; its next poll (backoff capped at one interval) brings it back`);
      } else if (stage === 'recovering' && read.health === 'healthy') {
        stage = 'told';
        timer = undefined;
        note('story: told (a deletion, an outage and its recovery); the churn goes on until Ctrl-C');
        return;
      }
    }
    timer = clock.schedule(healthReadMs, () => void watchHealth());
  };

  return {
    observe(event) {
      const data = (event['data'] ?? {}) as Record<string, unknown>;
      if (stage === 'waiting' && event['dcmendpoint'] === options.deletion.name) {
        stage = 'deletion-scheduled';
        timer = clock.schedule(options.deleteAfterSeconds * 1000, deleteOne);
      } else if (stage === 'awaiting-deleted' && data['id'] === deletedId && data['status'] === 'DELETED') {
        stage = 'down';
        options.outage.setOutage(true);
        note(`story: ${deletedId} reported DELETED; now ${options.outage.name} goes down: every request, sign-in included, answers 503`);
        timer = clock.schedule(0, () => void watchHealth());
      }
    },
    stop() {
      if (timer) clock.cancel(timer);
      timer = undefined;
    },
  };
}

/** The bridge's `/health` and one endpoint's status, as its API answers them. */
async function readHealth(apiUrl: string, endpoint: string): Promise<{ bridge: string; path: string; health: string; reason: string } | { problem: string }> {
  const path = `/api/v1alpha1/endpoints/${endpoint}/status`;
  const get = async (route: string): Promise<Record<string, unknown>> => (await (await fetch(`${apiUrl}${route}`, { signal: AbortSignal.timeout(5000) })).json()) as Record<string, unknown>;
  try {
    const [bridge, status] = await Promise.all([get('/health'), get(path)]);
    return { bridge: String(bridge['status']), path, health: String(status['health']), reason: String(status['reason']) };
  } catch (error) {
    return { problem: `cannot read the bridge's API at ${apiUrl}: ${error instanceof Error ? error.message : String(error)}` };
  }
}
