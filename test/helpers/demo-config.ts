// A copy of config/demo.yaml for a test's own demo: every port the demo listens on or dials (local broker, console and
// the hospital view beside it, the stand-in hospital broker, the HL7 and FHIR stand-ins, each device's transport and
// so its simulator, the SRT ingest, the IntelliVue driver's Connect Indication listener) made free, so two demos (two
// test files at once) never meet on a port.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { packageRoot } from '../../src/core/paths.js';
import { freePort } from '../../scripts/lib/free-port.js';
import { freeUdpPort } from '../../src/video/ports.js';

export interface DemoYaml {
  localBroker: { port: number };
  console?: { port: number };
  uplink: { url: string };
  handover: { destinations: Array<{ port?: number; baseUrl?: string }> };
  devices: Array<{ driver: string; transport: { port?: number }; options?: { discovery?: { port?: number } } }>;
  video?: { live?: { url?: string } };
}

/** Writes `dir`/demo.yaml (and the demo's secrets beside it); returns the file and what it says. */
export async function demoConfig(dir: string): Promise<{ file: string; config: DemoYaml }> {
  const config = parse(readFileSync(join(packageRoot(), 'config/demo.yaml'), 'utf8')) as DemoYaml;
  config.localBroker.port = 0;
  if (config.console) config.console.port = 0;
  config.uplink.url = `mqtt://127.0.0.1:${await freePort()}`;
  for (const d of config.handover.destinations) {
    if (d.port !== undefined) d.port = await freePort();
    if (d.baseUrl !== undefined) d.baseUrl = `http://127.0.0.1:${await freePort()}/fhir`;
  }
  for (const d of config.devices) {
    if (d.transport.port !== undefined) d.transport.port = await freePort();
    // The protocol's own UDP 24005 by default: every demo of the test run would bind it (test/demo-stop.test.ts then
    // found another test's demo holding it after its own had gone).
    if (d.driver === 'philips-intellivue') d.options = { ...d.options, discovery: { ...d.options?.discovery, port: await freeUdpPort() } };
  }
  if (config.video?.live?.url) config.video.live.url = config.video.live.url.replace(/:\d+$/, `:${await freePort()}`);
  const file = join(dir, 'demo.yaml');
  writeFileSync(file, stringify(config));
  cpSync(join(packageRoot(), 'config/demo-secrets'), join(dir, 'demo-secrets'), { recursive: true });
  return { file, config };
}
