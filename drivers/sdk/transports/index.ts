// From a device's transport settings to a connector the supervisor can drive: either it dials (serial, TCP client,
// UDP, Modbus) and redials after a loss, or it listens (TCP server) and devices come to it.
import type { ByteLink, Link } from '../link.js';
import type { TransportConfig, TransportDefaults } from './config.js';
import { openModbusRtu, openModbusTcp } from './modbus.js';
import { SerialLink, describeSerial, serialSettings } from './serial.js';
import { openTcpClient } from './tcp-client.js';
import { listenTcp, type TcpListener } from './tcp-server.js';
import { UdpLink } from './udp.js';

export * from './config.js';
export { SerialLink, serialSettings, describeSerial } from './serial.js';
export { listenTcp, type TcpListener } from './tcp-server.js';

export interface Dialer {
  readonly mode: 'dial';
  readonly description: string;
  dial(): Promise<Link>;
}

export interface ListenHandlers {
  onLink(link: ByteLink): void;
  onRefused(remote: string): void;
}

export interface Acceptor {
  readonly mode: 'listen';
  readonly description: string;
  listen(handlers: ListenHandlers): Promise<TcpListener>;
}

export type Connector = Dialer | Acceptor;

export function connectorFor(cfg: TransportConfig, defaults: TransportDefaults = {}): Connector {
  switch (cfg.type) {
    case 'serial': {
      const settings = serialSettings(cfg, defaults);
      return { mode: 'dial', description: describeSerial(settings), dial: () => SerialLink.open(settings) };
    }
    case 'tcp-client':
      return { mode: 'dial', description: `tcp ${cfg.host}:${cfg.port}`, dial: () => openTcpClient(cfg) };
    case 'udp':
      return { mode: 'dial', description: `udp ${cfg.host}:${cfg.port}`, dial: () => UdpLink.open(cfg) };
    case 'modbus-rtu':
      return {
        mode: 'dial',
        description: `modbus-rtu ${cfg.path}`,
        dial: () => openModbusRtu(cfg, defaults),
      };
    case 'modbus-tcp':
      return {
        mode: 'dial',
        description: `modbus-tcp ${cfg.host}:${cfg.port ?? 502}`,
        dial: () => openModbusTcp(cfg),
      };
    case 'tcp-server': {
      const withPort = { ...cfg, port: cfg.port ?? defaults.port ?? 0 };
      return {
        mode: 'listen',
        description: `tcp-server ${withPort.host ?? '0.0.0.0'}:${withPort.port}`,
        listen: (h) => listenTcp(withPort, h.onLink, h.onRefused),
      };
    }
  }
}
