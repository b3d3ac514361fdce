// A link is one open connection to a device. Byte links carry a protocol's raw bytes (serial, TCP, UDP datagrams);
// Modbus links carry a modbus-serial client, which does its own framing.
import type { ModbusRTU } from 'modbus-serial/ModbusRTU.js';

interface LinkCommon {
  /** Where the device is, in words, e.g. "serial /dev/ambulink/gps @4800 8N1". */
  readonly description: string;
  /** Closes the link; the onClose callback still fires once. */
  close(): Promise<void>;
  /** Called exactly once when the link goes away, with the reason if it was not a local close. */
  onClose(listener: (err?: Error) => void): void;
}

export interface ByteLink extends LinkCommon {
  readonly kind: 'bytes';
  /** True for datagram transports: every data callback is one whole datagram. */
  readonly datagrams: boolean;
  write(data: Buffer): void;
  onData(listener: (chunk: Buffer) => void): void;
}

export interface ModbusLink extends LinkCommon {
  readonly kind: 'modbus';
  readonly client: ModbusRTU;
}

export type Link = ByteLink | ModbusLink;

/**
 * Shared plumbing for byte links: one data listener, one close notification, never twice.
 * Subclasses call `deliver` and `closed`.
 */
export abstract class ByteLinkBase implements ByteLink {
  readonly kind = 'bytes' as const;
  abstract readonly description: string;
  readonly datagrams: boolean = false;
  private dataListener: ((chunk: Buffer) => void) | undefined;
  private closeListener: ((err?: Error) => void) | undefined;
  private isClosed = false;
  private closeError: Error | undefined;

  abstract write(data: Buffer): void;
  abstract close(): Promise<void>;

  onData(listener: (chunk: Buffer) => void): void {
    this.dataListener = listener;
  }

  onClose(listener: (err?: Error) => void): void {
    this.closeListener = listener;
    if (this.isClosed) listener(this.closeError);
  }

  get closedAlready(): boolean {
    return this.isClosed;
  }

  protected deliver(chunk: Buffer): void {
    if (!this.isClosed) this.dataListener?.(chunk);
  }

  protected closed(err?: Error): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closeError = err;
    this.closeListener?.(err);
  }
}
