// Stable identities. Every resource the gateway creates carries an identifier derived only from what it is (vehicle,
// device, metric, time), never from when it was built, so a Bundle rebuilt after a restart or resent by the queue names
// the same resources, and the server's conditional create (ifNoneExist) finds them instead of making copies.
import { createHash } from 'node:crypto';
import type { Identifier } from 'fhir/r4.js';
import { SYSTEM } from './codes.js';

/** The namespace of ambulink's name-based UUIDs (RFC 9562 v5): a fixed random UUID, chosen once. */
const NAMESPACE = Buffer.from('6f1c2a4e9b3d4c8aa1e25d7f0b9c3e61', 'hex');

/** RFC 9562 version-5 UUID of `name` in ambulink's namespace. */
export function nameUuid(name: string): string {
  const h = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** A resource's stable identity: its urn:uuid (used as fullUrl too) and the identifier the server can search on. */
export interface StableId {
  readonly urn: string;
  readonly identifier: Identifier;
  /** `identifier=system|value`, for Bundle.entry.request.ifNoneExist and the If-None-Exist header. */
  readonly query: string;
}

export function stableId(...parts: readonly string[]): StableId {
  const urn = `urn:uuid:${nameUuid(parts.join('\u001f'))}`;
  return { urn, identifier: { system: SYSTEM.uri, value: urn }, query: `identifier=${SYSTEM.uri}|${urn}` };
}

/** An EUI-64 as PoCD writes it (octets in hex separated by hyphens), when a serial is one; undefined otherwise. */
export function eui64Of(serial: string | undefined): string | undefined {
  if (!serial) return undefined;
  const hex = serial.replace(/[-:]/g, '');
  if (!/^[0-9A-Fa-f]{16}$/.test(hex)) return undefined;
  return hex.toUpperCase().match(/../g)!.join('-');
}
