// The payload of every message the outbox sends: one stream's records (or service messages) as one JSON object.
// Everything a consumer needs travels in the payload, so MQTT 3.1.1 brokers (aedes) carry it as well as MQTT 5 ones;
// the uplink adds MQTT 5 user properties with the same facts where the broker speaks 5.
//
//   {"v":1,"vehicle":"AMB-042","epoch":"9f2c…","stream":"mon/numeric","class":"numeric","historical":false,
//    "first":"1041","last":"1043","count":3,"items":[{"seq":"1041",…},{"seq":"1042",…},{"seq":"1043",…}]}
//
// Each item carries its own "seq" (and "historical": true when sent from the backlog), so an item taken out of its
// envelope still says where it belongs. Consumers deduplicate by (vehicle, stream, seq).
import type { Entry } from './entry.js';
import { payloadOf } from './entry.js';

export const ENVELOPE_VERSION = 1;

export function buildEnvelope(vehicle: string, epoch: string, className: string, entries: readonly Entry[], historical: boolean): string {
  const first = entries[0]!;
  const last = entries[entries.length - 1]!;
  let text =
    `{"v":${ENVELOPE_VERSION},"vehicle":${JSON.stringify(vehicle)},"epoch":"${epoch}","stream":${JSON.stringify(first.stream.name)},` +
    `"class":"${className}","historical":${historical},"first":"${first.seq}","last":"${last.seq}","count":${entries.length},"items":[`;
  for (let i = 0; i < entries.length; i++) {
    if (i > 0) text += ',';
    const p = payloadOf(entries[i]!);
    text += historical ? `{"historical":true,${p.slice(1)}` : p;
  }
  return `${text}]}`;
}

/** What a consumer reads: the envelope, parsed. */
export interface Envelope<I = Record<string, unknown> & { seq: string; historical?: boolean }> {
  v: number;
  vehicle: string;
  epoch: string;
  stream: string;
  class: string;
  historical: boolean;
  first: string;
  last: string;
  count: number;
  items: I[];
}

/** Parses and checks an envelope (for consumers such as `ambulink tail` and the chaos checker); undefined if it is not one. */
export function parseEnvelope(payload: Buffer | string): Envelope | undefined {
  let v: unknown;
  try {
    v = JSON.parse(payload.toString());
  } catch {
    return undefined;
  }
  const e = v as Partial<Envelope>;
  if (!e || typeof e !== 'object' || e.v !== ENVELOPE_VERSION || typeof e.stream !== 'string' || !Array.isArray(e.items)) return undefined;
  if (!e.items.every((i) => i && typeof i === 'object' && typeof (i as { seq?: unknown }).seq === 'string')) return undefined;
  return e as Envelope;
}
