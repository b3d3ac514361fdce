// `ambulink decode` and `ambulink sim` for the monitor drivers, as an operator runs them (needs `npm run build`).
import { join } from 'node:path';
import t from 'tap';
import { packageRoot } from '../../src/core/paths.js';
import type { NumericRecord } from '../../src/schema/index.js';
import { runCli } from '../helpers/cli.js';

const fixture = (driver: string, file: string) => join(packageRoot(), 'fixtures', driver, file);
const parse = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as NumericRecord);

t.test('ambulink decode --driver ge-s5 on the real AS/3 capture', async (t) => {
  const r = await runCli(['decode', '--driver', 'ge-s5', '--input', fixture('ge-s5', 'AS3Rawoutput1.raw'), '--received-at', '2026-01-01T00:00:00.000Z']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /ge-s5: 123 frames, \d+ records, 2 frames dropped \(2 checksum errors\)/);
  const records = parse(r.stdout);
  const hr = records.filter((x) => x.metric?.code === 147842);
  t.equal(hr.length, 123);
  t.ok(hr.every((x) => x.value === 78 && x.unit.ucum === '/min'), 'HR 78/min throughout, as VSCapture read it');
  t.equal(hr[0]!.observedAt, '2021-07-03T03:14:19.000Z');
  const fio2 = records.find((x) => x.metric?.ref === 'MDC_CONC_AWAY_O2_INSP');
  t.equal(fio2?.value, 24.43);
});

t.test('ambulink decode --driver ge-s5 on the simulator capture: numerics, waves and the STEMI alarm', async (t) => {
  const r = await runCli(['decode', '--driver', 'ge-s5', '--input', fixture('ge-s5', 'sim-stemi.bin')]);
  t.equal(r.code, 0, r.stderr);
  const records = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; label?: string; rate?: number; text?: string });
  t.ok(records.some((x) => x.kind === 'waveform' && x.label === 'ECG1' && x.rate === 300));
  t.ok(records.some((x) => x.kind === 'alarm' && x.text === 'ST V2-V4 ELEVATED'));
});

t.test('ambulink decode --driver hl7-pcd01 decodes the real samples completely', async (t) => {
  const nibp = await runCli(['decode', '--driver', 'hl7-pcd01', '--input', fixture('hl7-pcd01', 'ipf-pcd01-request-nibp.mllp')]);
  t.equal(nibp.code, 0, nibp.stderr);
  t.same(parse(nibp.stdout).map((x) => [x.metric.code, x.value, x.unit.ucum]), [
    [150021, 120, 'mm[Hg]'],
    [150022, 80, 'mm[Hg]'],
    [150023, 100, 'mm[Hg]'],
  ]);
  const aware = await runCli(['decode', '--driver', 'hl7-pcd01', '--input', fixture('hl7-pcd01', 'ipf-pcd01-request2-awaregateway.mllp')]);
  t.equal(parse(aware.stdout).length, 9, 'all nine observations');
  t.match(aware.stderr, /hl7-pcd01: 1 frames, 9 records/);
});

t.test('ambulink sim lists both monitors and refuses an unknown scenario', async (t) => {
  const list = await runCli(['sim']);
  t.match(list.stdout, /ge-s5\s+pty, tcp-server/);
  t.match(list.stdout, /hl7-pcd01\s+tcp-client/);
  const help = await runCli(['sim', 'ge-s5', '--help']);
  t.match(help.stdout, /--scenario VALUE/);
  const bad = await runCli(['sim', 'ge-s5', '--pty', join(packageRoot(), 'no-such-dir', 'x.pty'), '--scenario', 'nonsense'], { timeoutMs: 30_000 });
  t.not(bad.code, 0);
  t.match(bad.stderr, /scenario must be one of normal, stemi, desaturation/);
});

t.test('ambulink decode --driver hl7-pcd01 takes a capture saved as plain text (no MLLP bytes)', async (t) => {
  const r = await runCli(['decode', '--driver', 'hl7-pcd01', '--input', fixture('hl7-pcd01', 'acm-leads-off-desat.hl7')]);
  t.equal(r.code, 0, r.stderr);
  const records = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; code?: { ref: string } });
  t.same(records.map((x) => [x.kind, x.code?.ref]), [
    ['alarm', 'MDC_EVT_LEADS_OFF'],
    ['alarm', 'MDC_EVT_LO_VAL_LT_LIM'],
  ]);
  t.match(r.stderr, /hl7-pcd01: 1 frames, 2 records/);
});
