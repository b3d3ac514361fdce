// `ambulink demo`'s crew console and hospital view: a self-signed certificate for the console (only into the demo
// directory), and the read-only hospital view beside the stand-in hospital broker.
import { dirname } from 'node:path';
import type { StandInBroker } from '../../broker/stand-in-broker.js';
import type { VehicleConfig } from '../../config/index.js';
import { HospitalView } from '../../console/hospital-view.js';
import { selfSignedCertificate } from '../../console/self-signed.js';

/** Where the demo's hospital view listens (loopback): next to the console (18444 beside 18443), or any free port when
 * the console's port is 0 (so two demos, as in the tests, never share one). */
function hospitalViewPort(config: VehicleConfig): number {
  return config.console.enabled && config.console.port > 0 ? config.console.port + 1 : 0;
}

/** Makes the console's certificate when the YAML enables the console and points its files into the demo directory. */
export function prepareDemoConsole(config: VehicleConfig, dir: string): void {
  const { enabled, cert, key } = config.console;
  if (!enabled || !cert || !key || !cert.startsWith(`${dir}/`) || dirname(cert) !== dirname(key)) return;
  const made = selfSignedCertificate(dirname(cert), `ambulink demo ${config.vehicle.id}`);
  if (made.cert !== cert || made.key !== key) throw new Error(`the demo makes console.cert and console.key as ${made.cert} and ${made.key}`);
}

export async function startHospitalView(config: VehicleConfig, broker: StandInBroker): Promise<HospitalView> {
  const view = new HospitalView(broker, config.vehicle.id, '127.0.0.1', hospitalViewPort(config));
  await view.start();
  return view;
}

/** The lines the demo prints about the console (its URL as the daemon's status reports it, else as configured). */
export function consoleLines(config: VehicleConfig, reported: string | undefined, view: HospitalView | undefined): string[] {
  const c = config.console;
  const consoleUrl = reported ?? (c.enabled && c.port ? `https://${c.host}:${c.port}/` : undefined);
  const users = config.localBroker.users.map((u) => `${u.username} (${u.role})`).join(', ');
  const secrets = dirname(config.localBroker.users[0]?.passwordFile ?? '.');
  return [
    ...(consoleUrl ? [`  console     ${consoleUrl}  crew console, self-signed certificate; users ${users}, passwords in ${secrets}`] : []),
    ...(view ? [`  hosp. view  ${view.url}  the hospital's read-only view of this vehicle`] : []),
  ];
}
