// The hospital's own systems in `ambulink demo`: for each handover destination on the loopback address, a stand-in
// that answers like the real one. hl7v2-mllp: an HL7 listener (node-hl7-server) that acknowledges every message (AA)
// and appends it to a file in the demo directory, one segment a line, so the messages can be read as they went.
// fhir-r4 (http:// on the loopback address): the stand-in FHIR server, which validates every Bundle with the gateway's
// own validator, honours conditional creates, and appends each Bundle it accepted to a file, one JSON a line.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VehicleConfig } from '../../config/index.js';
import { FhirStandIn } from '../../handover/fhir/stand-in-server.js';
import { StandInListener } from '../../handover/stand-in-listener.js';
import type { Closer } from './demo-supervisor.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export interface HandoverStandIns {
  closers: Closer[];
  /** For the demo's banner. */
  lines: string[];
}

export async function startHandoverStandIns(config: VehicleConfig, dir: string): Promise<HandoverStandIns> {
  const out: HandoverStandIns = { closers: [], lines: [] };
  for (const d of config.handover?.destinations ?? []) {
    if (d.enabled && d.kind === 'fhir-r4' && typeof d.baseUrl === 'string') {
      const url = new URL(d.baseUrl);
      if (url.protocol !== 'http:' || !LOOPBACK.has(url.hostname) || !url.port) continue;
      const file = join(dir, `handover-${d.name}.ndjson`);
      const server = new FhirStandIn({
        host: '127.0.0.1',
        port: Number(url.port),
        onAccepted: (bundle, status) => appendFileSync(file, `${JSON.stringify({ status, bundle })}\n`),
      });
      await server.start();
      out.closers.push({ name: `the stand-in FHIR server of ${d.name}`, close: () => server.stop() });
      out.lines.push(
        `  handover    ${d.name}: FHIR R4 Bundles to a stand-in FHIR server on ${d.baseUrl} (validates every Bundle, honours ifNoneExist)`,
        `              transactions per update cycle while an encounter is open, the handover document at close; Bundles in ${file}`,
      );
      continue;
    }
    if (!d.enabled || d.kind !== 'hl7v2-mllp' || d.tls || typeof d.host !== 'string' || !LOOPBACK.has(d.host) || typeof d.port !== 'number') continue;
    const file = join(dir, `handover-${d.name}.hl7`);
    const listener = new StandInListener({
      host: d.host === 'localhost' ? '127.0.0.1' : d.host,
      port: d.port,
      handler: (message, res) => {
        appendFileSync(file, `${message.toString().replace(/\r/g, '\n')}\n\n`);
        return res.sendResponse('AA');
      },
    });
    await listener.start();
    out.closers.push({ name: `the stand-in HL7 listener of ${d.name}`, close: () => listener.stop() });
    out.lines.push(
      `  handover    ${d.name}: HL7 v2 over MLLP to a stand-in interface engine on ${d.host}:${d.port} (node-hl7-server, answers AA)`,
      `              sent while an encounter is open (ambulink encounter open); ambulink handover status; messages in ${file}`,
    );
  }
  return out;
}
