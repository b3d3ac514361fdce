// The uplink's secrets and TLS material, read from files at each connection attempt (so that a rotated certificate
// is picked up without a restart). Their contents are never logged; only which file could not be read.
import { readFileSync } from 'node:fs';
import type { UplinkConfig } from '../config/schema.js';

export interface ConnectSecrets {
  username?: string;
  password?: Buffer;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  passphrase?: string;
  servername?: string;
  rejectUnauthorized: boolean;
}

export class SecretsError extends Error {}

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new SecretsError(`cannot read ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export function readSecrets(config: UplinkConfig): ConnectSecrets {
  const out: ConnectSecrets = { rejectUnauthorized: config.tls?.rejectUnauthorized ?? true };
  if (config.username) out.username = config.username;
  if (config.passwordFile) out.password = Buffer.from(read(config.passwordFile, 'uplink.passwordFile').toString('utf8').trim());
  const tls = config.tls;
  if (tls) {
    if (tls.ca) out.ca = read(tls.ca, 'uplink.tls.ca');
    if (tls.cert) out.cert = read(tls.cert, 'uplink.tls.cert');
    if (tls.key) out.key = read(tls.key, 'uplink.tls.key');
    if (tls.passphraseFile) out.passphrase = read(tls.passphraseFile, 'uplink.tls.passphraseFile').toString('utf8').trim();
    if (tls.servername) out.servername = tls.servername;
  }
  return out;
}

/** The broker URL as it may be shown: without any user or password in it. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}
