import type { EndpointConfig } from '../config/index.js';
import { BridgeError, ErrorCode } from '../errors/index.js';

/** A change to the set of endpoints. */
export type EndpointEvent =
  | { readonly kind: 'added'; readonly endpoint: EndpointConfig; /** Set when it replaces an endpoint of the same name. */ readonly replacing?: EndpointConfig }
  | { readonly kind: 'removed'; readonly endpoint: EndpointConfig; /** Set when a new version of it follows at once. */ readonly replacedBy?: EndpointConfig };

/**
 * The endpoints the bridge polls: those of the YAML configuration and, later,
 * those registered over the REST API. The bridge subscribes and starts or
 * stops polling as endpoints come and go.
 */
export interface EndpointRegistry {
  list(): readonly EndpointConfig[];
  get(name: string): EndpointConfig | undefined;
  /** Adds an endpoint; throws `ALREADY_EXISTS` when the name is taken. */
  add(endpoint: EndpointConfig): Promise<void>;
  /** Replaces an endpoint of the same name (stop, then start with the new settings). */
  replace(endpoint: EndpointConfig): Promise<void>;
  /** Removes an endpoint; throws `NOT_FOUND` when unknown. */
  remove(name: string): Promise<void>;
  /** Listeners run in order and are awaited, so "removed" returns once polling stopped. */
  subscribe(listener: (event: EndpointEvent) => Promise<void> | void): () => void;
}

/** Creates a registry holding `initial` endpoints. */
export function createEndpointRegistry(initial: readonly EndpointConfig[] = []): EndpointRegistry {
  const endpoints = new Map<string, EndpointConfig>(initial.map((endpoint) => [endpoint.name, endpoint]));
  const listeners = new Set<(event: EndpointEvent) => Promise<void> | void>();
  const notify = async (event: EndpointEvent): Promise<void> => {
    for (const listener of listeners) await listener(event);
  };
  return {
    list: () => [...endpoints.values()],
    get: (name) => endpoints.get(name),
    async add(endpoint) {
      if (endpoints.has(endpoint.name)) throw new BridgeError(ErrorCode.AlreadyExists, `endpoint ${endpoint.name} already exists`, { endpoint: endpoint.name });
      endpoints.set(endpoint.name, endpoint);
      await notify({ kind: 'added', endpoint });
    },
    async replace(endpoint) {
      const previous = endpoints.get(endpoint.name);
      if (!previous) throw new BridgeError(ErrorCode.NotFound, `endpoint ${endpoint.name} does not exist`, { endpoint: endpoint.name });
      await notify({ kind: 'removed', endpoint: previous, replacedBy: endpoint });
      endpoints.set(endpoint.name, endpoint);
      await notify({ kind: 'added', endpoint, replacing: previous });
    },
    async remove(name) {
      const previous = endpoints.get(name);
      if (!previous) throw new BridgeError(ErrorCode.NotFound, `endpoint ${name} does not exist`, { endpoint: name });
      endpoints.delete(name);
      await notify({ kind: 'removed', endpoint: previous });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
