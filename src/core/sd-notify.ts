// systemd notification protocol (Type=notify): READY=1 when up, WATCHDOG=1 at half of WATCHDOG_USEC, STOPPING=1.
// Node has no Unix datagram sockets; the optional native module unix-dgram provides them. Without NOTIFY_SOCKET
// (not under systemd) every call is a no-op.
import { createRequire } from 'node:module';
import type { Logger } from './logger.js';

interface DgramSocket {
  send(buf: Buffer, offset: number, length: number, path: string, cb: (err?: Error) => void): void;
  close(): void;
  on(event: 'error', listener: (err: Error) => void): void;
}
interface UnixDgram {
  createSocket(type: 'unix_dgram'): DgramSocket;
}

export class SdNotify {
  private timer: NodeJS.Timeout | undefined;
  private socket: DgramSocket | undefined;

  constructor(
    private readonly path: string | undefined,
    private readonly watchdogUsec: number | undefined,
    private readonly log: Logger,
  ) {}

  /** Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID as systemd sets them for the main process. */
  static fromEnv(env: NodeJS.ProcessEnv, log: Logger): SdNotify {
    const pidOk = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === process.pid;
    const usec = pidOk && env.WATCHDOG_USEC ? Number(env.WATCHDOG_USEC) : undefined;
    return new SdNotify(env.NOTIFY_SOCKET || undefined, usec && usec > 0 ? usec : undefined, log);
  }

  get enabled(): boolean {
    return this.path !== undefined;
  }

  /** Interval at which WATCHDOG=1 is sent: half of WATCHDOG_USEC, as sd_watchdog_enabled(3) advises. */
  get watchdogIntervalMs(): number | undefined {
    return this.watchdogUsec === undefined ? undefined : Math.max(1, Math.floor(this.watchdogUsec / 2000));
  }

  ready(status?: string): Promise<void> {
    return this.send(status ? `READY=1\nSTATUS=${status}` : 'READY=1');
  }

  stopping(): Promise<void> {
    this.stopWatchdog();
    return this.send('STOPPING=1');
  }

  status(text: string): Promise<void> {
    return this.send(`STATUS=${text}`);
  }

  /**
   * Pings the watchdog at half its period while `healthy()` holds. A blocked event loop sends nothing, and an
   * unhealthy daemon stops pinging, so systemd restarts it.
   */
  startWatchdog(healthy: () => boolean = () => true): void {
    const every = this.watchdogIntervalMs;
    if (!this.enabled || every === undefined || this.timer) return;
    this.timer = setInterval(() => {
      if (healthy()) void this.send('WATCHDOG=1');
      else this.log.warn('watchdog not pinged: daemon reports itself unhealthy');
    }, every);
    this.timer.unref();
  }

  stopWatchdog(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.stopWatchdog();
    this.socket?.close();
    this.socket = undefined;
  }

  private send(message: string): Promise<void> {
    const path = this.path;
    if (path === undefined) return Promise.resolve();
    if (path.startsWith('@')) {
      // unix-dgram copies the path with strncpy, so abstract-namespace sockets cannot be addressed. System
      // services get a filesystem socket (/run/systemd/notify); say so plainly rather than fail silently.
      this.log.error({ path }, 'NOTIFY_SOCKET is an abstract socket, which this build cannot address; not notified');
      return Promise.resolve();
    }
    const socket = this.getSocket();
    if (!socket) return Promise.resolve();
    const buf = Buffer.from(message);
    return new Promise((resolve) => {
      socket.send(buf, 0, buf.length, path, (err) => {
        if (err) this.log.warn({ err: err.message, message }, 'sd_notify failed');
        resolve();
      });
    });
  }

  private getSocket(): DgramSocket | undefined {
    if (this.socket) return this.socket;
    try {
      const require = createRequire(import.meta.url);
      const unix = require('unix-dgram') as UnixDgram;
      this.socket = unix.createSocket('unix_dgram');
      this.socket.on('error', (err) => this.log.warn({ err: err.message }, 'sd_notify socket error'));
    } catch (err) {
      this.log.error(
        { err: (err as Error).message },
        'NOTIFY_SOCKET is set but the optional module unix-dgram is not installed: systemd will not see READY=1',
      );
    }
    return this.socket;
  }
}
