import type { FaultSpec, FaultSwitch } from '../common/index.js';
import type { TokenStore } from './tokens.js';

type WithoutTriggerAndScope<Spec> = Spec extends FaultSpec ? Omit<Spec, 'trigger' | 'scope'> : never;

/** A kit fault without trigger and scope: the listing fault decides both. */
export type PageFaultSpec = WithoutTriggerAndScope<FaultSpec>;

/**
 * A proxy in front of Nova answering a page itself (an HTML error page with 200, an empty
 * 200, JSON under the wrong content type): the request never reaches Nova.
 */
export interface ProxyAnswer {
  readonly kind: 'proxyAnswer';
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/**
 * What happens to one page of a server listing:
 * - a kit fault (`http5xx`, `throttle429`, `latencyMs`, `truncateBody`, `dropConnection`) on that page's request;
 * - `revokeToken`: the token that fetched the previous page is revoked right after that
 *   page is answered, so the page's request gets a genuine 401 (token invalidated between pages);
 * - `proxyAnswer`: the page's request is answered by a proxy instead of Nova.
 */
export type ListingFaultAction = PageFaultSpec | { readonly kind: 'revokeToken' } | ProxyAnswer;

/** A fault aimed at page `page` (2 or more) of the next listing that gets that far. */
export interface ListingFault {
  readonly page: number;
  readonly action: ListingFaultAction;
}

/** One page a list handler answered. */
export interface ServedPage {
  /** 1 for a request without `marker`, else one more than the page before. */
  readonly page: number;
  readonly routeName: string;
  readonly token: string;
}

/**
 * Faults that hit a given page of a paged listing. The kit's fault switch counts
 * requests, not pages, so these are armed on the kit at the right moment: after page
 * `n - 1` is answered, the fault is added for the next request of the same route.
 */
export interface ListingFaults {
  arm(fault: ListingFault): void;
  clear(): void;
  /** Faults still waiting for their page. */
  pending(): readonly ListingFault[];
  /** Called by the list handlers once a page is answered; returns the page number. */
  served(page: Omit<ServedPage, 'page'> & { readonly hasMarker: boolean }): number;
  /** The proxy answer due for the next request of a list route, if any (taken once). */
  takeProxyAnswer(routeName: string): ProxyAnswer | undefined;
}

/** Creates the listing faults of one simulator; `faults` is read lazily (the server is built after the routes). */
export function createListingFaults(faults: () => FaultSwitch, tokens: TokenStore): ListingFaults {
  let waiting: ListingFault[] = [];
  let lastPage = 0;
  const proxyAnswers = new Map<string, ProxyAnswer>();

  function fire(fault: ListingFault, page: ServedPage): void {
    if (fault.action.kind === 'revokeToken') {
      tokens.revoke(page.token);
      return;
    }
    if (fault.action.kind === 'proxyAnswer') {
      proxyAnswers.set(page.routeName, fault.action);
      return;
    }
    faults().add({ ...fault.action, trigger: { type: 'next', count: 1 }, scope: { route: page.routeName } } as FaultSpec);
  }

  return {
    arm(fault) {
      if (!Number.isInteger(fault.page) || fault.page < 2) {
        throw new RangeError('a listing fault targets page 2 or later; use the kit faults for the first request');
      }
      waiting.push(fault);
    },
    clear() {
      waiting = [];
      lastPage = 0;
      proxyAnswers.clear();
    },
    pending: () => [...waiting],
    served({ hasMarker, routeName, token }) {
      lastPage = hasMarker ? lastPage + 1 : 1;
      const page: ServedPage = { page: lastPage, routeName, token };
      const due = waiting.filter((fault) => fault.page === page.page + 1);
      waiting = waiting.filter((fault) => !due.includes(fault));
      due.forEach((fault) => fire(fault, page));
      return page.page;
    },
    takeProxyAnswer(routeName) {
      const answer = proxyAnswers.get(routeName);
      proxyAnswers.delete(routeName);
      return answer;
    },
  };
}
