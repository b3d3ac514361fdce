// A local SRT listener standing in for the hospital ingest (the demo, the tests, the bench): srt-live-transmit in
// listener mode, the received MPEG-TS counted and optionally written to a file.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { silentLogger } from '../core/logger.js';
import { diesWithDaemon } from './child-lifetime.js';

export interface SrtReceiverOptions {
  srtLiveTransmit: string;
  port: number;
  passphrase?: string;
  latencyMs?: number;
  /** Append what arrives to this file (MPEG-TS). */
  outFile?: string;
  /** Arguments before srt-live-transmit's own, when `srtLiveTransmit` is a wrapper (e.g. `ip netns exec NS`). */
  prefixArgs?: string[];
}

export class SrtReceiver {
  private child: ChildProcess | undefined;
  private out: WriteStream | undefined;
  bytes = 0;
  get port(): number {
    return this.o.port;
  }
  log = '';

  constructor(private readonly o: SrtReceiverOptions) {}

  start(): void {
    const q = [`mode=listener`, `latency=${this.o.latencyMs ?? 1200}`];
    if (this.o.passphrase) q.push(`passphrase=${this.o.passphrase}`, 'pbkeylen=32');
    this.out = this.o.outFile ? createWriteStream(this.o.outFile, { flags: 'a' }) : undefined;
    // Dies with the process that started it (the demo, a test), however that ends.
    const run = diesWithDaemon(this.o.srtLiveTransmit, [...(this.o.prefixArgs ?? []), '-autoreconnect:yes', '-loglevel:warn', `srt://:${this.o.port}?${q.join('&')}`, 'file://con'], silentLogger());
    const child = spawn(run.command, run.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (chunk: Buffer) => {
      this.bytes += chunk.length;
      this.out?.write(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.log = (this.log + chunk.toString()).slice(-8192);
    });
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const closed = new Promise((r) => child.once('close', r));
      child.kill('SIGKILL');
      await closed;
    }
    await new Promise<void>((r) => (this.out ? this.out.end(() => r()) : r()));
    this.out = undefined;
  }
}
