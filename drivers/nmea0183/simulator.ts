// A GPS receiver on a pty (or TCP): replays a real NMEA log at the log's own pace, epoch by epoch, optionally with
// its times rewritten to now, and with faults on request (random garbage, corrupted sentences).
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { packageRoot } from '../../src/core/paths.js';
import { openSimPort } from '../sdk/sim-port.js';
import { flagParam, numberParam, type SimulatorDefinition } from '../sdk/simulator.js';
import { nmeaChecksum } from './framer.js';
import { parseTimeOfDay } from './sentences.js';

export const DEFAULT_LOG = 'fixtures/nmea0183/bt451.log';
/** Pause used where the log gives no usable time step (no-fix epochs, jumps between recording sessions). */
const DEFAULT_STEP_MS = 1000;

export interface ReplayEpoch {
  /** Sentence bodies (between `$` and `*`). */
  bodies: string[];
  /** Milliseconds to wait before sending the next epoch. */
  stepMs: number;
}

/** The cycle time of a position sentence as the decoder reads it (ms of the UTC day; -1 when empty), else undefined. */
function timeOf(body: string): number | undefined {
  const f = body.split(',');
  const type = f[0]!.slice(2);
  const field = type === 'RMC' || type === 'GGA' || type === 'GNS' ? f[1] : type === 'GLL' ? f[5] : undefined;
  if (field === undefined && type !== 'GLL') return undefined;
  return parseTimeOfDay(field) ?? -1;
}

/** Splits a log into epochs the way a receiver emits them, with the pause the log implies after each. */
export function epochsOf(text: string): ReplayEpoch[] {
  const epochs: Array<{ bodies: string[]; time: number | undefined; types: Set<string> }> = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line.startsWith('$')) continue;
    const star = line.lastIndexOf('*');
    const body = line.slice(1, star > 0 ? star : undefined);
    const type = body.split(',', 1)[0]!; // the address: GPGGA and GLGGA of one second are one epoch
    const time = timeOf(body);
    const cur = epochs[epochs.length - 1];
    const timed = time !== undefined;
    if (!cur || (timed && ((cur.time !== undefined && cur.time !== time) || cur.types.has(type)))) {
      epochs.push({ bodies: [body], time, types: new Set(timed ? [type] : []) });
    } else {
      cur.bodies.push(body);
      if (timed) {
        cur.types.add(type);
        cur.time ??= time;
      }
    }
  }
  return epochs.map((e, i) => {
    const next = epochs[i + 1];
    const a = e.time !== undefined && e.time >= 0 ? e.time : undefined;
    const b = next?.time !== undefined && next.time >= 0 ? next.time : undefined;
    const delta = a !== undefined && b !== undefined ? b - a : undefined;
    return { bodies: e.bodies, stepMs: delta !== undefined && delta > 0 && delta <= 5000 ? delta : DEFAULT_STEP_MS };
  });
}

function hhmmss(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}.${p(Math.floor(d.getUTCMilliseconds() / 10))}`;
}

function ddmmyy(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}${p(d.getUTCMonth() + 1)}${p(d.getUTCFullYear() % 100)}`;
}

/** Rewrites the time (and date) fields of a sentence to `now`, leaving empty (no-fix) fields empty. */
export function retime(body: string, now: Date): string {
  const f = body.split(',');
  const type = f[0]!.slice(2);
  const set = (i: number, v: string) => {
    if (f[i]) f[i] = v;
  };
  switch (type) {
    case 'RMC':
      set(1, hhmmss(now));
      set(9, ddmmyy(now));
      break;
    case 'GGA':
    case 'GNS':
      set(1, hhmmss(now));
      break;
    case 'GLL':
      set(5, hhmmss(now));
      break;
    case 'ZDA':
      set(1, hhmmss(now));
      set(2, String(now.getUTCDate()).padStart(2, '0'));
      set(3, String(now.getUTCMonth() + 1).padStart(2, '0'));
      set(4, String(now.getUTCFullYear()));
      break;
    default:
      return body;
  }
  return f.join(',');
}

export function sentence(body: string): string {
  return `$${body}*${nmeaChecksum(body)}\r\n`;
}

/** One printable character of the body changed, checksum left as it was: the receiver must reject it. */
function corrupted(body: string, random: () => number): string {
  const i = Math.floor(random() * body.length);
  const c = body.charCodeAt(i);
  const replacement = c === 0x30 ? 0x31 : 0x30;
  return `$${body.slice(0, i)}${String.fromCharCode(replacement)}${body.slice(i + 1)}*${nmeaChecksum(body)}\r\n`;
}

function garbage(random: () => number): Buffer {
  const n = 1 + Math.floor(random() * 40);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(random() * 256);
  return b;
}

export const nmeaSimulator: SimulatorDefinition = {
  summary: 'GPS receiver: replays a real NMEA 0183 log at its own pace',
  endpoints: ['pty', 'tcp-server'],
  params: [
    { name: 'log', description: 'NMEA log to replay (comment lines are skipped)', default: DEFAULT_LOG },
    { name: 'speed', description: 'replay speed factor', default: '1' },
    { name: 'once', description: 'play the log once, then stay silent (default: loop)', flag: true },
    { name: 'retime', description: 'rewrite times and dates to now (checksums recomputed)', flag: true },
    { name: 'garbage', description: 'probability per epoch of a burst of random bytes', default: '0' },
    { name: 'corrupt', description: 'probability per sentence of a corrupted character (bad checksum)', default: '0' },
  ],
  async start({ endpoint, params, log }) {
    const file = params.log ?? DEFAULT_LOG;
    const path = isAbsolute(file) ? file : join(packageRoot(), file);
    const epochs = epochsOf(readFileSync(path, 'latin1'));
    if (epochs.length === 0) throw new Error(`${path} holds no NMEA sentences`);
    const speed = numberParam(params, 'speed', 1);
    const pGarbage = numberParam(params, 'garbage', 0);
    const pCorrupt = numberParam(params, 'corrupt', 0);
    const loop = !flagParam(params, 'once');
    const doRetime = flagParam(params, 'retime');
    const port = await openSimPort(endpoint, log);
    const stop = new AbortController();
    const random = Math.random;

    const run = async () => {
      do {
        for (const epoch of epochs) {
          const now = new Date();
          let out = '';
          for (const body of epoch.bodies) {
            const b = doRetime ? retime(body, now) : body;
            out += random() < pCorrupt ? corrupted(b, random) : sentence(b);
          }
          if (random() < pGarbage) port.write(garbage(random));
          port.write(Buffer.from(out, 'latin1'));
          await sleep(epoch.stepMs / speed, undefined, { signal: stop.signal });
        }
      } while (loop);
    };
    const running = run().catch((err: Error) => {
      if (err.name !== 'AbortError') log.error({ err: err.message }, 'nmea simulator failed');
    });
    return {
      description: `${port.description} replaying ${file}${loop ? ' (loop)' : ''}`,
      async stop() {
        stop.abort();
        await running;
        await port.close();
      },
    };
  },
};
