// The README's demo: the real daemon with simulators; moving positions within a minute; `ambulink status` from
// "another terminal" finds it. Runs on a copy of config/demo.yaml with a free port and a private demo directory.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { CLI, runCli } from './helpers/cli.js';
import { demoConfig } from './helpers/demo-config.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';

t.test('ambulink demo shows moving GPS positions and answers ambulink status', async (t) => {
  const dir = tempDir(t);
  const demoDir = join(dir, 'demo');
  const { file, config } = await demoConfig(dir);
  const env = { ...process.env, AMBULINK_DEMO_DIR: demoDir, AMBULINK_SOCKET: '' };
  const demo = spawn(process.execPath, [CLI, 'demo', '--plain', '--duration', '300', '--config', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  demo.stdout.on('data', (d: Buffer) => (out += d.toString()));
  demo.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => demo.once('exit', (code) => r(code)));
  t.teardown(() => {
    if (demo.exitCode === null) demo.kill('SIGKILL');
  });

  const positions = () => [...out.matchAll(/position\s+(-?\d+\.\d+), (-?\d+\.\d+)/g)].map((m) => `${m[1]},${m[2]}`);
  await waitFor(() => new Set(positions()).size >= 3, () => `three different positions (demo output so far:\n${out}\n${err})`, 60_000);
  t.match(out, /ambulink demo — vehicle DEMO-AMB-01/);
  // The hospital side: the next blood-gas result the stand-in hospital broker receives over the uplink.
  const bloodGas = runCli(['tail', '--broker', config.uplink.url, '--topic', 'ambulink/v1/DEMO-AMB-01/data/bga/lab', '--count', '1', '--json'], { env, timeoutMs: 120_000 });

  const status = await runCli(['status'], { env });
  t.equal(status.code, 0, status.stderr);
  t.match(status.stdout, /vehicle DEMO-AMB-01/);
  t.match(status.stdout, /devices: +(\d+)\/\1 connected/, "every simulated device connected");

  // The scripted remote-setpoint example, from "another terminal": signed at the stand-in hospital, received over the
  // uplink, confirmed by the crew, applied and read back, and the audit log verified with the hospital's checkpoints.
  const setpoint = await runCli(['demo', 'setpoint', '--config', file], { env, timeoutMs: 150_000 });
  t.equal(setpoint.code, 0, setpoint.stdout + setpoint.stderr);
  t.match(setpoint.stdout, /1 sign .*FiO2 (\d+) → (\d+)/);
  t.match(setpoint.stdout, /hospital receives Wait/);
  t.match(setpoint.stdout, /5 applied .*: Fin/);
  t.match(setpoint.stdout, /6 audit +audit log intact: \d+ entries, \d+ checkpoint\(s\), [1-9]\d* witnessed by the hospital/);

  // The hospital's interface engine (the demo's stand-in HL7 listener): with the encounter the setpoint example opened,
  // observation reports go over MLLP and are acknowledged.
  const handover = await waitFor(async () => {
    const r = await runCli(['handover', 'status'], { env });
    return /^his\s+hl7v2-mllp\s+connected\s.*\b[\d.]+ (ms|s|min|h) ago/m.test(r.stdout) ? r : undefined;
  }, 'an ACK from the stand-in HL7 listener', 120_000);
  t.match(handover.stdout, /^DESTINATION\s+KIND\s+LINK/);
  t.match(readFileSync(join(demoDir, 'handover-his.hl7'), 'utf8'), /^MSH\|\^~\\&\|AMBULINK\|DEMO-AMB-01\|STANDIN-ENGINE\|DEMO-HOSPITAL\|.*\|ORU\^R01\^ORU_R01\|/m, 'ORU^R01 as received');
  // The hospital's FHIR server (the demo's stand-in): transaction Bundles of the same encounter, validated and stored.
  await waitFor(async () => {
    const r = await runCli(['handover', 'status'], { env });
    return /^ehr\s+fhir-r4\s+connected\s/m.test(r.stdout) ? r : undefined;
  }, 'a transaction committed by the stand-in FHIR server', 120_000);
  const fhirLines = readFileSync(join(demoDir, 'handover-ehr.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { status: number; bundle: { type: string } });
  t.ok(fhirLines.some((l) => l.bundle.type === 'transaction' && l.status === 200), 'a transaction Bundle as received');

  const lab = await bloodGas;
  t.equal(lab.code, 0, lab.stderr);
  const received = JSON.parse(lab.stdout) as { envelope: { stream: string; items: Array<{ seq: string; kind: string; test?: { loinc?: string } }> } };
  t.equal(received.envelope.stream, 'bga/lab', 'a blood-gas result at the hospital');
  t.ok(received.envelope.items.every((i) => i.kind === 'lab' && /^\d+-\d$/.test(i.test?.loinc ?? '') && /^\d+$/.test(i.seq)), 'lab records with LOINC codes and seqs');

  demo.kill('SIGINT');
  t.equal(await exited, 0, `demo stops cleanly on Ctrl-C: ${err}`);
  t.match(out, /demo stopped/);
});
