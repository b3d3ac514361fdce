// A self-signed certificate for the console, made with openssl: for `ambulink demo` and for tests. A vehicle uses
// the box's own certificate (console.cert / console.key).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface CertificateFiles {
  cert: string;
  key: string;
}

/** Writes cert.pem and key.pem into `dir` (kept if already there), valid for localhost and 127.0.0.1. */
export function selfSignedCertificate(dir: string, commonName = 'ambulink console'): CertificateFiles {
  const files = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
  if (existsSync(files.cert) && existsSync(files.key)) return files;
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30', '-subj', `/CN=${commonName}`,
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', files.key, '-out', files.cert],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    throw new Error(
      e.code === 'ENOENT'
        ? 'openssl is not installed: it makes the demo console certificate (apt-get install openssl)'
        : `openssl could not make a certificate: ${e.stderr?.toString().trim() ?? e.message}`,
    );
  }
  return files;
}
