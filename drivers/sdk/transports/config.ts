// Transport settings as they appear under `devices[].transport` in the vehicle YAML. One schema per transport type;
// the config loader composes them, and the published config/vehicle.schema.json is generated from them.
import { Type, type Static } from '@sinclair/typebox';

const SerialLine = {
  path: Type.String({ minLength: 1, description: 'Serial device, ideally a stable udev name such as /dev/ambulink/gps' }),
  baudRate: Type.Optional(
    Type.Integer({ minimum: 50, maximum: 4_000_000, description: 'Line speed; the driver supplies its usual default' }),
  ),
  dataBits: Type.Optional(Type.Union([Type.Literal(5), Type.Literal(6), Type.Literal(7), Type.Literal(8)])),
  parity: Type.Optional(
    Type.Union([
      Type.Literal('none'),
      Type.Literal('even'),
      Type.Literal('odd'),
      Type.Literal('mark'),
      Type.Literal('space'),
    ]),
  ),
  stopBits: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(1.5), Type.Literal(2)])),
  rtscts: Type.Optional(Type.Boolean({ description: 'Hardware flow control' })),
};

const Host = Type.String({ minLength: 1, description: 'Host name or IP address' });
const Port = Type.Integer({ minimum: 0, maximum: 65535 });

export const SerialTransport = Type.Object(
  { type: Type.Literal('serial'), ...SerialLine },
  { additionalProperties: false, description: 'RS-232 / USB serial port' },
);
export const TcpClientTransport = Type.Object(
  {
    type: Type.Literal('tcp-client'),
    host: Host,
    port: Port,
    connectTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 120_000 })),
  },
  { additionalProperties: false, description: 'The gateway connects to the device (or a serial-to-LAN converter)' },
);
export const TcpServerTransport = Type.Object(
  {
    type: Type.Literal('tcp-server'),
    host: Type.Optional(Type.String({ minLength: 1, description: 'Address to listen on; default 0.0.0.0' })),
    port: Port,
    maxConnections: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, description: 'Default 1' })),
  },
  { additionalProperties: false, description: 'The device connects to the gateway (HL7 MLLP, POCT1-A)' },
);
export const UdpTransport = Type.Object(
  {
    type: Type.Literal('udp'),
    host: Host,
    port: Port,
    localPort: Type.Optional(Port),
    localAddress: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false, description: 'UDP datagrams to and from the device' },
);
export const ModbusRtuTransport = Type.Object(
  { type: Type.Literal('modbus-rtu'), ...SerialLine, timeoutMs: Type.Optional(Type.Integer({ minimum: 10 })) },
  { additionalProperties: false, description: 'Modbus RTU over a serial line' },
);
export const ModbusTcpTransport = Type.Object(
  {
    type: Type.Literal('modbus-tcp'),
    host: Host,
    port: Type.Optional(Port),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 10 })),
  },
  { additionalProperties: false, description: 'Modbus TCP (port 502 by default)' },
);

export const transportSchemas = {
  serial: SerialTransport,
  'tcp-client': TcpClientTransport,
  'tcp-server': TcpServerTransport,
  udp: UdpTransport,
  'modbus-rtu': ModbusRtuTransport,
  'modbus-tcp': ModbusTcpTransport,
} as const;

export type TransportType = keyof typeof transportSchemas;
export const TRANSPORT_TYPES = Object.keys(transportSchemas) as TransportType[];

export type SerialTransportConfig = Static<typeof SerialTransport>;
export type TcpClientTransportConfig = Static<typeof TcpClientTransport>;
export type TcpServerTransportConfig = Static<typeof TcpServerTransport>;
export type UdpTransportConfig = Static<typeof UdpTransport>;
export type ModbusRtuTransportConfig = Static<typeof ModbusRtuTransport>;
export type ModbusTcpTransportConfig = Static<typeof ModbusTcpTransport>;
export type TransportConfig =
  | SerialTransportConfig
  | TcpClientTransportConfig
  | TcpServerTransportConfig
  | UdpTransportConfig
  | ModbusRtuTransportConfig
  | ModbusTcpTransportConfig;

/** What a driver may preset for its transports (e.g. NMEA at 4800 baud, GE S/5 at 19200 8E1 with RTS/CTS). */
export type TransportDefaults = Partial<{
  baudRate: number;
  dataBits: 5 | 6 | 7 | 8;
  parity: 'none' | 'even' | 'odd' | 'mark' | 'space';
  stopBits: 1 | 1.5 | 2;
  rtscts: boolean;
  port: number;
}>;
