// `ambulink handover status | release <destination> | dead-letters <destination>`: the handover queues per destination
// (queued, oldest, last ACK, parked, dead-lettered, link), un-parking one, and what a destination refused for good.
import { callDaemon, DaemonError, resolveSocket } from '../../control/client.js';
import type { HandoverReport } from '../../handover/extension.js';
import type { DestinationStatus } from '../../handover/queue.js';
import { ask } from '../daemon-call.js';
import { EXIT, age, fail, table } from '../output.js';

const NOT_CONFIGURED = 'this daemon sends no handover: no destinations under handover: in its vehicle file';

async function report(socket: string | undefined): Promise<HandoverReport> {
  try {
    return (await callDaemon(resolveSocket(socket), 'handover')) as HandoverReport;
  } catch (err) {
    if (err instanceof DaemonError && err.code === 'unknown-method') fail(NOT_CONFIGURED);
    return ask<HandoverReport>('handover', socket); // the same call, for ask's exit codes and messages
  }
}

const ago = (iso: string | null, nowMs: number) => (iso ? `${age(Math.max(0, nowMs - Date.parse(iso)))} ago` : 'never');

/** Needs an operator: parked, refused messages kept, or the link down. */
export function needsAttention(d: DestinationStatus): boolean {
  return d.parked !== null || d.deadLettered > 0 || d.link !== 'connected';
}

export function renderHandover(r: HandoverReport, nowMs = Date.now()): string {
  const lines = [
    table(
      ['DESTINATION', 'KIND', 'LINK', 'QUEUED', 'OLDEST', 'LAST ACK', 'IN FLIGHT', 'PARKED', 'DEAD-LETTERED'],
      r.destinations.map((d) => [
        d.name,
        d.kind,
        d.link,
        String(d.queued),
        d.oldestAgeMs === null ? '-' : age(d.oldestAgeMs),
        ago(d.lastAckAt, nowMs),
        d.inFlight ? `${d.inFlight.type} ${d.inFlight.id}${d.inFlight.attempts > 1 ? ` (try ${d.inFlight.attempts})` : ''}` : '-',
        d.parked ? 'PARKED' : 'no',
        String(d.deadLettered),
      ]),
    ),
  ];
  for (const d of r.destinations) {
    if (d.parked) {
      lines.push(`${d.name}: parked since ${d.parked.since.slice(11, 19)} at message ${d.parked.messageId}: ${d.parked.reason} — fix the cause, then: ambulink handover release ${d.name}`);
    }
    if (d.deadLettered > 0) lines.push(`${d.name}: ${d.deadLettered} message(s) refused for good (kept): ambulink handover dead-letters ${d.name}`);
    if (d.lastError && !d.parked) lines.push(`${d.name}: last error: ${d.lastError}`);
  }
  return lines.join('\n');
}

export async function handoverStatusCommand(opts: { json?: boolean; socket?: string }): Promise<number> {
  const r = await report(opts.socket);
  process.stdout.write(opts.json ? `${JSON.stringify(r, null, 2)}\n` : `${renderHandover(r)}\n`);
  return r.destinations.some(needsAttention) ? EXIT.failure : EXIT.ok;
}

export async function handoverReleaseCommand(destination: string, opts: { socket?: string }): Promise<number> {
  await report(opts.socket);
  const { released } = await ask<{ released: boolean }>('handover.release', opts.socket, { destination });
  process.stdout.write(
    released
      ? `${destination}: released; the parked message is sent again first, then the rest in order\n`
      : `${destination}: was not parked\n`,
  );
  return released ? EXIT.ok : EXIT.failure;
}

interface DeadLetterRow {
  seq: number;
  id: string;
  type: string;
  builtAt: string;
  deadLetteredAt: string;
  reason: string;
  body: string;
}

export async function handoverDeadLettersCommand(destination: string, opts: { json?: boolean; body?: boolean; limit?: string; socket?: string }): Promise<number> {
  await report(opts.socket);
  const limit = opts.limit ? Number(opts.limit) : 100;
  if (!Number.isInteger(limit) || limit < 1) fail(`--limit must be a whole number above 0, got "${opts.limit}"`, EXIT.usage);
  const rows = await ask<DeadLetterRow[]>('handover.deadletters', opts.socket, { destination, limit });
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  } else if (rows.length === 0) {
    process.stdout.write(`${destination}: no dead letters\n`);
  } else {
    process.stdout.write(`${table(['DEAD-LETTERED', 'ID', 'TYPE', 'BUILT', 'REASON'], rows.map((r) => [r.deadLetteredAt, r.id, r.type, r.builtAt, r.reason]))}\n`);
    if (opts.body) for (const r of rows) process.stdout.write(`\n${r.id}:\n${r.body.replace(/\r/g, '\n')}`);
  }
  return EXIT.ok;
}
