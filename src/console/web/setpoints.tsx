// Remote setpoints: the command waiting for the crew (who signed it, what changes from what to what, the interlocks
// it passed, the time left), confirm and reject for the crew role only, and the results after readback. A press goes
// to the daemon's own setpoint.confirm / setpoint.reject, the same call as `ambulink setpoint confirm`.
import { useState } from 'preact/hooks';
import type { PendingSetpoint, SessionInfo } from '../api-types.js';
import type { EventRecord } from '../../schema/records.js';
import { clock, number, unit } from './format.js';

const FINAL = new Set(['Fin', 'FinMod', 'Fail', 'Cnclld', 'CnclldMan']);

interface ResultDetail {
  commandId: string | null;
  state: string;
  reason?: string;
  message?: string;
  target?: { param: string; value: number; unit: string };
  actual?: number;
  at: string;
}

export type Decide = (decision: 'confirm' | 'reject', commandId: string) => Promise<string>;

function Pending({ p, session, now, skewMs, decide }: { p: PendingSetpoint; session: SessionInfo; now: number; skewMs: number; decide: Decide }) {
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<string>();
  const leftS = p.confirmBy ? Math.max(0, Math.round((Date.parse(p.confirmBy) - (now - skewMs)) / 1000)) : undefined;
  const press = (d: 'confirm' | 'reject') => {
    setBusy(true);
    decide(d, p.commandId)
      .then(setAnswer, (e: Error) => setAnswer(e.message))
      .finally(() => setBusy(false));
  };
  return (
    <li class={`pending ${p.phase}`} data-command={p.commandId}>
      <div class="change">
        <b>{p.device}</b> {p.param} <b class="from">{number(p.from)}</b> → <b class="to">{number(p.to)}</b> {unit(p.unit)}
      </div>
      <div class="meta">
        signed by <b>{p.issuer}</b>
        {p.approvers.length ? ` + ${p.approvers.join(', ')}` : ''} ({p.origin}) · {p.phase === 'confirm' ? 'waiting for the crew' : p.phase}
      </div>
      <div class="meta" data-field="passed">interlocks passed: {p.passed.length ? p.passed.join(', ') : '—'}</div>
      {leftS !== undefined ? <div class={`left ${leftS <= 10 ? 'urgent' : ''}`} data-field="time-left">{leftS} s left to decide</div> : null}
      {session.role === 'crew' && p.phase === 'confirm' ? (
        <div class="buttons">
          <button class="confirm" disabled={busy} onClick={() => press('confirm')}>Confirm</button>
          <button class="reject" disabled={busy} onClick={() => press('reject')}>Reject</button>
        </div>
      ) : null}
      {answer ? <div class="answer">{answer}</div> : null}
    </li>
  );
}

export function Setpoints({ session, pending, events, now, skewMs, decide }: { session: SessionInfo; pending: PendingSetpoint[]; events: EventRecord[]; now: number; skewMs: number; decide: Decide }) {
  const results = events
    .filter((e) => e.event === 'setpoint.state' && FINAL.has(String(e.detail?.state)))
    .slice(-5)
    .reverse()
    .map((e) => ({ device: e.device, r: e.detail as unknown as ResultDetail }));
  return (
    <section class="panel setpoints">
      <h2>Remote setpoints</h2>
      {session.mode === 'hospital' ? <p class="empty">read-only: the crew confirms on the vehicle</p> : null}
      {session.mode === 'vehicle' && pending.length === 0 ? <p class="empty">no remote setpoint is pending</p> : null}
      <ul>
        {pending.map((p) => (
          <Pending key={p.commandId} p={p} session={session} now={now} skewMs={skewMs} decide={decide} />
        ))}
      </ul>
      {results.length ? (
        <table class="results">
          <thead>
            <tr><th>time</th><th>device</th><th>change</th><th>result</th><th>read back</th></tr>
          </thead>
          <tbody>
            {results.map(({ device, r }) => (
              <tr key={`${r.commandId}-${r.at}`} class={`result ${r.state}`} data-command={r.commandId ?? ''} data-state={r.state}>
                <td>{clock(r.at)}</td>
                <td>{device}</td>
                <td>{r.target ? `${r.target.param} → ${number(r.target.value)} ${unit(r.target.unit)}` : '—'}</td>
                <td>
                  <b>{r.state}</b> {r.reason ? <small>{r.reason}</small> : null}
                </td>
                <td>{r.actual !== undefined ? number(r.actual) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
