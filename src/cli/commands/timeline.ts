// `ambulink timeline` (the care timeline with its live intervals) and `ambulink scores` (the early-warning scores now).
import type { EarlyWarningReport } from '../../ews/extension.js';
import type { ScoreBody } from '../../ews/scores.js';
import type { TimelineReport } from '../../timeline/extension.js';
import { ask } from '../daemon-call.js';
import { EXIT, age, table } from '../output.js';

const minutes = (ms: number) => `${Math.floor(ms / 60_000)}:${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}`;

export function renderTimeline(r: TimelineReport): string {
  const lines = [`care timeline — ${r.encounter ? `encounter ${r.encounter}` : 'no encounter open'}`];
  if (r.milestones.length === 0) lines.push('  no milestones yet');
  else
    lines.push(
      table(
        ['TIME (UTC)', 'MILESTONE', 'SOURCE', 'BY', 'DETAIL'],
        r.milestones.map((m) => [
          m.at.slice(11, 19),
          m.milestone,
          m.origin,
          m.by,
          [m.preArrival?.toUpperCase(), ...Object.entries(m.detail ?? {}).map(([k, v]) => `${k}=${String(v)}`)].filter(Boolean).join(' '),
        ]),
      ),
    );
  lines.push('');
  lines.push(
    table(
      ['INTERVAL', 'TIME', 'TARGET', 'STATUS'],
      r.intervals.map((i) => [
        `${i.name} (${i.from} → ${i.to})`,
        i.ms !== null ? minutes(i.ms) : i.elapsedMs !== undefined ? `${minutes(i.elapsedMs)} so far` : '-',
        i.targetMs !== undefined ? `≤ ${minutes(i.targetMs)}` : '-',
        i.state === 'done' ? (i.met === undefined ? 'done' : i.met ? 'MET' : 'MISSED') : i.state === 'running' ? (i.overdue ? 'RUNNING, OVERDUE' : 'running') : 'not started',
      ]),
    ),
  );
  return lines.join('\n');
}

export async function timelineCommand(o: { socket?: string; json?: boolean }): Promise<number> {
  const r = await ask<TimelineReport>('timeline', o.socket);
  process.stdout.write(o.json ? `${JSON.stringify(r, null, 2)}\n` : `${renderTimeline(r)}\n`);
  // Exit 1 when a target is missed or overdue, so a script can act on it.
  return r.intervals.some((i) => i.met === false || i.overdue) ? EXIT.failure : EXIT.ok;
}

function scoreLine(s: ScoreBody): string {
  const name = { news2: 'NEWS2', qsofa: 'qSOFA', 'shock-index': 'shock index' }[s.score];
  const value = s.value !== null ? String(s.value) : s.atLeast ? `≥ ${s.atLeast.value}` : '-';
  const band = s.band ?? (s.atLeast?.band ? `at least ${s.atLeast.band}` : 'unknown');
  const parts = s.components.map((c) => {
    const v = c.input ? `${String(c.input.value)}${c.input.unit ? ` ${c.input.unit.ucum}` : ''}` : '';
    const pts = c.points !== undefined ? ` [${c.points}]` : '';
    const mark = c.state === 'used' ? '' : ` ${c.state.toUpperCase()}${c.input ? ` (${age(c.input.ageMs)} old)` : ''}`;
    return `${c.parameter} ${v}${pts}${mark}`.replace(/\s+/g, ' ').trim();
  });
  return `${name.padEnd(12)} ${value.padEnd(5)} ${band.padEnd(18)} ${s.status === 'incomplete' ? 'INCOMPLETE ' : ''}${s.scale === 2 ? '(SpO2 scale 2) ' : ''}\n    ${parts.join('; ')}`;
}

export async function scoresCommand(o: { socket?: string; json?: boolean }): Promise<number> {
  const r = await ask<EarlyWarningReport>('ews', o.socket);
  if (o.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else if (!r.scores) process.stdout.write('no scores yet (early warning is off, or nothing has been measured)\n');
  else {
    const s = r.scores;
    const lines = [scoreLine(s.news2), scoreLine(s.qsofa), scoreLine(s.shockIndex), 'Escalation prompts, not a diagnosis.'];
    if (r.alerts.length) lines.push('', 'recent alerts:', ...r.alerts.slice(-5).map((a) => `  ${a.observedAt.slice(11, 19)} ${a.priority.toUpperCase().padEnd(6)} ${a.text}`));
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return r.scores ? EXIT.ok : EXIT.failure;
}
