// Remote authority lapses without renewal: the crew is alerted, it is logged, the settings stay as they are, and the
// lapsed lease cannot be used again (NO_LEASE).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseLog } from '../../src/audit/verify.js';
import { startRig } from '../helpers/setpoint-rig.js';
import { waitFor } from '../helpers/wait.js';

t.test('a lease that is not renewed lapses', async (t) => {
  const rig = await startRig(t, { setpoints: { leaseS: 10 } });
  await rig.openEncounter();
  await rig.current('fio2');
  const { env, result } = await rig.run({ param: 'fio2', value: 55 });
  t.equal(result.state, 'Fin');
  const lapsed = await waitFor(
    () => rig.daemon.records.find((r) => r.kind === 'event' && r.event === 'setpoint.alert' && (r.detail as { reason: string }).reason === 'NO_LEASE'),
    'the crew alerted that remote authority lapsed',
    40_000,
  );
  t.match(String((lapsed as unknown as { detail: { message: string } }).detail.message), /settings stay as they are/);
  const log = parseLog(readFileSync(join(rig.dir, 'data', 'audit', 'audit.log'), 'utf8'));
  t.ok(log.records.some((r) => r.type === 'LEASE' && r.payload.event === 'ended' && r.payload.leaseId === env.command.leaseId), 'logged');
  t.equal(rig.device.state.settings.fio2, 55, 'the setting is unchanged');
  t.equal(rig.device.writes.length, 1);
  await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 56, leaseId: env.command.leaseId }), 'NO_LEASE');
});
