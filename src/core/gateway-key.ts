// The gateway's own signing key: one Ed25519 key pair per box, under <dataDir>/keys/. Created on first start (the
// private key readable by the daemon's user only), loaded afterwards. The recording manifest and the audit log sign
// with it; the hospital verifies with the public key, exported once when the vehicle is commissioned.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const PRIVATE_KEY_FILE = 'gateway.key';
export const PUBLIC_KEY_FILE = 'gateway.pub';

export function keysDir(dataDir: string): string {
  return join(dataDir, 'keys');
}

/** A public key alone: what a verifier holds. */
export class GatewayPublicKey {
  constructor(readonly key: KeyObject) {}

  static fromPem(pem: string): GatewayPublicKey {
    return new GatewayPublicKey(createPublicKey(pem));
  }

  static load(file: string): GatewayPublicKey {
    return GatewayPublicKey.fromPem(readFileSync(file, 'utf8'));
  }

  /** Short stable id (first 16 hex digits of sha256 of the DER key), written beside each signature. */
  get id(): string {
    return createHash('sha256').update(this.key.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
  }

  pem(): string {
    return this.key.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** Checks a base64 Ed25519 signature over `data`. Never throws on malformed input: a bad signature is false. */
  verify(data: Buffer | string, signatureB64: string): boolean {
    try {
      return verify(null, typeof data === 'string' ? Buffer.from(data) : data, this.key, Buffer.from(signatureB64, 'base64'));
    } catch {
      return false;
    }
  }
}

export class GatewayKey extends GatewayPublicKey {
  constructor(
    private readonly privateKey: KeyObject,
    publicKey: KeyObject,
  ) {
    super(publicKey);
  }

  /** Loads the key pair from <dataDir>/keys, creating it (private key mode 0600) if there is none yet. */
  static loadOrCreate(dataDir: string): GatewayKey {
    const dir = keysDir(dataDir);
    const privFile = join(dir, PRIVATE_KEY_FILE);
    const pubFile = join(dir, PUBLIC_KEY_FILE);
    if (existsSync(privFile)) {
      const mode = statSync(privFile).mode & 0o777;
      if (mode & 0o077) throw new Error(`${privFile} is readable by others (mode ${mode.toString(8)}): chmod 600 it`);
      const privateKey = createPrivateKey(readFileSync(privFile, 'utf8'));
      const publicKey = createPublicKey(privateKey);
      if (!existsSync(pubFile)) writeDurably(pubFile, publicKey.export({ type: 'spki', format: 'pem' }).toString(), 0o644);
      return new GatewayKey(privateKey, publicKey);
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    writeDurably(privFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
    writeDurably(pubFile, publicKey.export({ type: 'spki', format: 'pem' }).toString(), 0o644);
    return new GatewayKey(privateKey, publicKey);
  }

  /** Base64 Ed25519 signature over `data`. */
  sign(data: Buffer | string): string {
    return sign(null, typeof data === 'string' ? Buffer.from(data) : data, this.privateKey).toString('base64');
  }
}

/** Written and fsynced with its final mode from the first byte (a key must never exist world-readable, even briefly). */
function writeDurably(file: string, text: string, mode: number): void {
  const fd = openSync(file, 'wx', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(file, mode); // the umask may have narrowed it; state it exactly
}
