// Modbus links: modbus-serial does the RTU/TCP framing (CRC, MBAP); the driver's session issues requests on it.
import modbusSerial from 'modbus-serial';
import type { ModbusRTU } from 'modbus-serial/ModbusRTU.js';
import type { ModbusLink } from '../link.js';
import type { ModbusRtuTransportConfig, ModbusTcpTransportConfig, TransportDefaults } from './config.js';
import { describeSerial, serialSettings } from './serial.js';

// modbus-serial is CommonJS whose module.exports is the client class; its typings describe it as a default export.
const ModbusClient = modbusSerial as unknown as new () => ModbusRTU;

class ModbusClientLink implements ModbusLink {
  readonly kind = 'modbus' as const;
  private closeListener: ((err?: Error) => void) | undefined;
  private done = false;
  private closeError: Error | undefined;

  constructor(
    readonly client: ModbusRTU,
    readonly description: string,
  ) {
    client.on('close', () => this.finish());
    client.on('error', (err: unknown) => this.finish(err instanceof Error ? err : new Error(String(err))));
  }

  onClose(listener: (err?: Error) => void): void {
    this.closeListener = listener;
    if (this.done) listener(this.closeError);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.client.isOpen) {
        this.finish();
        return resolve();
      }
      this.client.close(() => {
        this.finish();
        resolve();
      });
    });
  }

  private finish(err?: Error): void {
    if (this.done) return;
    this.done = true;
    this.closeError = err;
    this.closeListener?.(err);
  }
}

export async function openModbusRtu(
  cfg: ModbusRtuTransportConfig,
  defaults: TransportDefaults = {},
): Promise<ModbusLink> {
  const settings = serialSettings(cfg, defaults);
  const client = new ModbusClient();
  await client.connectRTUBuffered(settings.path, {
    baudRate: settings.baudRate,
    dataBits: settings.dataBits,
    parity: settings.parity,
    stopBits: settings.stopBits,
  });
  client.setTimeout(cfg.timeoutMs ?? 1000);
  return new ModbusClientLink(client, `modbus-rtu ${describeSerial(settings).slice('serial '.length)}`);
}

export async function openModbusTcp(cfg: ModbusTcpTransportConfig): Promise<ModbusLink> {
  const client = new ModbusClient();
  const port = cfg.port ?? 502;
  await client.connectTCP(cfg.host, { port });
  client.setTimeout(cfg.timeoutMs ?? 1000);
  return new ModbusClientLink(client, `modbus-tcp ${cfg.host}:${port}`);
}
