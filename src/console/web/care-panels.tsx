// Early-warning scores and the care timeline, when the gateway makes them: records of kinds this page does not know
// by name, and events of the early-warning and timeline families, shown as they come (newest first).
import type { CanonicalRecord, EventRecord } from '../../schema/records.js';
import { clock } from './format.js';

const CARE_EVENT = /^(ews|news2|qsofa|shock_index|score|timeline|milestone|care)\b/;

function summary(r: CanonicalRecord | EventRecord): string {
  const x = (r.kind === 'event' ? (r.detail ?? {}) : r) as Record<string, unknown>;
  const skip = new Set(['kind', 'schema', 'vehicle', 'device', 'driver', 'observedAt', 'receivedAt', 'mono', 'seq', 'historical', 'encounter', 'source']);
  return Object.entries(x)
    .filter(([k, v]) => !skip.has(k) && (typeof v !== 'object' || v === null))
    .slice(0, 8)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(' · ');
}

export function CarePanels({ other, events }: { other: Map<string, CanonicalRecord>; events: EventRecord[] }) {
  const care = [...other.values(), ...events.filter((e) => CARE_EVENT.test(e.event))].sort((a, b) => b.receivedAt.localeCompare(a.receivedAt)).slice(0, 30);
  return (
    <section class="panel care">
      <h2>Early warning and care timeline</h2>
      {care.length === 0 ? <p class="empty">no early-warning score or milestone yet</p> : null}
      <ul>
        {care.map((r, i) => (
          <li key={i} data-kind={r.kind}>
            <span class="time">{clock(r.observedAt)}</span> <b>{r.kind === 'event' ? r.event : r.kind}</b> <span class="meta">{summary(r)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
