// Early-warning scores (NEWS2, qSOFA, shock index: escalation prompts, not a diagnosis) with their sub-scores and
// what was missing or stale, the band rises, and the care timeline (milestones and the pathway intervals against
// their targets). Lab results and the position beside them.
import type { LabRecord, MilestoneRecord, ScoreRecord } from '../../schema/records.js';
import { age, clock, number, unit } from './format.js';
import type { LiveStore } from './live-store.js';

const SCORE_NAMES: Record<string, string> = { news2: 'NEWS2', qsofa: 'qSOFA', 'shock-index': 'Shock index' };

function Score({ s }: { s: ScoreRecord }) {
  const band = s.band ?? s.atLeast?.band ?? null;
  return (
    <li class={`score band-${band ?? 'unknown'} ${s.status}`} data-score={s.score} data-band={band ?? ''}>
      <span class="score-name">{SCORE_NAMES[s.score] ?? s.score}</span>
      <span class="score-value">{s.value !== null ? number(s.value) : s.atLeast ? `≥ ${number(s.atLeast.value)}` : '—'}</span>
      <span class="score-band">{s.band ?? (s.atLeast?.band ? `at least ${s.atLeast.band}` : 'not known')}</span>
      <span class="score-parts">
        {s.components
          .filter((c) => c.state === 'used' && c.points !== undefined)
          .map((c) => `${c.parameter} ${c.points}`)
          .join(' · ')}
        {s.status === 'incomplete' ? (
          <b class="warn">
            {' '}
            incomplete: {[...s.missing.map((m) => `${m} missing`), ...s.stale.map((m) => `${m} stale`)].join(', ')}
          </b>
        ) : null}
      </span>
    </li>
  );
}

const MILESTONE_NAMES: Record<string, string> = {
  'first-medical-contact': 'First medical contact',
  'first-ecg': 'First ECG',
  '12-lead-transmitted': '12-lead transmitted',
  '12-lead-acknowledged': '12-lead acknowledged by the hospital',
  'troponin-result': 'Troponin result',
  'arrived-scene': 'Arrived at scene',
  'left-scene': 'Left scene',
  'arrived-hospital': 'Arrived at hospital',
  'pre-arrival-alert': 'Pre-arrival alert',
};

function Timeline({ milestones }: { milestones: MilestoneRecord[] }) {
  const sorted = [...milestones].sort((a, b) => a.at.localeCompare(b.at));
  const latest = [...milestones].sort((a, b) => b.receivedAt.localeCompare(a.receivedAt))[0];
  return (
    <>
      <ol class="timeline">
        {sorted.map((m) => (
          <li key={`${m.milestone}:${m.preArrival ?? ''}`} data-milestone={m.milestone}>
            <span class="time">{clock(m.at)}</span> {MILESTONE_NAMES[m.milestone] ?? m.milestone}
            {m.preArrival ? <b> {m.preArrival.toUpperCase()}</b> : null} <small>({m.origin}: {m.by})</small>
          </li>
        ))}
      </ol>
      {latest?.intervals.length ? (
        <ul class="intervals">
          {latest.intervals.map((i) => (
            <li key={i.name} class={i.met === false ? 'missed' : i.met ? 'met' : ''} data-interval={i.name}>
              {i.name.replace(/-/g, ' ')}: <b>{i.ms !== null ? age(i.ms) : 'open'}</b>
              {i.targetMs !== undefined ? ` (target ≤ ${age(i.targetMs)}${i.met === undefined ? '' : i.met ? ', met' : ', missed'})` : ''}
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}

export function CarePanels({ store, now }: { store: LiveStore; now: number }) {
  const alerts = store.alerts.slice(-3).reverse();
  const milestones = [...store.milestones.values()];
  return (
    <section class="panel care">
      <h2>Early warning and care timeline</h2>
      {store.scores.size === 0 ? <p class="empty">no early-warning score yet</p> : null}
      <ul class="scores">
        {[...store.scores.values()].map((s) => (
          <Score key={s.score} s={s} />
        ))}
      </ul>
      {alerts.length ? (
        <ul class="ews-alerts">
          {alerts.map((a, i) => (
            <li key={i} class={`alarm ${a.priority}`}>
              <b class="prio">{a.priority}</b>
              <span class="text">{a.text}</span>
              <span class="meta">
                {clock(a.observedAt)} · {a.from ?? 'none'} → {a.to} · {age(now - Date.parse(a.receivedAt))} ago
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      {milestones.length ? <Timeline milestones={milestones} /> : <p class="empty">no care milestone yet</p>}
    </section>
  );
}

export function Labs({ store }: { store: LiveStore }) {
  const labs: LabRecord[] = [...store.labs.values()].sort((a, b) => b.observedAt.localeCompare(a.observedAt)).slice(0, 16);
  const loc = store.location;
  return (
    <section class="panel labs">
      <h2>Lab results and position</h2>
      {labs.length === 0 ? <p class="empty">no lab result yet</p> : null}
      <table>
        <tbody>
          {labs.map((l) => (
            <tr key={`${l.device}/${l.test.loinc}`} data-loinc={l.test.loinc} class={l.flags.length ? 'flagged' : ''}>
              <td>{l.test.shortName ?? l.test.name}</td>
              <td>
                <b>{l.value !== null ? number(l.value) : (l.text ?? '—')}</b> {unit(l.unit?.ucum)} {l.flags.length ? <b class="warn">{l.flags.join(' ')}</b> : null}
              </td>
              <td>{l.validity !== 'valid' ? <b class="warn">{l.validity}</b> : null}</td>
              <td>
                <small>
                  {l.device} {clock(l.observedAt)}
                </small>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {loc ? (
        <p class="position" data-field="position">
          {loc.lat !== undefined && loc.lon !== undefined ? `${loc.lat.toFixed(5)}, ${loc.lon.toFixed(5)}` : 'no position'} · fix {loc.fix}
          {loc.speed !== undefined ? ` · ${(loc.speed * 3.6).toFixed(0)} km/h` : ''} · {clock(loc.observedAt)}
        </p>
      ) : null}
    </section>
  );
}
