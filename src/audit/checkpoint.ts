// A checkpoint: the Merkle root over the first treeSize entries, signed with the gateway's Ed25519 key and sent to
// the hospital, which keeps it as the witness. Once a checkpoint has left the vehicle, rewriting or truncating the
// history it covers is detectable; the counter rises by one per checkpoint, so an old one replayed stands out.
import { canonicalBytes } from '../core/canonical-json.js';
import type { GatewayKey, GatewayPublicKey } from '../core/gateway-key.js';

export interface CheckpointBody {
  vehicle: string;
  treeSize: number;
  /** Hex RFC 6962 root over entries 0 … treeSize-1. */
  root: string;
  wallTime: string;
  bootId: string;
  /** Rises by exactly one per checkpoint over the life of the log. */
  counter: number;
}

export interface Checkpoint extends CheckpointBody {
  keyId: string;
  /** Base64 Ed25519 signature over the canonical JSON of the body. */
  sig: string;
}

export function bodyOf(c: Checkpoint): CheckpointBody {
  return { vehicle: c.vehicle, treeSize: c.treeSize, root: c.root, wallTime: c.wallTime, bootId: c.bootId, counter: c.counter };
}

export function signCheckpoint(body: CheckpointBody, key: GatewayKey): Checkpoint {
  return { ...body, keyId: key.id, sig: key.sign(canonicalBytes(body)) };
}

export function checkpointSignatureValid(c: Checkpoint, key: GatewayPublicKey): boolean {
  try {
    return key.verify(canonicalBytes(bodyOf(c)), c.sig);
  } catch {
    return false;
  }
}

export function parseCheckpoint(line: string): Checkpoint | undefined {
  try {
    const c = JSON.parse(line) as Partial<Checkpoint>;
    const ok =
      typeof c.vehicle === 'string' &&
      Number.isSafeInteger(c.treeSize) &&
      typeof c.root === 'string' &&
      typeof c.wallTime === 'string' &&
      typeof c.bootId === 'string' &&
      Number.isSafeInteger(c.counter) &&
      typeof c.keyId === 'string' &&
      typeof c.sig === 'string';
    return ok ? (c as Checkpoint) : undefined;
  } catch {
    return undefined;
  }
}
