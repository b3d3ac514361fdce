// Which serial ports this box has, for the technician configuring a vehicle. SerialPort.list() asks udevadm; a box
// without udev (containers, minimal images) gets a listing from /dev instead of an error.
import { readdirSync, readlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SerialPort } from 'serialport';

export interface SerialPortInfo {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
  /** Stable names pointing at this port (/dev/ambulink/…, /dev/serial/by-id/…). */
  aliases: string[];
}

export interface SerialPortListing {
  ports: SerialPortInfo[];
  /** 'udev' when udevadm answered, 'dev' when the listing was read from /dev. */
  source: 'udev' | 'dev';
}

function links(dir: string): Map<string, string[]> {
  const byTarget = new Map<string, string[]>();
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return byTarget;
  }
  for (const name of names) {
    try {
      const target = resolve(dir, readlinkSync(join(dir, name)));
      byTarget.set(target, [...(byTarget.get(target) ?? []), join(dir, name)]);
    } catch {
      /* not a link */
    }
  }
  return byTarget;
}

export async function listSerialPorts(devDir = '/dev'): Promise<SerialPortListing> {
  const aliasDirs = [join(devDir, 'ambulink'), join(devDir, 'serial', 'by-id')].map(links);
  const aliasesOf = (path: string) => aliasDirs.flatMap((m) => m.get(path) ?? []);
  try {
    const ports = await SerialPort.list();
    return {
      source: 'udev',
      ports: ports.map((p) => ({
        path: p.path,
        ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}),
        ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}),
        ...(p.vendorId ? { vendorId: p.vendorId } : {}),
        ...(p.productId ? { productId: p.productId } : {}),
        aliases: aliasesOf(p.path),
      })),
    };
  } catch {
    let names: string[] = [];
    try {
      names = readdirSync(devDir);
    } catch {
      /* no /dev: nothing to list */
    }
    const ports = names
      .filter((n) => /^tty(USB|ACM|AMA|S)\d+$/.test(n))
      .sort()
      .map((n) => ({ path: join(devDir, n), aliases: aliasesOf(join(devDir, n)) }));
    return { source: 'dev', ports };
  }
}
