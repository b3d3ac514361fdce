// `ambulink tail --broker URL`: what the hospital receives, as it receives it: every message of a vehicle (or all
// vehicles) with its stream, seq range and historical flag. For the demo's stand-in broker, a bench, or the hospital
// broker itself (with the hospital side's credentials).
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions } from 'mqtt';
import { parseEnvelope } from '../../outbox/index.js';
import type { CanonicalRecord } from '../../schema/index.js';
import { EXIT, fail } from '../output.js';
import { describeRecord } from './watch.js';

export interface TailOptions {
  broker: string;
  vehicle?: string;
  topic?: string;
  json?: boolean;
  username?: string;
  passwordFile?: string;
  ca?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
  protocol?: string;
  /** Stop after this many messages, or seconds (scripts, tests). */
  count?: string;
  seconds?: string;
}

function readOrFail(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    fail(`cannot read ${what} ${file} (${(err as NodeJS.ErrnoException).code})`);
  }
}

export function describeMessage(topic: string, payload: Buffer, retain: boolean): string {
  const time = new Date().toISOString().slice(11, 23);
  if (topic.endsWith('/status')) {
    try {
      const s = JSON.parse(payload.toString()) as { state?: string; vehicle?: string; bdSeq?: number; reason?: string; outbox?: { records?: number } };
      const backlog = s.outbox?.records === undefined ? '' : `, outbox ${s.outbox.records} record(s)`;
      return `${time} ${s.vehicle ?? '?'} status ${String(s.state).toUpperCase()} bdSeq ${s.bdSeq}${s.reason ? ` (${s.reason})` : ''}${backlog}${retain ? ' [retained]' : ''}`;
    } catch {
      return `${time} ${topic} (unreadable status)`;
    }
  }
  const e = parseEnvelope(payload);
  if (!e) return `${time} ${topic} ${payload.length} byte(s), not an ambulink envelope`;
  const last = e.items[e.items.length - 1] as unknown as CanonicalRecord;
  const summary = last && typeof last === 'object' && 'kind' in last ? (describeRecord(last) ?? last.kind) : '';
  const range = e.first === e.last ? `seq ${e.first}` : `seq ${e.first}–${e.last}`;
  return `${time} ${e.vehicle} ${e.stream.padEnd(22)} ${range.padEnd(18)} ${String(e.count).padStart(4)} item(s)${e.historical ? ' HISTORICAL' : '           '}  ${summary.replace(/\s+/g, ' ').trim()}`;
}

export async function tailCommand(opts: TailOptions): Promise<number> {
  const filter = opts.topic ?? `ambulink/v1/${opts.vehicle ?? '+'}/#`;
  const options: IClientOptions = {
    protocolVersion: opts.protocol === '5' ? 5 : 4,
    clientId: `ambulink-tail-${process.pid}`,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    ...(opts.username ? { username: opts.username } : {}),
    ...(opts.passwordFile ? { password: readOrFail(opts.passwordFile, '--password-file').toString().trim() } : {}),
    ...(opts.ca ? { ca: readOrFail(opts.ca, '--ca') } : {}),
    ...(opts.cert ? { cert: readOrFail(opts.cert, '--cert') } : {}),
    ...(opts.key ? { key: readOrFail(opts.key, '--key') } : {}),
    rejectUnauthorized: !opts.insecure,
  };
  const client = mqtt.connect(opts.broker, options);
  let seen = 0;
  const max = opts.count ? Number(opts.count) : Infinity;
  const done = new AbortController();
  client.on('error', (err) => process.stderr.write(`ambulink tail: ${err.message}\n`));
  client.on('connect', () => {
    client.subscribe(filter, { qos: 1 });
    if (!opts.json) process.stderr.write(`ambulink tail: connected to ${opts.broker}, following ${filter}\n`);
  });
  client.on('message', (topic, payload, packet) => {
    if (opts.json) {
      const envelope = parseEnvelope(payload);
      let body: unknown;
      if (envelope) body = envelope;
      else {
        try {
          body = JSON.parse(payload.toString());
        } catch {
          body = payload.toString('base64');
        }
      }
      process.stdout.write(`${JSON.stringify({ topic, retain: packet.retain, ...(envelope ? { envelope: body } : { payload: body }) })}\n`);
    } else {
      process.stdout.write(`${describeMessage(topic, payload, packet.retain)}\n`);
    }
    if (++seen >= max) done.abort();
  });
  process.once('SIGINT', () => done.abort());
  process.once('SIGTERM', () => done.abort());
  if (opts.seconds) setTimeout(() => done.abort(), Number(opts.seconds) * 1000).unref();
  await new Promise<void>((resolve) => done.signal.addEventListener('abort', () => resolve()));
  await client.endAsync(true).catch(() => undefined);
  return EXIT.ok;
}
