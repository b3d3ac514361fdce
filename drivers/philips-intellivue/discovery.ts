// Listening for Connect Indications (UDP 24005, usually broadcast): every monitor on the LAN announces itself about
// every 10 s. Used by the LAN driver (withDiscovery below). The listener shares the port (other programs, or another IntelliVue device of this daemon, may listen
// too) and hands over each indication with the address it came from; datagrams that are not Connect Indications are
// counted, not fatal.
import dgram from 'node:dgram';
import type { Logger } from '../../src/core/logger.js';
import type { DriverContext, DriverInstance } from '../sdk/driver.js';
import { newFramerStats } from '../sdk/framer.js';
import type { ByteLink } from '../sdk/link.js';
import { UdpLink } from '../sdk/transports/udp.js';
import { parseConnectIndication, type ConnectIndication } from './connect-indication.js';
import { WireError } from './wire.js';

export interface Announcement extends ConnectIndication {
  /** The address the datagram came from (the monitor's, unless a router forwarded it). */
  from: string;
}

export class ConnectIndicationListener {
  private socket: dgram.Socket | undefined;
  /** Datagrams on the port that were not Connect Indications. */
  ignored = 0;

  constructor(
    private readonly port: number,
    private readonly address: string,
    private readonly log: Logger,
  ) {}

  /** Starts listening; resolves with the bound port (useful when 0 was asked for). */
  start(onIndication: (a: Announcement) => void): Promise<number> {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    this.socket = socket;
    socket.on('message', (msg, rinfo) => {
      try {
        onIndication({ ...parseConnectIndication(msg), from: rinfo.address });
      } catch (err) {
        if (!(err instanceof WireError)) throw err;
        if (this.ignored++ % 100 === 0) this.log.debug({ from: rinfo.address, reason: err.message, ignored: this.ignored }, 'datagram on the Connect Indication port ignored');
      }
    });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.port, this.address, () => {
        socket.removeListener('error', reject);
        socket.on('error', (err) => this.log.warn({ err: err.message }, 'Connect Indication listener error'));
        resolve(socket.address().port);
      });
    });
  }

  stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

export interface DiscoveryOptions {
  listen: boolean;
  port: number;
  address: string;
}

/**
 * The LAN driver with discovery: listens for Connect Indications while the session runs. A monitor whose address is
 * configured is recognised by its indication (its model and serial become the device identity before the
 * association says them); one at another address is logged and not used — the configured address wins. With the
 * "any" host (0.0.0.0) the session waits for the first indication and associates with the monitor it names.
 */
export function withDiscovery(
  link: ByteLink,
  ctx: DriverContext<{ discovery: DiscoveryOptions }>,
  startSession: () => DriverInstance,
): DriverInstance {
  const options = ctx.options.discovery;
  const udp = link instanceof UdpLink ? link : undefined;
  const waiting = udp !== undefined && udp.remote === undefined;
  if (waiting && !options.listen) {
    ctx.fail('the transport host is 0.0.0.0 (take the monitor from its Connect Indication) but options.discovery.listen is false');
  }
  if (!options.listen) return startSession();
  let session: DriverInstance | undefined = waiting ? undefined : startSession();
  let connecting = false;
  const told = new Set<string>();
  const once = (key: string, f: () => void) => {
    if (!told.has(key)) {
      told.add(key);
      f();
    }
  };
  const listener = new ConnectIndicationListener(options.port, options.address, ctx.log);
  const identityOf = (a: Announcement) => ({
    ...(a.manufacturer ? { manufacturer: a.manufacturer } : {}),
    ...(a.model ? { model: a.model } : {}),
    ...(a.serial ? { serial: a.serial } : {}),
  });
  const onIndication = (a: Announcement) => {
    const address = a.address ?? a.from;
    const who = { model: a.model, serial: a.serial, address, port: a.port, mac: a.mac, from: a.from };
    once(`seen ${address}:${a.port} ${a.serial ?? ''}`, () => ctx.log.info(who, 'IntelliVue Connect Indication'));
    const remote = udp?.remote;
    if (!udp || (!remote && (connecting || session))) return;
    if (!remote) {
      connecting = true;
      udp.connectTo(address, a.port).then(
        () => {
          ctx.log.info(who, 'associating with the monitor its Connect Indication names');
          ctx.setIdentity(identityOf(a));
          session = startSession();
        },
        (err: Error) => {
          connecting = false;
          ctx.log.warn({ ...who, err: err.message }, 'cannot reach the monitor a Connect Indication names');
        },
      );
      return;
    }
    if (remote.host === address) {
      once(`ours ${address}`, () => ctx.setIdentity(identityOf(a)));
      if (remote.port !== a.port) once(`port ${address}`, () => ctx.log.warn({ ...who, configured: remote }, 'the monitor announces another Data Export port than the configured one; the configured port is used'));
    } else {
      once(`other ${address}`, () => ctx.log.warn({ ...who, configured: remote }, 'Connect Indication from a monitor at another address than the configured one: the configured address is used'));
    }
  };
  listener.start(onIndication).then(
    (port) => ctx.log.debug({ port }, 'listening for Connect Indications'),
    (err: Error) => ctx.log.warn({ port: options.port, err: err.message }, 'cannot listen for Connect Indications; the configured address is used'),
  );
  const idle = newFramerStats();
  return {
    get stats() {
      return session?.stats ?? idle;
    },
    async stop() {
      await listener.stop();
      await session?.stop();
    },
  };
}
