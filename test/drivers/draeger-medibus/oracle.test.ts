// The decoder against the fixtures, offline (as `ambulink decode` runs it) and through the CLI itself.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { draegerMedibus } from '../../../drivers/draeger-medibus/index.js';
import { driverOptions } from '../../../src/cli/commands/decode.js';
import { ConfigError, parseConfig } from '../../../src/config/index.js';
import { packageRoot } from '../../../src/core/paths.js';
import { isCanonicalRecord, type AlarmRecord, type CanonicalRecord, type NumericRecord, type SettingRecord, type WaveformRecord } from '../../../src/schema/index.js';
import { runCli } from '../../helpers/cli.js';

const dir = join(packageRoot(), 'fixtures/draeger-medibus');
const RX = { wallMs: Date.UTC(2026, 0, 1, 12), monoMs: 1000 };

function decode(file: string, options: string[] = []): CanonicalRecord[] {
  const dec = draegerMedibus.offline!(driverOptions(draegerMedibus, options) as never, { vehicle: 'V', device: 'vent', driver: 'draeger-medibus' });
  const out: CanonicalRecord[] = [];
  dec.push(readFileSync(join(dir, file)), RX, (r) => out.push(r));
  dec.end(RX, (r) => out.push(r));
  return out;
}

const numerics = (rs: CanonicalRecord[]) => rs.filter((r): r is NumericRecord => r.kind === 'numeric');
const settings = (rs: CanonicalRecord[]) => rs.filter((r): r is SettingRecord => r.kind === 'setting');
const byLabel = (rs: Array<NumericRecord | SettingRecord>) => Object.fromEntries(rs.map((r) => [r.label, r.value]));

t.test("the spec's worked CP1 reply: SpO2 98 % and pulse 70/min, nothing from the empty reply", async (t) => {
  const rs = decode('spec-frames.bin');
  t.equal(rs.length, 2);
  t.match(rs[0], { kind: 'numeric', metric: { code: 150456, ref: 'MDC_PULS_OXIM_SAT_O2' }, value: 98, unit: { ucum: '%', mdc: 262688 }, validity: 'valid', vendor: { code: 'EB' } });
  t.match(rs[1], { kind: 'numeric', metric: { ref: 'MDC_PULS_OXIM_PULS_RATE' }, value: 70, unit: { ucum: '/min' } });
  t.equal(rs[0]!.observedAt, '2026-01-01T12:00:00.000Z', 'MEDIBUS has no timestamps: observed when received');
  for (const r of rs) t.ok(isCanonicalRecord(r));
});

t.test('the constructed vectors: ventilator values, settings, alarm and mode', async (t) => {
  const rs = decode('vector-frames.bin');
  t.same(byLabel(numerics(rs)), { RR: 15, VTe: 500, PIP: 22, PEEP: 5, MV: 7.5, FiO2: 40 });
  const pip = numerics(rs).find((r) => r.label === 'PIP')!;
  t.match(pip, { metric: { ref: 'MDC_PRESS_AWAY_INSP_MAX' }, unit: { ucum: 'hPa', mdc: 265986 } }, 'mbar is published as hPa, unconverted');
  t.same(byLabel(settings(rs)), { Mode: 'IPPV', FiO2: 40, RR: 15, PEEP: 5, VT: 500 });
  const alarm = rs.find((r): r is AlarmRecord => r.kind === 'alarm')!;
  t.match(alarm, { alarmId: 'cp1-10', text: 'PAW HIGH', priority: 'high', category: 'physiological', state: 'active', vendor: { code: '10' } });
  t.match(decode('vector-frames.bin', ['alarmPriority={"high":20,"medium":10}']).find((r) => r.kind === 'alarm'), { priority: 'medium' }, 'priority 14 is medium when high starts at 20');
});

