import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM material for TLS tests, made with `openssl` in a temp dir. */
export interface TestCertificates {
  /** The CA that signed `server`; the file a `tls.caFile` points at. */
  readonly caFile: string;
  /** Key and certificate for 127.0.0.1/localhost, signed by the CA. */
  readonly server: { readonly key: Buffer; readonly cert: Buffer };
  /** A self-signed key and certificate for 127.0.0.1/localhost, trusted by nobody. */
  readonly selfSigned: { readonly key: Buffer; readonly cert: Buffer };
  dispose(): void;
}

const subjectAltName = 'subjectAltName=IP:127.0.0.1,DNS:localhost';
const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Generates a CA, a server certificate it signs, and an unrelated self-signed certificate. */
export function createTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'dcm-tls-'));
  const at = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  openssl('req', '-x509', ...ecKey, '-keyout', at('ca.key'), '-out', at('ca.crt'), '-days', '2', '-subj', '/CN=dcm test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', ...ecKey, '-keyout', at('server.key'), '-out', at('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(at('server.ext'), `${subjectAltName}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  openssl('x509', '-req', '-in', at('server.csr'), '-CA', at('ca.crt'), '-CAkey', at('ca.key'), '-CAcreateserial', '-out', at('server.crt'), '-days', '2', '-extfile', at('server.ext'));
  openssl('req', '-x509', ...ecKey, '-keyout', at('self.key'), '-out', at('self.crt'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', subjectAltName);
  return {
    caFile: at('ca.crt'),
    server: { key: readFileSync(at('server.key')), cert: readFileSync(at('server.crt')) },
    selfSigned: { key: readFileSync(at('self.key')), cert: readFileSync(at('self.crt')) },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
