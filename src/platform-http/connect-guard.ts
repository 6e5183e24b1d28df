import type { LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import type { ConnectTargetCheck } from '../adapter/index.js';
import { BridgeError, ErrorCode } from '../errors/index.js';

/** Whose sockets a guard checks, for its errors. */
export interface GuardScope {
  readonly endpoint: string;
  readonly platform: string;
}

/**
 * The target policy where a socket is opened. Node resolves a host name
 * through `lookup` once per connection and connects to what it answers; it
 * connects to an IP literal without asking, hence {@link ConnectGuard.refuseLiteral}.
 */
export interface ConnectGuard {
  /**
   * `dns.lookup`'s shape, for `net.connect`/`tls.connect` and http(s) agents:
   * resolves the host once with the policy's resolver, fails the connection
   * unless every address passes the policy, and answers only those checked
   * addresses, so the socket cannot reach an address a second resolution
   * would give (DNS rebinding). A refusal is a PERMISSION_DENIED BridgeError
   * (`context.targetProblem: 'refused'`); a host without addresses fails as
   * the resolver failed (ENOTFOUND when it answered nothing).
   */
  readonly lookup: LookupFunction;
  /** The refusal of `host` when it is an IP literal the policy forbids; undefined for a host name (left to `lookup`) or an allowed literal. */
  refuseLiteral(host: string): BridgeError | undefined;
}

/** Creates the guard of one endpoint's sockets. */
export function createConnectGuard(check: ConnectTargetCheck, scope: GuardScope): ConnectGuard {
  const refused = (host: string, address: string, reason: string): BridgeError =>
    new BridgeError(ErrorCode.PermissionDenied, `${scope.platform} endpoint ${scope.endpoint}: not connecting: ${reason}`, { endpoint: scope.endpoint, platform: scope.platform, host, address, targetProblem: 'refused', reason });

  const lookup: LookupFunction = (hostname, options, callback) => {
    // A bracketed IPv6 literal reaches here when a client leaves the brackets on (Node's http does): it is its own address.
    const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
    // Through then(): a resolver that throws instead of rejecting still fails only this connection.
    Promise.resolve(host).then((name) => (isIP(name) === 0 ? check.resolve(name) : [name])).then(
      (addresses) => {
        if (addresses.length === 0) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host} (no addresses)`), { code: 'ENOTFOUND', hostname: host }), '');
        for (const address of addresses) {
          const reason = check.refusal(host, address);
          if (reason) return callback(refused(host, address, reason), '');
        }
        const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
        const answers: LookupAddress[] = addresses.map((address) => ({ address, family: isIP(address) })).filter((answer) => family === 0 || answer.family === family);
        const [first] = answers;
        if (!first) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host} (no IPv${family} address)`), { code: 'ENOTFOUND', hostname: host }), '');
        return options.all ? callback(null, answers) : callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), ''),
    );
  };

  return {
    lookup,
    refuseLiteral(host) {
      const literal = host.replace(/^\[(.*)\]$/, '$1');
      if (isIP(literal) === 0) return undefined;
      const reason = check.refusal(literal, literal);
      return reason ? refused(literal, literal, reason) : undefined;
    },
  };
}

/**
 * undici's connector with the guard in front: a literal host is judged before
 * a socket exists, a host name through the guard's `lookup`. TLS still
 * verifies the certificate against the host name.
 */
export function guardedConnector(options: buildConnector.BuildOptions, guard: ConnectGuard): buildConnector.connector {
  const connect = buildConnector({ ...options, lookup: guard.lookup });
  return (target, callback) => {
    const refusal = guard.refuseLiteral(target.hostname);
    if (!refusal) return connect(target, callback);
    // Asynchronously, as a socket error would come: undici does not expect its callback before connect returns.
    queueMicrotask(() => callback(refusal, null));
  };
}
