// GE S/5 alarms across a restart of the gateway, against the simulator on a real pty. The monitor reports alarm
// changes only (differential mode: it does not send the state displayed when the mode is entered), so what tells a
// restarted gateway the current state is the status it asks for once on attach. That first status is a full state:
// every displayed alarm is reported active again, and an alarm reported active before the restart that is no longer
// displayed is reported cleared, though the monitor never sent a change for it after the restart.
import { join } from 'node:path';
import t from 'tap';
import { geS5Simulator } from '../../../drivers/ge-s5/simulator.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { AlarmRecord } from '../../../src/schema/index.js';
import { startDaemon, type TestDaemon } from '../../helpers/daemon.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait.js';

const monitor = (path: string) => ({
  devices: [{ id: 'monitor', driver: 'ge-s5', transport: { type: 'serial', path, baudRate: 115200 }, options: { intervalS: 5 }, staleAfterMs: 20_000 }],
});
const alarms = (d: TestDaemon) => d.records.filter((r): r is AlarmRecord => r.kind === 'alarm').map((a) => `${a.state} ${a.text}`);

t.test('after a restart the first alarm status is the full state: still displayed → active again, gone meanwhile → cleared', async (t) => {
  const dir = tempDir(t);
  const pty = join(dir, 'mon.pty');
  const sim = await geS5Simulator.start({ endpoint: { type: 'pty', path: pty }, params: { scenario: 'normal' }, log: silentLogger() });
  t.teardown(() => sim.stop());
  sim.setAlarms([
    { text: 'SpO2 LOW', priority: 'high' },
    { text: 'ECG LEADS OFF', priority: 'medium' },
  ]);
  const first = await startDaemon(t, monitor(pty), { dir });
  await waitFor(() => alarms(first).length >= 2, 'the displayed alarms reported');
  t.same(alarms(first).sort(), ['active ECG LEADS OFF', 'active SpO2 LOW']);
  await first.stop();

  // While the gateway is down, SpO2 LOW clears; the leads stay off. Nothing changes after the gateway is back.
  sim.setAlarms([{ text: 'ECG LEADS OFF', priority: 'medium' }]);
  const second = await startDaemon(t, monitor(pty), { dir });
  await waitFor(() => alarms(second).length >= 2, () => `the full state after the restart (got ${JSON.stringify(alarms(second))})`);
  t.same(alarms(second).sort(), ['active ECG LEADS OFF', 'cleared SpO2 LOW'], 'the current state, the cleared alarm included');
  const cleared = second.records.find((r): r is AlarmRecord => r.kind === 'alarm' && r.state === 'cleared')!;
  t.equal(cleared.priority, 'high', 'cleared with the priority it was reported with');

  // And from then on, changes as they come.
  sim.setAlarms([]);
  await waitFor(() => alarms(second).includes('cleared ECG LEADS OFF'), 'the change after the restart');
  t.equal(alarms(second).length, 3, 'nothing reported twice within the link');
});
