// Throw-away TLS material for tests, made with the `openssl` CLI in a temp folder.
// It lives in the simulator kit so the simulators' own tests (compiled on their own) can use it;
// test/support/tls-certs.ts re-exports it for the adapter and integration tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PEM private key and the certificate that goes with it. */
export interface PemKeyAndCertificate {
  readonly key: Buffer;
  readonly cert: Buffer;
}

/** PEM material for TLS tests, made with `openssl` in a temp dir. */
export interface TestCertificates {
  /** The CA that signed `server`; the file a `tls.caFile` points at. */
  readonly caFile: string;
  /** Key and certificate for 127.0.0.1/localhost, signed by the CA. */
  readonly server: PemKeyAndCertificate;
  /** A self-signed key and certificate for 127.0.0.1/localhost, trusted by nobody. */
  readonly selfSigned: PemKeyAndCertificate;
  /** A client's key and certificate, signed by the CA (for servers that verify clients: mutual TLS). */
  readonly client: PemKeyAndCertificate;
  /** Removes the temp dir (and with it `caFile`). */
  dispose(): void;
}

const subjectAltName = 'subjectAltName=IP:127.0.0.1,DNS:localhost';
const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Runs `openssl` with `args`; its stderr goes into the error when it fails. */
function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Writes a self-signed EC key and certificate for 127.0.0.1/localhost to `<name>.key` and `<name>.crt` in `dir`. */
function writeSelfSigned(dir: string, name: string): PemKeyAndCertificate {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  openssl('req', '-x509', ...ecKey, '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', subjectAltName);
  return { key: readFileSync(keyFile), cert: readFileSync(certFile) };
}

/** Generates a CA, a server and a client certificate it signs, and an unrelated self-signed certificate. */
export function createTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'dcm-tls-'));
  const at = (name: string): string => join(dir, name);
  openssl('req', '-x509', ...ecKey, '-keyout', at('ca.key'), '-out', at('ca.crt'), '-days', '2', '-subj', '/CN=dcm test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', ...ecKey, '-keyout', at('server.key'), '-out', at('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(at('server.ext'), `${subjectAltName}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  openssl('x509', '-req', '-in', at('server.csr'), '-CA', at('ca.crt'), '-CAkey', at('ca.key'), '-CAcreateserial', '-out', at('server.crt'), '-days', '2', '-extfile', at('server.ext'));
  openssl('req', ...ecKey, '-keyout', at('client.key'), '-out', at('client.csr'), '-subj', '/CN=dcm-poll-bridge test client');
  writeFileSync(at('client.ext'), 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
  openssl('x509', '-req', '-in', at('client.csr'), '-CA', at('ca.crt'), '-CAkey', at('ca.key'), '-CAcreateserial', '-out', at('client.crt'), '-days', '2', '-extfile', at('client.ext'));
  return {
    caFile: at('ca.crt'),
    server: { key: readFileSync(at('server.key')), cert: readFileSync(at('server.crt')) },
    selfSigned: writeSelfSigned(dir, 'self'),
    client: { key: readFileSync(at('client.key')), cert: readFileSync(at('client.crt')) },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Makes a throw-away self-signed certificate for 127.0.0.1/localhost, or undefined when openssl is
 * missing or fails (tests skip then). The key never leaves the temp folder, which is removed at once.
 */
export function throwAwayCertificate(): PemKeyAndCertificate | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'sim-tls-'));
  try {
    return writeSelfSigned(dir, 'self');
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
