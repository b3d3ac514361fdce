// A destination queue with the MLLP transport, delivering to the stand-in MLLP listener on loopback, on a fresh
// LevelDB in a temporary directory; everything stopped when the test ends. Short timeouts: the tests wait for
// conditions, never for fixed times.
import { join } from 'node:path';
import { silentLogger } from '../../src/core/logger.js';
import { systemClock } from '../../src/core/clock.js';
import type { HandoverMessage } from '../../src/handover/destination.js';
import { MllpTransport, type MllpTransportOptions } from '../../src/handover/mllp-transport.js';
import { DestinationQueue, type QueueOptions } from '../../src/handover/queue.js';
import { StandInListener, type StandInListenerOptions } from '../../src/handover/stand-in-listener.js';
import { HandoverStore, type DeadLetter } from '../../src/handover/store.js';
import { tempDir } from '../helpers/tmp.js';

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

export interface Rig {
  dir: string;
  listener: StandInListener;
  store: HandoverStore;
  transport: MllpTransport;
  queue: DestinationQueue;
  deadLetters: DeadLetter[];
}

export const fastQueue: QueueOptions = {
  maxRetries: 2,
  retryBackoff: { initialMs: 20, maxMs: 200, factor: 2, jitter: 0.2 },
  syncWrites: false,
};

export function transportOptions(port: number, over: Partial<MllpTransportOptions> = {}): MllpTransportOptions {
  return {
    host: '127.0.0.1',
    port,
    ackTimeoutMs: 2000,
    connectTimeoutMs: 2000,
    reconnect: { initialMs: 50, maxMs: 500, factor: 2, jitter: 0.2 },
    log: silentLogger(),
    ...over,
  };
}

export async function startRig(
  t: Teardown,
  opts: { listener?: StandInListenerOptions; transport?: Partial<MllpTransportOptions>; queue?: Partial<QueueOptions>; dir?: string } = {},
): Promise<Rig> {
  const listener = new StandInListener(opts.listener);
  await listener.start();
  t.teardown(() => listener.stop());
  return { listener, ...(await startQueue(t, listener.port, opts)) };
}

/** The queue and transport alone, delivering to a listener the test started on `port` (any listener). */
export async function startQueue(
  t: Teardown,
  port: number,
  opts: { transport?: Partial<MllpTransportOptions>; queue?: Partial<QueueOptions>; dir?: string } = {},
): Promise<Omit<Rig, 'listener'>> {
  const dir = opts.dir ?? tempDir(t, 'al-hq-');
  const store = new HandoverStore(join(dir, 'handover'));
  await store.open();
  const transport = new MllpTransport(transportOptions(port, opts.transport));
  const deadLetters: DeadLetter[] = [];
  const queue = new DestinationQueue({
    name: 'his',
    kind: 'hl7v2-mllp',
    store,
    transport,
    options: { ...fastQueue, ...opts.queue },
    clock: systemClock,
    log: silentLogger(),
    onDeadLetter: (_dest, letter) => deadLetters.push(letter),
  });
  await queue.start();
  t.teardown(async () => {
    await queue.stop();
    await store.close();
  });
  return { dir, store, transport, queue, deadLetters };
}

let serial = 0;

/** A small but real ORU^R01 with the given control id. */
export function oru(id = `T${++serial}`): HandoverMessage {
  const body = [
    `MSH|^~\\&|AMBULINK|AMB-1|HIS|HOSP|20261206120000||ORU^R01^ORU_R01|${id}|P|2.6`,
    'PID|||ENC-1^^^AMB-1||',
    'OBR|1|||69837^MDC_DEV_METRIC_MONITOR^MDC|||20261206120000',
    'OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC||72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||20261206120000',
  ].join('\r');
  return { id, type: 'ORU^R01', body: `${body}\r`, createdAt: Date.now() };
}
