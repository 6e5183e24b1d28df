// Credentials and TLS material for tests of secured Redis and NATS servers:
// throw-away certificates written to files (servers read files), and a NATS
// operator, account and users made as `nsc` makes them, with NATS's own jwt.js.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAccount, createOperator, createUser, encodeAccount, encodeOperator, encodeUser, fmtCreds } from '@nats-io/jwt';
import type { NatsServerOptions, ServerTlsFiles } from './servers.js';
import { createTestCertificates } from './tls-certs.js';

/** PEM files for a TLS test: what the server presents, what a client trusts and presents. */
export interface TlsFiles {
  /** The server's side, for {@link ServerTlsFiles}; clients must present a certificate. */
  readonly server: ServerTlsFiles;
  /** The CA that signed the server's and the client's certificates. */
  readonly caFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** A self-signed certificate that signed nothing here: a wrong `caFile`. */
  readonly strangerCaFile: string;
  dispose(): void;
}

/** Writes a CA, a server and a client certificate (and an unrelated one) as files into `dir`. */
export function writeTlsFiles(dir: string): TlsFiles {
  const certificates = createTestCertificates();
  const write = (name: string, content: Buffer): string => {
    const file = join(dir, name);
    writeFileSync(file, content, { mode: 0o600 });
    return file;
  };
  const server = { certFile: write('server.crt', certificates.server.cert), keyFile: write('server.key', certificates.server.key), caFile: certificates.caFile, verifyClients: true };
  return {
    server,
    caFile: certificates.caFile,
    clientCertFile: write('client.crt', certificates.client.cert),
    clientKeyFile: write('client.key', certificates.client.key),
    strangerCaFile: write('stranger.crt', certificates.selfSigned.cert),
    dispose: () => certificates.dispose(),
  };
}

/** A NATS deployment in operator mode: what the server preloads, and `.creds` files of its users. */
export interface NatsOperatorSetup {
  readonly server: NonNullable<NatsServerOptions['operator']>;
  /** `.creds` (user JWT + nkey seed) of the bridge's user, and of DCM's, in one JetStream-enabled account. */
  readonly bridgeCreds: Uint8Array;
  readonly dcmCreds: Uint8Array;
  /** `.creds` of a user whose account the server does not know: well-formed, and refused. */
  readonly strangerCreds: Uint8Array;
}

/** Unlimited account limits with JetStream on; jwt.js leaves unset limits at 0, which allows no connection. */
const unlimitedAccount = { limits: { subs: -1, conn: -1, leaf: -1, imports: -1, exports: -1, data: -1, payload: -1, wildcards: true, mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 } };

/**
 * Makes an operator, its system account, one account for DCM's stream and
 * users signed by it, the way `nsc` does for a memory-resolver server
 * (https://docs.nats.io/running-a-nats-service/configuration/securing_nats/auth_intro/jwt/mem_resolver).
 */
export async function createNatsOperator(): Promise<NatsOperatorSetup> {
  const operator = createOperator();
  const system = createAccount();
  const account = createAccount();
  const otherAccount = createAccount();
  const operatorJwt = await encodeOperator('dcm-test-operator', operator, { system_account: system.getPublicKey() });
  const systemJwt = await encodeAccount('SYS', system, {}, { signer: operator });
  const accountJwt = await encodeAccount('DCM', account, unlimitedAccount, { signer: operator });
  const userCreds = async (name: string, issuer: ReturnType<typeof createAccount>): Promise<Uint8Array> => {
    const user = createUser();
    return fmtCreds(await encodeUser(name, user, issuer), user);
  };
  return {
    server: { jwt: operatorJwt, systemAccount: system.getPublicKey(), accounts: { [system.getPublicKey()]: systemJwt, [account.getPublicKey()]: accountJwt } },
    bridgeCreds: await userCreds('dcm-poll-bridge', account),
    dcmCreds: await userCreds('dcm', account),
    strangerCreds: await userCreds('stranger', otherAccount),
  };
}

/** An nkey user: the public key a server lists, and the seed a client signs with. */
export function createNkeyUser(): { readonly publicKey: string; readonly seed: string } {
  const user = createUser();
  return { publicKey: user.getPublicKey(), seed: new TextDecoder().decode(user.getSeed()) };
}
