// `ambulink sim philips-intellivue`: an IntelliVue monitor's Data Export, on UDP (LAN, as on the monitor's port
// 24105) or on a pty (MIB/RS-232 framing), with a simulated patient and faults on request.
import dgram from 'node:dgram';
import type { Logger } from '../../../src/core/logger.js';
import { openSimPort } from '../../sdk/sim-port.js';
import { encodeConnectIndication } from '../connect-indication.js';
import { flagParam, numberParam, SimParamError, type SimulatorDefinition } from '../../sdk/simulator.js';
import { LanFramer } from '../lan-framer.js';
import { encodeMibFrame, MibFramer } from '../mib-framer.js';
import { SimulatedMonitor } from './monitor.js';
import { seededRandom } from '../../sdk/seeded-random.js';
import { SCENARIOS, type Scenario } from './physiology.js';

export const intellivueSimulator: SimulatorDefinition = {
  summary: 'Philips IntelliVue monitor, Data Export over LAN (UDP) or MIB/RS-232 (pty): numerics, waves, alarms',
  endpoints: ['udp', 'pty'],
  params: [
    { name: 'scenario', description: `patient: ${SCENARIOS.join(' | ')}`, default: 'normal' },
    { name: 'seed', description: 'random seed, for a repeatable run (default: random)' },
    { name: 'model', description: 'model number the monitor reports', default: 'M8105A' },
    { name: 'serial', description: 'serial number the monitor reports', default: 'DE00000042' },
    { name: 'bed', description: 'bed label', default: 'AMB-1' },
    { name: 'demo-data', description: 'flag every value as demo data (monitor in demo mode)', flag: true },
    { name: 'mtu', description: 'largest message in bytes; larger replies are split (default: as the client asks)' },
    { name: 'idle-timeout', description: 'seconds without a message from the client before the association is aborted', default: '15' },
    { name: 'refuse', description: 'refuse every association (Data Export switched off)', flag: true },
    { name: 'abort-after', description: 'abort each association after this many seconds' },
    { name: 'stall-after', description: 'fall silent this many seconds into each association, until the next one' },
    { name: 'garbage', description: 'probability per message of random bytes sent before it', default: '0' },
    { name: 'corrupt', description: 'probability per message of damage (MIB: a flipped bit, so a bad FCS; LAN: a truncated datagram)', default: '0' },
    { name: 'drop', description: 'probability per message of not sending it (datagram loss)', default: '0' },
    { name: 'clock-offset', description: 'seconds the absolute clock is off true time (set by hand, so it is wrong)', default: '0' },
    { name: 'announce', description: 'UDP host:port to send the Connect Indication to (the monitor broadcasts it to port 24005), e.g. 255.255.255.255:24005' },
    { name: 'announce-every', description: 'seconds between Connect Indications', default: '10' },
    { name: 'announce-address', description: 'IP address the Connect Indication names (default: the address the simulator is bound to)' },
    { name: 'rel-start', description: 'initial value of the relative clock in 1/8 ms ticks (e.g. 4294900000 to cross its wrap)' },
  ],
  async start({ endpoint, params, log }) {
    const scenario = (params.scenario ?? 'normal') as Scenario;
    if (!SCENARIOS.includes(scenario)) throw new SimParamError(`--scenario must be one of ${SCENARIOS.join(', ')}, got "${scenario}"`);
    const seed = numberParam(params, 'seed', Math.floor(Math.random() * 2 ** 32));
    const seconds = (name: string) => (params[name] === undefined ? undefined : numberParam(params, name, 0) * 1000);
    const pGarbage = numberParam(params, 'garbage', 0);
    const pCorrupt = numberParam(params, 'corrupt', 0);
    const pDrop = numberParam(params, 'drop', 0);
    const mtu = params.mtu === undefined ? undefined : numberParam(params, 'mtu', 1456);
    const mib = endpoint.type === 'pty';
    const faults = seededRandom(seed ^ 0x5eed);

    const port = await openSimPort(endpoint, log);
    const transmit = (message: Buffer) => {
      if (faults() < pDrop) return;
      if (faults() < pGarbage) {
        const junk = Buffer.alloc(1 + Math.floor(faults() * 40));
        for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(faults() * 256);
        port.write(junk);
      }
      let out = mib ? encodeMibFrame(message) : message;
      if (faults() < pCorrupt) {
        if (mib) {
          out = Buffer.from(out);
          const at = 1 + Math.floor(faults() * (out.length - 2));
          out[at] = out[at]! ^ (1 << Math.floor(faults() * 8));
        } else out = out.subarray(0, Math.max(1, Math.floor(faults() * out.length)));
      }
      port.write(out);
    };
    const monitor = new SimulatedMonitor(
      {
        scenario,
        seed,
        model: params.model ?? 'M8105A',
        serial: params.serial ?? 'DE00000042',
        bedLabel: params.bed ?? 'AMB-1',
        demoData: flagParam(params, 'demo-data'),
        ...(mtu === undefined ? {} : { mtu }),
        idleTimeoutMs: numberParam(params, 'idle-timeout', 15) * 1000,
        refuse: flagParam(params, 'refuse'),
        ...(seconds('abort-after') === undefined ? {} : { abortAfterMs: seconds('abort-after')! }),
        ...(seconds('stall-after') === undefined ? {} : { stallAfterMs: seconds('stall-after')! }),
        clockOffsetMs: numberParam(params, 'clock-offset', 0) * 1000,
        relStart: numberParam(params, 'rel-start', Math.floor(seededRandom(seed)() * 2 ** 32)) >>> 0,
      },
      transmit,
      log,
    );
    // The framers hand over views of their buffers: the monitor gets a copy it may keep.
    const framer = mib ? new MibFramer() : new LanFramer(true);
    port.onData((chunk) => framer.push(chunk, (message) => monitor.receive(Buffer.from(message))));
    monitor.start();
    const announcer = params.announce && !mib ? await startAnnouncer(params, port.description, log) : undefined;
    return {
      description: `${port.description} (${mib ? 'MIB/RS-232' : 'LAN'}, scenario ${scenario}, seed ${seed})${announcer ? `, announcing to ${params.announce}` : ''}`,
      async stop() {
        announcer?.stop();
        monitor.stop();
        await port.close();
      },
    };
  },
};

/** The monitor's Connect Indication beacon: the simulator's own address and Data Export port, every few seconds. */
async function startAnnouncer(params: Readonly<Record<string, string | undefined>>, bound: string, log: Logger): Promise<{ stop(): void }> {
  const to = /^(.+):(\d+)$/.exec(params.announce ?? '');
  if (!to) throw new SimParamError(`--announce takes host:port, got "${params.announce}"`);
  const at = /udp (.+):(\d+)$/.exec(bound);
  if (!at) throw new SimParamError('--announce needs the udp endpoint');
  const host = at[1]!;
  const address = params['announce-address'] ?? (host === '0.0.0.0' ? '127.0.0.1' : host);
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) throw new SimParamError(`--announce-address must be an IPv4 address, got "${address}"`);
  const message = encodeConnectIndication({
    manufacturer: 'Philips',
    model: params.model ?? 'M8105A',
    serial: params.serial ?? 'DE00000042',
    address,
    port: Number(at[2]),
  });
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, () => resolve()));
  socket.setBroadcast(true);
  const send = () => socket.send(message, Number(to[2]), to[1]!);
  send();
  const timer = setInterval(send, Math.max(50, numberParam(params, 'announce-every', 10) * 1000));
  log.info({ to: params.announce, address }, 'announcing with Connect Indications');
  return {
    stop() {
      clearInterval(timer);
      socket.close();
    },
  };
}
