// While storage is unwritable the outbox still sends what it holds in memory, with seqs the disk never saw. If the
// daemon then stopped, those seqs would be handed out again after the restart and a consumer deduplicating by
// (vehicle, stream, seq) would drop the new records as duplicates. So the highest seq handed out per stream is written
// first to this small file, which is allocated while the disk is healthy and later only overwritten in place (no new
// blocks are needed when the disk is full). A record held in memory is sent only once its seq is marked here; on the
// next start the marked seqs are skipped and announced as `not-persisted` loss.
import { closeSync, fdatasyncSync, openSync, readSync, writeSync, existsSync } from 'node:fs';

const SIZE = 65_536;

export class SeqMark {
  private fd: number | undefined;

  constructor(private readonly path: string) {}

  /** Opens (allocating it if new) and returns what a previous run left marked: stream → next seq. */
  open(): Map<string, number> {
    const marks = new Map<string, number>();
    try {
      if (!existsSync(this.path)) {
        const fd = openSync(this.path, 'w+', 0o600);
        writeSync(fd, Buffer.alloc(SIZE), 0, SIZE, 0);
        fdatasyncSync(fd);
        this.fd = fd;
        return marks;
      }
      this.fd = openSync(this.path, 'r+');
      const buf = Buffer.alloc(SIZE);
      readSync(this.fd, buf, 0, SIZE, 0);
      const len = buf.readUInt32BE(0);
      if (len > 0 && len <= SIZE - 4) {
        const parsed = JSON.parse(buf.subarray(4, 4 + len).toString('utf8')) as Record<string, number>;
        for (const [name, next] of Object.entries(parsed)) if (Number.isSafeInteger(next)) marks.set(name, next);
      }
    } catch {
      // Unreadable or unwritable: records held in memory will then wait for the disk before they are sent.
    }
    return marks;
  }

  get usable(): boolean {
    return this.fd !== undefined;
  }

  /** Writes the marks in place and syncs them; false when that was not possible. */
  write(marks: Record<string, number>): boolean {
    if (this.fd === undefined) return false;
    const json = Buffer.from(JSON.stringify(marks), 'utf8');
    if (json.length > SIZE - 4) return false;
    const buf = Buffer.allocUnsafe(4 + json.length);
    buf.writeUInt32BE(json.length, 0);
    json.copy(buf, 4);
    try {
      writeSync(this.fd, buf, 0, buf.length, 0);
      fdatasyncSync(this.fd);
      return true;
    } catch {
      return false;
    }
  }

  clear(): boolean {
    if (this.fd === undefined) return false;
    try {
      writeSync(this.fd, Buffer.alloc(4), 0, 4, 0);
      fdatasyncSync(this.fd);
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