t.test('a whole session: embedded command, interleaved curves, configuration change, absence = invalid', async (t) => {
  const rs = decode('ventilator-session.bin');
  for (const r of rs) if (!isCanonicalRecord(r)) t.fail(`invalid record ${JSON.stringify(r)}`);
  const n = numerics(rs);
  const firstPoll = byLabel(n.slice(0, 11));
  t.same(firstPoll, { PIP: 22, Pplat: 18, Pmean: 9, PEEP: 5, VTe: 500, MV: 7.5, RR: 15, FiO2: 40, etCO2: 38, SpO2: 97, 'I:E': 0.5 }, 'the CP1 reply survived the command and realtime bytes inside it');
  t.same(byLabel(n.filter((r) => r.metric.ref === 'MDC_VOL_AWAY_TIDAL_INSP' || r.metric.ref === 'MDC_VOL_AWAY_TIDAL_EXP')), { VTe: 500, VTi: 510 }, 'code page 2');
  t.same(byLabel(settings(rs).slice(0, 7)), { FiO2: 40, VT: 500, Ti: 1.2, RR: 15, PEEP: 5, Pinsp: 20, 'I:E': 0.5 });
  const modes = settings(rs).filter((r) => r.metric.ref === 'MDC_VENT_MODE').map((r) => r.value);
  t.same(modes, ['IPPV', 'CPAP']);
  const alarms = rs.filter((r): r is AlarmRecord => r.kind === 'alarm').map((r) => `${r.alarmId} ${r.state}`);
  t.same(alarms, ['cp1-10 active', 'cp1-10 cleared'], 'the alarm is cleared when the device stops reporting it');
  const secondPoll = n.slice(-11);
  const invalid = secondPoll.filter((r) => r.validity === 'invalid').map((r) => r.label).sort();
  t.same(invalid, ['I:E', 'SpO2', 'etCO2'], 'codes missing from a reply are published invalid, with no value');
  for (const r of secondPoll) t.equal(r.value === null, r.validity === 'invalid');
  t.equal(secondPoll.find((r) => r.label === 'FiO2')!.value, 45);

  const waves = rs.filter((r): r is WaveformRecord => r.kind === 'waveform');
  const paw = waves.filter((w) => w.metric.ref === 'MDC_PRESS_AWAY');
  t.same(paw.map((w) => w.samples.length), [25, 1, 25], 'a block of 25 (500 ms at 50 Hz), the rest flushed at the configuration change, then 25 more');
  t.equal(paw[0]!.rate, 50);
  t.same(paw[0]!.samples.slice(0, 3), [0x0b9, 0x0b9, 0x0ba], 'the realtime record inside the CP1 reply is the first sample');
  t.ok(Math.abs(paw[0]!.scale.factor - 110 / 4095) < 1e-12 && paw[0]!.scale.offset === -10, 'scale from the configuration: MIN + raw × (MAX − MIN) / MAXBIN');
  t.ok(Math.abs(0x0b9 * paw[0]!.scale.factor + paw[0]!.scale.offset - -5.03) < 0.01);
  t.equal(waves.filter((w) => w.metric.ref === 'MDC_AWAY_CO2').length, 2, 'CO2 stops after the device withdrew it');
  t.same(new Set(waves.map((w) => w.metric.ref)), new Set(['MDC_PRESS_AWAY', 'MDC_FLOW_AWAY', 'MDC_VOL_AWAY', 'MDC_AWAY_CO2']));

  const noCurves = decode('ventilator-session.bin', ['curves=["flow"]']).filter((r): r is WaveformRecord => r.kind === 'waveform');
  t.ok(noCurves.length > 0 && noCurves.every((w) => w.metric.ref === 'MDC_FLOW_AWAY'), 'with curves: [flow], stream 1 is flow');
});

t.test('ambulink decode --driver draeger-medibus prints the records as NDJSON and the framing on stderr', async (t) => {
  const res = await runCli(['decode', '--driver', 'draeger-medibus', '--input', join(dir, 'ventilator-session.bin'), '--received-at', '2026-01-01T12:00:00.000Z']);
  t.equal(res.code, 0, res.stderr);
  const records = res.stdout.trim().split('\n').map((l) => JSON.parse(l) as CanonicalRecord);
  t.same(records.map((r) => r.kind), decode('ventilator-session.bin').map((r) => r.kind));
  t.match(res.stderr, /draeger-medibus: \d+ frames, \d+ records, 1 frames dropped \(1 checksum errors\), \d+ bytes skipped/);
});

t.test('options are checked at config load: alarm priority thresholds in order', async (t) => {
  const yaml = `vehicle: { id: V1 }
devices:
  - id: vent
    driver: draeger-medibus
    transport: { type: serial, path: /dev/ttyUSB0 }
    options:
      alarmPriority:
        high: 5
        medium: 10
`;
  let caught: unknown;
  try {
    parseConfig(yaml, 'vehicle.yaml', {});
  } catch (err) {
    caught = err;
  }
  t.ok(caught instanceof ConfigError, 'refused');
  t.match((caught as ConfigError).problems, [{ path: 'devices[0].options.alarmPriority.medium', line: 9, message: /medium \(10\) is above high \(5\)/ }]);
  const ok = parseConfig(yaml.replace('medium: 10', 'medium: 4'), 'vehicle.yaml', {});
  t.same(ok.config.devices[0]!.options, {
    alarmPriority: { high: 5, medium: 4 },
    pollIntervalMs: 1000,
    codePage2: true,
    curves: ['airway-pressure', 'flow', 'volume', 'co2'],
    waveformBlockMs: 500,
  }, 'and the defaults filled in');
});
