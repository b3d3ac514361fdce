// Live vitals per device: the waveforms as they arrive, and every numeric with its validity and how fresh it is.
import type { DeviceView, LiveStore, Numeric } from './live-store.js';
import { age, number, unit } from './format.js';
import { WaveCanvas } from './wave-canvas.js';

/** A numeric is stale when nothing came for three of its usual intervals (and at least 10 s). */
export function isStale(n: Numeric, now: number): boolean {
  return now - n.at > Math.max(10_000, 3 * (n.intervalMs ?? 5000));
}

function NumericTile({ n, now }: { n: Numeric; now: number }) {
  const r = n.record;
  const stale = isStale(n, now);
  const validity = r.kind === 'numeric' ? r.validity : 'valid';
  const label = r.label ?? r.metric.ref.replace(/^MDC_/, '');
  return (
    <div class={`num ${stale ? 'stale' : ''} ${validity !== 'valid' ? 'not-valid' : ''} ${r.kind}`} data-metric={r.metric.ref} data-validity={validity}>
      <span class="num-label">{label}</span>
      <span class="num-value">{number(r.value)}</span>
      <span class="num-unit">{unit(r.unit?.ucum)}</span>
      <span class="num-state">
        {validity !== 'valid' ? <b class="validity">{validity}</b> : null}
        {stale ? <b class="stale-tag">stale {age(now - n.at)}</b> : <span class="fresh">{age(now - n.at)}</span>}
      </span>
    </div>
  );
}

function DeviceVitals({ d, now, name }: { d: DeviceView; now: number; name: string | undefined }) {
  const numerics = [...d.numerics.values()].sort((a, b) => (a.record.kind === b.record.kind ? 0 : a.record.kind === 'numeric' ? -1 : 1));
  return (
    <section class="panel device-vitals" data-device={d.id}>
      <h2>
        {name ?? d.id} <small>{d.id}</small>
      </h2>
      {d.waves.size ? (
        <div class="waves">
          {[...d.waves.values()].map((ring) => (
            <WaveCanvas key={ring.ref} ring={ring} />
          ))}
        </div>
      ) : null}
      <div class="nums">
        {numerics.map((n) => (
          <NumericTile key={`${n.record.kind}:${n.record.metric.ref}`} n={n} now={now} />
        ))}
      </div>
    </section>
  );
}

export function Vitals({ store, now, names }: { store: LiveStore; now: number; names: Map<string, string> }) {
  const devices = [...store.devices.values()].filter((d) => d.numerics.size || d.waves.size);
  if (!devices.length) return <section class="panel"><h2>Vitals</h2><p class="empty">no measurements yet</p></section>;
  return (
    <>
      {devices.map((d) => (
        <DeviceVitals key={d.id} d={d} now={now} name={names.get(d.id)} />
      ))}
    </>
  );
}
