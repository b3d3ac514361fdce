// What a driver keeps of a device across links and daemon restarts: one small JSON value per device, in a file of
// the daemon's data directory. For facts the device itself will not repeat, such as which alarms the gateway last
// reported active (a monitor that reports alarm changes only cannot tell a restarted gateway that an alarm it never
// heard of has since cleared). Written whole through a temporary file and a rename, so a kill leaves the old value or
// the new one; not synced: a kill -9 keeps it (the kernel has it), a power cut may take the last change.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DeviceMemory {
  /** The value last written (by this run or an earlier one); undefined when there is none or it is unreadable. */
  read(): unknown;
  write(value: unknown): void;
}

export function fileMemory(dir: string, deviceId: string, onError: (err: Error) => void): DeviceMemory {
  const file = join(dir, `${encodeURIComponent(deviceId)}.json`);
  let last: string | undefined;
  return {
    read() {
      try {
        last = readFileSync(file, 'utf8');
        return JSON.parse(last) as unknown;
      } catch {
        return undefined;
      }
    },
    write(value) {
      const text = JSON.stringify(value);
      if (text === last) return;
      try {
        mkdirSync(dir, { recursive: true });
        writeFileSync(`${file}.tmp`, text);
        renameSync(`${file}.tmp`, file);
        last = text;
      } catch (err) {
        onError(err as Error);
      }
    },
  };
}
