// `ambulink outbox`: what waits for the hospital, per priority class, and the state of the link.
import type { OutboxStats, StreamInfo } from '../../outbox/index.js';
import type { LinkStats } from '../../uplink/index.js';
import type { HandoverReport } from '../../handover/extension.js';
import { callDaemon, DaemonError, DaemonNotRunning, resolveSocket } from '../../control/client.js';
import { EXIT, age, fail, table } from '../output.js';

type OutboxReport = OutboxStats & { streams: StreamInfo[] };

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

const count = (n: number) => n.toLocaleString('en-US');

async function ask<T>(socket: string, method: string): Promise<T | undefined> {
  try {
    return (await callDaemon(socket, method)) as T;
  } catch (err) {
    if (err instanceof DaemonNotRunning) fail(err.message, EXIT.notRunning);
    if (err instanceof DaemonError && err.code === 'unknown-method') return undefined;
    if (err instanceof DaemonError) fail(err.message, err.code === 'permission' ? EXIT.notRunning : EXIT.failure);
    throw err;
  }
}

export function renderOutbox(o: OutboxReport, link: LinkStats | undefined, nowMs = Date.now(), handover?: HandoverReport): string {
  const lines: string[] = [];
  lines.push(
    `outbox  ${o.state.toUpperCase()}${o.error ? ` (${o.error})` : ''} — ${count(o.records)} record(s), ${bytes(o.bytes)} of ${bytes(o.maxBytes)}` +
      `${o.overQuota ? ' (OVER QUOTA)' : ''}; draining ${count(o.drainRecordsPerS)} records/s; in flight ${o.inflightMessages} message(s), ${count(o.inflightRecords)} record(s)`,
  );
  if (o.memoryRing.records > 0) lines.push(`        ${count(o.memoryRing.records)} record(s) held in memory (${bytes(o.memoryRing.bytes)} of ${bytes(o.memoryRing.capacityBytes)}): storage unwritable`);
  if (link) {
    const since = link.connectedSince ? `since ${link.connectedSince.slice(11, 19)}` : '';
    const puback = link.lastPubackAt ? `last PUBACK ${age(nowMs - Date.parse(link.lastPubackAt))} ago` : 'no PUBACK yet';
    lines.push(
      `link    ${link.state.toUpperCase()} ${link.url}${link.protocol ? ` (MQTT ${link.protocol === 5 ? '5' : '3.1.1'})` : ''} ${since}; ` +
        `RTT ${link.rttMs === null ? '-' : `${link.rttMs} ms`}; ${puback}; ${link.reconnects} reconnect(s), ${link.stalls} stall(s)` +
        `${link.lastError && link.state !== 'connected' ? `; last error: ${link.lastError}` : ''}`,
    );
  } else {
    lines.push('link    no uplink running');
  }
  // The handover queues are not the outbox's, but what they refused is loss to the hospital's systems: shown here too.
  for (const d of handover?.destinations ?? []) {
    lines.push(
      `handover ${d.name} (${d.kind}): ${count(d.queued)} queued, ${count(d.deadLettered)} dead-lettered${d.parked ? ', PARKED' : ''}; link ${d.link}` +
        `${d.deadLettered > 0 ? ` — ambulink handover dead-letters ${d.name}` : ''}`,
    );
  }
  lines.push('');
  lines.push(
    table(
      ['CLASS', 'RECORDS', 'BYTES', 'QUOTA', 'OLDEST', 'IN FLIGHT', 'EVICTED', 'EXPIRED', 'POLICY'],
      o.classes.map((c) => [
        c.class,
        count(c.records),
        bytes(c.bytes),
        `${bytes(c.quotaBytes)}${c.bytes > c.quotaBytes ? ' (over)' : ''}`,
        c.oldestAgeMs === null ? '-' : age(c.oldestAgeMs),
        count(c.inflightRecords),
        count(c.evicted),
        count(c.expired),
        c.evictable ? `evictable, expires after ${c.expirySeconds ? age(c.expirySeconds * 1000) : 'never'}` : 'never dropped',
      ]),
    ),
  );
  return lines.join('\n');
}

export async function outboxCommand(opts: { json?: boolean; socket?: string }): Promise<number> {
  const socket = resolveSocket(opts.socket);
  const o = await ask<OutboxReport>(socket, 'outbox');
  if (!o) fail('this daemon runs no outbox: no uplink is configured in its vehicle file (uplink: url: …)');
  const link = await ask<LinkStats>(socket, 'uplink');
  const handover = await ask<HandoverReport>(socket, 'handover');
  if (opts.json) process.stdout.write(`${JSON.stringify({ ...o, link: link ?? null, handover: handover ?? null }, null, 2)}\n`);
  else process.stdout.write(`${renderOutbox(o, link, Date.now(), handover)}\n`);
  // Exit 1 when something needs attention: storage not writable, a quota exceeded, or the link down.
  return o.state === 'ok' && !o.overQuota && link?.state === 'connected' ? EXIT.ok : EXIT.failure;
}
