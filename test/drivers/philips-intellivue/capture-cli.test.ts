// `ambulink capture` → `ambulink decode` from a live simulated monitor (the capture format is what the capture
// command writes), and `ambulink sim` for the IntelliVue simulator. Runs the built CLI (npm run build first).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { philipsIntellivue } from '../../../drivers/philips-intellivue/index.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { CanonicalRecord } from '../../../src/schema/index.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/tmp.js';

async function decode(file: string) {
  const res = await runCli(['decode', '--driver', 'philips-intellivue', '--input', file]);
  const records = res.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as CanonicalRecord);
  return { ...res, records };
}

t.test('ambulink capture from a live LAN monitor writes a file ambulink decode reads back', async (t) => {
  const dir = tempDir(t);
  const sim = await philipsIntellivue.simulator!.start({ endpoint: { type: 'udp', host: '127.0.0.1', port: 0 }, params: { seed: '5' }, log: silentLogger() });
  t.teardown(() => sim.stop());
  const port = Number(/:(\d+) /.exec(sim.description)![1]);
  const config = join(dir, 'vehicle.yaml');
  writeFileSync(
    config,
    stringify({
      vehicle: { id: 'CAP-1' },
      storage: { dataDir: join(dir, 'data') },
      control: { socket: join(dir, 'control.sock') },
      localBroker: { enabled: false },
      devices: [{ id: 'monitor', driver: 'philips-intellivue', transport: { type: 'udp', host: '127.0.0.1', port } }],
    }),
  );
  const file = join(dir, 'monitor.lan');
  const cap = await runCli(['capture', '--device', 'monitor', '--output', file, '--seconds', '4', '--config', config, '--socket', join(dir, 'none.sock')]);
  t.equal(cap.code, 0, cap.stderr);
  t.ok(readFileSync(file).length > 2000, 'bytes captured');
  const res = await decode(file);
  t.equal(res.code, 0, res.stderr);
  t.match(res.stderr, /0 frames dropped/);
  t.ok(res.records.some((r) => r.kind === 'numeric' && r.metric.ref === 'MDC_ECG_HEART_RATE' && r.validity === 'valid'), 'heart rates');
  t.ok(res.records.some((r) => r.kind === 'waveform' && r.metric.ref === 'MDC_ECG_ELEC_POTL_II' && r.samples.length > 0), 'ECG');
  t.ok(res.records.every((r) => !('source' in r) || r.source?.model === 'M8105A'), 'identity from the MDS Create event in the capture');
});

t.test('ambulink sim lists the simulator and checks its parameters', async (t) => {
  const list = await runCli(['sim']);
  t.match(list.stdout, /philips-intellivue\s+udp, pty/);
  const help = await runCli(['sim', 'philips-intellivue', '--help']);
  t.match(help.stdout, /--scenario VALUE\s+patient: normal \| stemi \| desaturation \| leads-off/);
  const bad = await runCli(['sim', 'philips-intellivue', '--udp', '127.0.0.1:0', '--scenario', 'asystole'], { timeoutMs: 30_000 });
  t.not(bad.code, 0);
  t.match(bad.stderr, /--scenario must be one of/);
});
