// The Modbus requests this driver makes, on modbus-serial's client, and what their failures mean.
import type { ModbusRTU } from 'modbus-serial/ModbusRTU.js';
import type { FramerStats } from '../sdk/framer.js';
import type { Area } from './options.js';

export type FailureReason = 'timeout' | 'rejected' | 'link';

/** timeout: no answer; rejected: the device answered with a Modbus exception; link: the port is not open. */
export function failureReason(err: unknown): FailureReason {
  const e = err as { modbusCode?: unknown; errno?: unknown; message?: unknown };
  if (typeof e.modbusCode === 'number') return 'rejected';
  if (e.errno === 'ETIMEDOUT' || /timed out/i.test(String(e.message))) return 'timeout';
  return 'link';
}

/** Counts every transaction in the link's statistics (answers as frames, failures as dropped frames). */
export async function counted<T>(stats: FramerStats, request: () => Promise<T>): Promise<T> {
  try {
    const result = await request();
    stats.frames++;
    return result;
  } catch (err) {
    stats.framesDropped++;
    if (/CRC/.test(String((err as Error).message))) stats.checksumErrors++;
    throw err;
  }
}

/** Registers (or bits as 0/1) of one area. */
export async function readArea(client: ModbusRTU, unitId: number, area: Area, address: number, length: number): Promise<ArrayLike<number>> {
  client.setID(unitId);
  switch (area) {
    case 'holding':
      return (await client.readHoldingRegisters(address, length)).data;
    case 'input':
      return (await client.readInputRegisters(address, length)).data;
    case 'coil':
      return (await client.readCoils(address, length)).data.map((b) => (b ? 1 : 0));
    case 'discrete':
      return (await client.readDiscreteInputs(address, length)).data.map((b) => (b ? 1 : 0));
  }
}

/** Exactly one write request: FC 6 for one register, FC 16 for more. */
export async function writeHolding(client: ModbusRTU, unitId: number, address: number, registers: number[]): Promise<void> {
  client.setID(unitId);
  if (registers.length === 1) await client.writeRegister(address, registers[0]!);
  else await client.writeRegisters(address, registers);
}
