// The ventilator simulators as a technician starts them: `ambulink sim …` (needs `npm run build`).
import { spawn } from 'node:child_process';
import t from 'tap';
import modbusSerial from 'modbus-serial';
import type { ModbusRTU } from 'modbus-serial/ModbusRTU.js';
import { CLI, runCli } from '../../helpers/cli.js';
import { waitFor } from '../../helpers/wait.js';

t.test('ambulink sim lists both ventilators and their parameters; a bad fault name is refused', async (t) => {
  const list = await runCli(['sim']);
  t.equal(list.code, 0);
  t.match(list.stdout, /draeger-medibus\s+pty, tcp-server\s+Dräger ventilator/);
  t.match(list.stdout, /modbus-ventilator\s+pty, tcp-server\s+Modbus ventilator/);
  const help = await runCli(['sim', 'modbus-ventilator', '--help']);
  t.match(help.stdout, /--fault VALUE\s+fault met by every write: none, ignore-write, apply-different, apply-late, silent-mid-write, reboot/);
  t.match((await runCli(['sim', 'draeger-medibus', '--help'])).stdout, /--embed-every VALUE/);
  const bad = await runCli(['sim', 'modbus-ventilator', '--tcp-listen', '127.0.0.1:0', '--fault', 'explode']);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /--fault must be one of/);
  const badMode = await runCli(['sim', 'draeger-medibus', '--pty', '/nonexistent/dir/x.pty', '--mode', 'HFOV']);
  t.match(badMode.stderr, /--mode must be one of VC-CMV, PC-CMV, SIMV, CPAP/);
});

t.test('ambulink sim modbus-ventilator serves Modbus TCP that a plain client reads and writes', async (t) => {
  const child = spawn(process.execPath, [CLI, 'sim', 'modbus-ventilator', '--tcp-listen', '127.0.0.1:0', '--fault', 'apply-different'], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGTERM');
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = Number(await waitFor(() => /tcp-server 127\.0\.0\.1:(\d+)/.exec(stderr)?.[1], 'the simulator listening'));
  const client = new (modbusSerial as unknown as new () => ModbusRTU)();
  await client.connectTCP('127.0.0.1', { port });
  client.setID(1);
  client.setTimeout(5000);
  t.teardown(() => new Promise<void>((r) => client.close(() => r())));
  const ppeak = (await client.readInputRegisters(0, 2)).buffer.readFloatBE(0);
  t.ok(ppeak > 10 && ppeak < 40, `Ppeak ${ppeak} cmH2O`);
  await client.writeRegister(2, 80); // PEEP 8.0
  t.equal((await client.readInputRegisters(23, 1)).data[0], 100, '--fault apply-different: PEEP 10.0 applied instead of 8.0');
  const refused = await client.writeRegister(2, 999).then(() => undefined, (e: { modbusCode?: number }) => e.modbusCode);
  t.equal(refused, 3, 'a value outside the device range is an illegal-data-value exception');
});
