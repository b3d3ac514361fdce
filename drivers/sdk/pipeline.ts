// Composes a byte protocol's framer, decoder and session into a Driver: link bytes → framer → session → decoder.
import type { TObject, Static } from '@sinclair/typebox';
import { rxNow, type RxTime } from '../../src/core/clock.js';
import type { Decoder, Driver, DriverContext, DriverInstance, OfflineDecoder, RecordIds, RecordSink, Session, SessionIo } from './driver.js';
import type { DeviceMemory } from './device-memory.js';
import type { CaptureFramer, Framer } from './framer.js';
import type { Link } from './link.js';

export interface FramedDriverSpec<S extends TObject, F> extends Omit<Driver<S>, 'attach' | 'offline'> {
  createFramer(options: Static<S>): Framer<F>;
  /** For `ambulink decode`: a framer that also takes captures saved without the link protocol. Default: createFramer. */
  createCaptureFramer?(options: Static<S>): CaptureFramer<F>;
  /**
   * `live` is false for `ambulink decode`: receive times are then not real, and device clocks are the only time.
   * `memory`: what the driver keeps of the device across links and restarts (live only, when the daemon keeps it).
   */
  createDecoder(options: Static<S>, ids: RecordIds, live: boolean, memory?: DeviceMemory): Decoder<F>;
  /** Absent for passive protocols: every frame is decoded. */
  createSession?(options: Static<S>, io: SessionIo<F>): Session<F>;
}

class PassiveSession<F> implements Session<F> {
  constructor(private readonly io: SessionIo<F>) {}
  start(): void {}
  onFrame(frame: F, rx: RxTime): void {
    this.io.decode(frame, rx);
  }
  stop(): void {}
}

export function framedDriver<S extends TObject, F>(spec: FramedDriverSpec<S, F>): Driver<S> {
  const { createFramer, createCaptureFramer, createDecoder, createSession, ...rest } = spec;
  return {
    ...rest,
    attach(link: Link, ctx: DriverContext<Static<S>>): DriverInstance {
      if (link.kind !== 'bytes') throw new Error(`${spec.name} needs a byte transport, not ${link.description}`);
      const framer = createFramer(ctx.options);
      const decoder = createDecoder(ctx.options, ctx.ids, true, ctx.memory);
      const out: RecordSink = (r) => ctx.emit(r);
      const io: SessionIo<F> = {
        clock: ctx.clock,
        log: ctx.log,
        write: (bytes) => link.write(bytes),
        decode: (frame, rx) => decoder.decode(frame, rx, out),
        emit: out,
        stored: () => ctx.stored(),
        setIdentity: (id) => ctx.setIdentity(id),
        fail: (reason) => ctx.fail(reason),
      };
      const session = createSession ? createSession(ctx.options, io) : new PassiveSession(io);
      // One receive time per chunk, read once at the edge; the frame callback is allocated once per link.
      let rx: RxTime = rxNow(ctx.clock);
      let failures = 0;
      const report = (err: unknown, what: string) => {
        // The first failure in full, then every 1000th: a broken decoder must not flood the journal.
        if (failures++ % 1000 === 0) ctx.log.error({ err: (err as Error).stack, failures }, what);
      };
      const onFrame = (frame: F): void => {
        try {
          session.onFrame(frame, rx);
        } catch (err) {
          // A bug in a decoder or session costs this frame, not the link or the daemon.
          framer.stats.framesDropped++;
          report(err, 'frame handling failed; frame dropped');
        }
      };
      link.onData((chunk) => {
        rx = rxNow(ctx.clock);
        try {
          framer.push(chunk, onFrame);
        } catch (err) {
          framer.stats.bytesDropped += chunk.length;
          framer.reset();
          report(err, 'framer failed; chunk dropped');
        }
      });
      session.start();
      return {
        stats: framer.stats,
        async stop() {
          await session.stop();
          framer.end();
          decoder.flush?.(rxNow(ctx.clock), out);
        },
      };
    },
    offline(options: Static<S>, ids: RecordIds): OfflineDecoder {
      const framer: Framer<F> & Partial<CaptureFramer<F>> = createCaptureFramer ? createCaptureFramer(options) : createFramer(options);
      const decoder = createDecoder(options, ids, false);
      return {
        stats: framer.stats,
        push(chunk, rx, out) {
          framer.push(chunk, (frame) => decoder.decode(frame, rx, out));
        },
        end(rx, out) {
          framer.finish?.((frame) => decoder.decode(frame, rx, out));
          framer.end();
          decoder.flush?.(rx, out);
        },
      };
    },
  };
}
