// philips-intellivue — Philips IntelliVue patient monitors (MP/MX series) through their Data Export interface:
// numerics, real-time waves and alarms, and patient demographics. One protocol, two framings chosen by the link:
// LAN (UDP to the monitor's port 24105, one message per datagram) and MIB/RS-232 (115200 8N1, BOF/EOF frames with
// escapes and FCS-16).
import { Type, type Static } from '@sinclair/typebox';
import type { Driver, DriverContext, DriverInstance } from '../sdk/driver.js';
import type { Link } from '../sdk/link.js';
import { framedDriver } from '../sdk/pipeline.js';
import { IntellivueCapture, PROTOCOL_LAN, PROTOCOL_MIB } from './capture.js';
import { CONNECT_INDICATION_PORT } from './connect-indication.js';
import { IntellivueDecoder } from './decoder.js';
import { withDiscovery } from './discovery.js';
import { LanFramer } from './lan-framer.js';
import { encodeMibFrame, MibFramer } from './mib-framer.js';
import { WAVE_NAMES } from './nomenclature.js';
import { IntellivueSession, type Encode } from './session.js';
import { intellivueSimulator } from './simulator/index.js';

export const IntellivueOptions = Type.Object(
  {
    waves: Type.Array(Type.Union(WAVE_NAMES.map((w) => Type.Literal(w))), {
      default: ['ecg-ii', 'pleth', 'co2'],
      uniqueItems: true,
      maxItems: 8,
      description: 'Real-time waves to request, in priority order; [] for none. The monitor sends those it has.',
    }),
    alarms: Type.Boolean({ default: true, description: "Poll the monitor's alert monitor and send alarm records" }),
    demographics: Type.Union([Type.Literal('off'), Type.Literal('clinical'), Type.Literal('identifying')], {
      default: 'clinical',
      description:
        'Patient demographics as `patient.demographics` events: clinical = type, sex, age, height, weight, paced; identifying adds id, names and date of birth',
    }),
    pollWindowS: Type.Integer({ minimum: 5, maximum: 600, default: 30, description: 'Length of each extended periodic poll; renewed before it ends' }),
    keepAliveMs: Type.Integer({ minimum: 1000, maximum: 30_000, default: 5000, description: 'Longest quiet time towards the monitor before a keep-alive poll' }),
    silenceTimeoutMs: Type.Integer({ minimum: 2000, maximum: 120_000, default: 10_000, description: 'A monitor silent this long is dropped and associated again' }),
    associationTimeoutMs: Type.Integer({ minimum: 500, maximum: 60_000, default: 5000, description: 'Wait for the association accept and the MDS Create event' }),
    discovery: Type.Object(
      {
        listen: Type.Boolean({ default: true, description: 'LAN: listen for the Connect Indications monitors broadcast, log them and take model/serial from them' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: CONNECT_INDICATION_PORT, description: 'UDP port of the Connect Indications (the protocol uses 24005)' }),
        address: Type.String({ minLength: 1, default: '0.0.0.0', description: 'Local address to listen on' }),
      },
      {
        additionalProperties: false,
        default: {},
        description: 'Connect Indication discovery (LAN). With transport host 0.0.0.0 the driver associates with the monitor the first indication names; with a configured host that address wins and other monitors are only logged',
      },
    ),
  },
  { additionalProperties: false, default: {} },
);
export type IntellivueOptions = Static<typeof IntellivueOptions>;

const common = {
  name: 'philips-intellivue',
  summary: 'Philips IntelliVue monitor, Data Export over LAN (UDP 24105) or MIB/RS-232: numerics, waves, alarms',
  optionsSchema: IntellivueOptions,
  transports: ['udp', 'serial'] as const,
  transportDefaults: { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1, rtscts: false } as const,
  staleAfterMs: 5000,
};

function framing(protocol: string, createFramer: () => MibFramer | LanFramer, encode: Encode) {
  return framedDriver({
    ...common,
    createFramer,
    createDecoder: (options: IntellivueOptions, ids) => new IntellivueDecoder(ids, { demographics: options.demographics, live: true, protocol }),
    createSession: (options: IntellivueOptions, io) => new IntellivueSession(options, io, encode, protocol),
  });
}

const overLan = framing(PROTOCOL_LAN, () => new LanFramer(true), (message) => message);
const overMib = framing(PROTOCOL_MIB, () => new MibFramer(), encodeMibFrame);

export const philipsIntellivue: Driver<typeof IntellivueOptions> = {
  ...common,
  transports: [...common.transports],
  attach(link: Link, ctx: DriverContext<IntellivueOptions>): DriverInstance {
    if (link.kind !== 'bytes') throw new Error(`philips-intellivue needs UDP or a serial port, not ${link.description}`);
    if (!link.datagrams) return overMib.attach(link, ctx);
    return withDiscovery(link, ctx, () => overLan.attach(link, ctx));
  },
  offline: (options, ids) => new IntellivueCapture(ids, options.demographics),
  simulator: intellivueSimulator,
};
