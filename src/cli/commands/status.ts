// `ambulink status` and `ambulink devices`.
import type { DeviceStatus } from '../../../drivers/sdk/supervisor.js';
import type { StatusReport } from '../../daemon/control-api.js';
import { ask } from '../daemon-call.js';
import { EXIT, age, table } from '../output.js';

export async function statusCommand(opts: { json?: boolean; socket?: string }): Promise<number> {
  const s = await ask<StatusReport>('status', opts.socket);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
  } else {
    const d = s.devices;
    process.stdout.write(
      [
        `ambulink ${s.version} — vehicle ${s.vehicle}, running ${age(s.uptimeS * 1000)} (pid ${s.pid})`,
        `devices:      ${d.connected}/${d.total} connected${d.stale ? `, ${d.stale} stale` : ''}${d.disconnected ? `, ${d.disconnected} disconnected` : ''}`,
        `records:      ${s.records.accepted} published${s.records.rejected ? `, ${s.records.rejected} REJECTED (driver bug: see the log)` : ''}`,
        `local broker: ${s.localBroker.enabled ? `${s.localBroker.host}:${s.localBroker.port}, ${s.localBroker.clients} client(s)` : 'disabled'}`,
      ].join('\n') + '\n',
    );
  }
  // Exit 1 when a device is not delivering, so scripts and monitoring can act on it.
  return s.devices.connected === s.devices.total ? EXIT.ok : EXIT.failure;
}

export async function devicesCommand(opts: { json?: boolean; socket?: string }): Promise<number> {
  const list = await ask<DeviceStatus[]>('devices', opts.socket);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
  } else if (list.length === 0) {
    process.stdout.write('no devices configured\n');
  } else {
    const now = Date.now();
    process.stdout.write(
      table(
        ['DEVICE', 'DRIVER', 'STATE', 'FOR', 'LAST DATA', 'FRAMES', 'DROPPED', 'CHECKSUM', 'RECONNECTS', 'TRANSPORT / ERROR'],
        list.map((d) => [
          d.id,
          d.driver,
          d.state,
          age(now - Date.parse(d.since)),
          d.lastRecordAt ? `${age(now - Date.parse(d.lastRecordAt))} ago` : '-',
          String(d.counters.framesOk),
          String(d.counters.framesDropped),
          String(d.counters.checksumErrors),
          String(d.counters.reconnects),
          d.error && d.state !== 'connected' ? `${d.transport}: ${d.error}` : d.transport,
        ]),
      ) + '\n',
    );
  }
  return list.every((d) => d.state === 'connected') ? EXIT.ok : EXIT.failure;
}
