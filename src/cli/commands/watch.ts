// `ambulink watch`: the latest value of everything, per device, redrawn in place once a second.
import type { DeviceStatus } from '../../../drivers/sdk/supervisor.js';
import { callDaemon, DaemonNotRunning, resolveSocket } from '../../control/client.js';
import type { CanonicalRecord, LabRecord } from '../../schema/index.js';
import { EXIT, age } from '../output.js';

type Latest = Record<string, Array<{ key: string; ageMs: number; record: CanonicalRecord }>>;

const fmt = (n: number | undefined, digits: number) => (n === undefined ? '-' : n.toFixed(digits));

const NAME_WIDTH = 28;

/** A name fitted to the name column: whole words and an ellipsis when it is too long, mid-word only if it has no space. */
export function fitName(name: string, width = NAME_WIDTH): string {
  if (name.length <= width) return name;
  const cut = name.slice(0, width - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > width / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** A lab test's short display name (the test map's, else LOINC's SHORTNAME); LOINC long names do not fit a line. */
function labName(test: LabRecord['test']): string {
  return test.shortName ?? fitName(test.name);
}

/**
 * Kinds a device keeps sending while they are current, so that their age says how fresh they are. An alarm, an event
 * or a lab result is a state, sent when it changes (the IntelliVue decoder diffs the alarm list it polls every
 * second): its age is the time since that change, not staleness, and it stands as long as the device's link does.
 * Ages are the gateway's (monotonic receive time), never the device's clock.
 */
const STREAMED = new Set<CanonicalRecord['kind']>(['numeric', 'setting', 'waveform', 'location']);

export function describeRecord(r: CanonicalRecord): string | undefined {
  switch (r.kind) {
    case 'numeric':
    case 'setting': {
      const v = r.value === null ? `(${r.validity})` : `${typeof r.value === 'number' ? +r.value.toFixed(3) : r.value} ${r.unit?.ucum ?? ''}`;
      return `${(r.label ?? r.metric.ref).padEnd(28)} ${v}${r.value !== null && r.validity !== 'valid' ? ` (${r.validity})` : ''}`;
    }
    case 'waveform':
      return `${(r.label ?? r.metric.ref).padEnd(28)} ~ ${r.rate} Hz, ${r.samples.length} sample(s) in last block`;
    case 'location':
      return r.fix === 'none'
        ? `position                     no fix (${r.satellites ?? 0} satellites)`
        : `position                     ${fmt(r.lat, 6)}, ${fmt(r.lon, 6)}  ${r.speed === undefined ? '' : `${(r.speed * 3.6).toFixed(1)} km/h `}${r.course === undefined ? '' : `${r.course.toFixed(0)}° `}${r.fix}${r.satellites === undefined ? '' : ` ${r.satellites} sats`}  @ ${r.observedAt}`;
    case 'alarm':
      return `ALARM ${r.priority.toUpperCase().padEnd(6)} ${r.text} (${r.state})`;
    case 'lab':
      return `${labName(r.test).padEnd(NAME_WIDTH)} ${r.value ?? r.text ?? '-'} ${r.unit?.ucum ?? ''} ${r.flags.join(' ')} [${r.status}${r.qc ? ', QC' : ''}]`;
    case 'event':
      return `event ${r.event}${typeof r.detail?.text === 'string' ? `: ${r.detail.text}` : ''}`;
    case 'loss':
      return `LOSS ${r.count} record(s) of ${r.stream}, seq ${r.firstSeq}–${r.lastSeq} (${r.reason})`;
    case 'score': {
      const value = r.value ?? (r.atLeast ? `≥ ${r.atLeast.value}` : '-');
      const open = [...r.missing, ...r.stale];
      return `${r.score.padEnd(NAME_WIDTH)} ${value} ${r.band ?? (r.atLeast?.band ? `at least ${r.atLeast.band}` : '-')}${open.length ? ` (incomplete: ${open.join(', ')})` : ''}`;
    }
    case 'alert':
      return `ALERT ${r.priority.toUpperCase().padEnd(6)} ${r.text}`;
    case 'milestone':
      return `milestone ${r.milestone}${r.preArrival ? ` ${r.preArrival.toUpperCase()}` : ''} at ${r.at} (${r.origin} ${r.by})`;
    default:
      return undefined;
  }
}

export function renderWatch(devices: DeviceStatus[], latest: Latest, staleMs = 10_000): string {
  const lines: string[] = [];
  for (const d of devices) {
    lines.push(`■ ${d.id} (${d.driver}) — ${d.state.toUpperCase()}${d.error && d.state !== 'connected' ? `: ${d.error}` : ''}`);
    for (const entry of latest[d.id] ?? []) {
      const text = describeRecord(entry.record);
      if (!text) continue;
      const mark = STREAMED.has(entry.record.kind)
        ? entry.ageMs > staleMs ? `   [stale ${age(entry.ageMs)}]` : ''
        : entry.record.kind === 'alarm' && d.state !== 'connected' ? `   [unconfirmed: device ${d.state}]` : '';
      lines.push(`    ${text}${mark}`);
    }
  }
  return lines.join('\n');
}

export async function watchCommand(opts: { socket?: string; interval?: string }): Promise<number> {
  const socket = resolveSocket(opts.socket);
  const every = Math.max(200, Number(opts.interval ?? 1000));
  const tty = process.stdout.isTTY;
  let stop = false;
  process.on('SIGINT', () => (stop = true));
  while (!stop) {
    try {
      const [devices, latest] = (await Promise.all([callDaemon(socket, 'devices'), callDaemon(socket, 'latest')])) as [DeviceStatus[], Latest];
      const screen = `ambulink watch — ${new Date().toISOString()} (Ctrl-C to leave)\n\n${renderWatch(devices, latest)}\n`;
      process.stdout.write(tty ? `\x1b[H\x1b[2J${screen}` : `${screen}\n`);
    } catch (err) {
      if (err instanceof DaemonNotRunning) {
        process.stderr.write(`ambulink: ${err.message}\n`);
        return EXIT.notRunning;
      }
      throw err;
    }
    await new Promise((r) => setTimeout(r, every));
  }
  return EXIT.ok;
}
