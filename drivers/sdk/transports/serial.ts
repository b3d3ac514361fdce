import { SerialPort } from 'serialport';
import { ByteLinkBase } from '../link.js';
import type { SerialTransportConfig, TransportDefaults } from './config.js';

export interface SerialLineSettings {
  path: string;
  baudRate: number;
  dataBits: 5 | 6 | 7 | 8;
  parity: 'none' | 'even' | 'odd' | 'mark' | 'space';
  stopBits: 1 | 1.5 | 2;
  rtscts: boolean;
}

export function serialSettings(
  cfg: Omit<SerialTransportConfig, 'type'>,
  defaults: TransportDefaults = {},
): SerialLineSettings {
  return {
    path: cfg.path,
    baudRate: cfg.baudRate ?? defaults.baudRate ?? 9600,
    dataBits: cfg.dataBits ?? defaults.dataBits ?? 8,
    parity: cfg.parity ?? defaults.parity ?? 'none',
    stopBits: cfg.stopBits ?? defaults.stopBits ?? 1,
    rtscts: cfg.rtscts ?? defaults.rtscts ?? false,
  };
}

export function describeSerial(s: SerialLineSettings): string {
  return `serial ${s.path} @${s.baudRate} ${s.dataBits}${s.parity[0]!.toUpperCase()}${s.stopBits}${s.rtscts ? ' rtscts' : ''}`;
}

export class SerialLink extends ByteLinkBase {
  readonly description: string;

  private constructor(private readonly port: SerialPort, settings: SerialLineSettings) {
    super();
    this.description = describeSerial(settings);
    port.on('data', (chunk: Buffer) => this.deliver(chunk));
    port.on('close', (err: Error | null) => this.closed(err ?? undefined));
    port.on('error', (err: Error) => {
      this.closed(err);
      if (port.isOpen) port.close(() => undefined);
    });
  }

  static open(settings: SerialLineSettings): Promise<SerialLink> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ ...settings, autoOpen: false, hupcl: false });
      port.open((err) => (err ? reject(err) : resolve(new SerialLink(port, settings))));
    });
  }

  write(data: Buffer): void {
    if (this.port.isOpen) this.port.write(data);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.port.isOpen) return resolve();
      this.port.close(() => resolve());
    });
  }
}
