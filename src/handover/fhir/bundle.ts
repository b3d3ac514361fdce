// Prepared resources → the two kinds of Bundle the handover sends, and the HandoverMessage that carries one.
import type { Bundle, BundleEntry, Resource } from 'fhir/r4.js';
import type { HandoverMessage } from '../destination.js';
import { nameUuid, stableId } from './ids.js';
import type { Prepared } from './resources.js';

function entryOf(p: Prepared): BundleEntry {
  const type = p.resource.resourceType;
  const request: NonNullable<BundleEntry['request']> =
    p.write === 'create'
      ? { method: 'POST', url: type, ifNoneExist: p.sid.query }
      : { method: 'PUT', url: `${type}?${p.sid.query}` };
  return { fullUrl: p.sid.urn, resource: p.resource, request };
}

/** A transaction of conditional writes; its id is derived from its entries, so the same content has the same id. */
export function transactionBundle(entries: readonly Prepared[], nowMs: number): Bundle {
  const unique = dedupe(entries);
  return {
    resourceType: 'Bundle',
    id: nameUuid(`transaction\u001f${unique.map((p) => p.sid.urn).join('\u001f')}`),
    type: 'transaction',
    timestamp: new Date(nowMs).toISOString(),
    entry: unique.map(entryOf),
  };
}

/** A document: the Composition first, then every resource it references, each once. */
export function documentBundle(vehicle: string, encounterId: string, entries: readonly Prepared[], nowMs: number): Bundle {
  const sid = stableId(vehicle, 'handover-document', encounterId);
  return {
    resourceType: 'Bundle',
    id: sid.urn.slice('urn:uuid:'.length),
    identifier: sid.identifier,
    type: 'document',
    timestamp: new Date(nowMs).toISOString(),
    entry: dedupe(entries).map((p) => ({ fullUrl: p.sid.urn, resource: p.resource })),
  };
}

function dedupe(entries: readonly Prepared[]): Prepared[] {
  const seen = new Map<string, Prepared>();
  for (const p of entries) seen.set(p.sid.urn, p);
  return [...seen.values()];
}

export function messageOf(bundle: Bundle & { id: string }, nowMs: number): HandoverMessage {
  return { id: bundle.id, type: bundle.type, body: JSON.stringify(bundle), createdAt: nowMs };
}

export function resourcesOf(bundle: Bundle): Resource[] {
  return (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
}
