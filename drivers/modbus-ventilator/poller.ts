// Polls the map: each group on its own interval, block by block through the request queue, with retries. Values
// become numeric and setting records; alarm bits become alarm records when they change. A block that fails is
// published as unavailable. When whole poll cycles go unanswered, the link is given up so the supervisor reopens it
// ("device degradation" in gateway terms).
import { rxNow, type RxTime } from '../../src/core/clock.js';
import type { DriverContext } from '../sdk/driver.js';
import type { FramerStats } from '../sdk/framer.js';
import type { ModbusRTU } from 'modbus-serial/ModbusRTU.js';
import type { CompiledGroup, CompiledMap, ReadBlock } from './map.js';
import type { ModbusVentilatorOptions } from './options.js';
import { alarmRecord, pointRecord } from './records.js';
import type { RequestQueue } from './request-queue.js';
import { counted, failureReason, readArea } from './transactions.js';
import { pointValue } from './values.js';

export interface PollerDeps {
  readonly client: ModbusRTU;
  readonly queue: RequestQueue;
  readonly stats: FramerStats;
  readonly ctx: DriverContext<ModbusVentilatorOptions>;
}

export class ModbusPoller {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  /** Alarm points by name: active or not, as last read. */
  private readonly alarms = new Map<string, boolean>();
  /** Blocks whose last read failed (logged once, and once more when they recover). */
  private readonly failing = new Set<ReadBlock>();
  private unansweredCycles = 0;

  constructor(
    private readonly map: CompiledMap,
    private readonly deps: PollerDeps,
  ) {}

  start(): void {
    for (const group of this.map.groups) if (group.blocks.length > 0) this.schedule(group, 0);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private schedule(group: CompiledGroup, delayMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.cycle(group);
    }, delayMs);
    this.timers.add(timer);
  }

  private async cycle(group: CompiledGroup): Promise<void> {
    const { ctx } = this.deps;
    const started = ctx.clock.monoMs();
    let answered = 0;
    let unanswered = 0;
    for (const block of group.blocks) {
      if (this.stopped) return;
      try {
        const data = await this.read(block, group.retries);
        answered++;
        if (this.failing.delete(block)) ctx.log.info({ block: describe(block) }, 'Modbus read works again');
        this.publish(block, data, rxNow(ctx.clock));
      } catch (err) {
        if (this.stopped) return;
        const reason = failureReason(err);
        // An exception answer means the device is there but refuses this read (usually a wrong address in the map).
        if (reason === 'rejected') answered++;
        else unanswered++;
        if (!this.failing.has(block)) {
          this.failing.add(block);
          ctx.log.warn({ block: describe(block), reason, err: (err as Error).message }, 'Modbus read failed');
        }
        this.publishUnavailable(block, rxNow(ctx.clock));
      }
    }
    if (answered === 0 && unanswered > 0) {
      if (++this.unansweredCycles >= ctx.options.failAfterCycles) {
        ctx.fail(`no answer from the ventilator for ${this.unansweredCycles} poll cycles`);
        return;
      }
    } else this.unansweredCycles = 0;
    this.schedule(group, Math.max(0, group.intervalMs - (ctx.clock.monoMs() - started)));
  }

  private async read(block: ReadBlock, retries: number): Promise<ArrayLike<number>> {
    const { client, queue, stats } = this.deps;
    for (let attempt = 0; ; attempt++) {
      try {
        return await queue.run(() => counted(stats, () => readArea(client, block.unitId, block.area, block.address, block.length)));
      } catch (err) {
        if (attempt >= retries || this.stopped || failureReason(err) === 'rejected') throw err;
      }
    }
  }

  private publish(block: ReadBlock, data: ArrayLike<number>, rx: RxTime): void {
    const { ids, emit } = this.deps.ctx;
    for (const { point, at } of block.points) {
      const value = pointValue(point, data, at);
      if (point.kind === 'alarm') {
        const active = (value === 1) === point.alarm!.activeWhen;
        const before = this.alarms.get(point.name);
        this.alarms.set(point.name, active);
        // A new link reports what is active; after that, changes only.
        if (before === undefined ? active : before !== active) emit(alarmRecord(ids, point, active, rx));
        continue;
      }
      emit(pointRecord(ids, point, Number.isNaN(value) ? null : value, Number.isNaN(value) ? 'invalid' : 'valid', rx));
    }
  }

  private publishUnavailable(block: ReadBlock, rx: RxTime): void {
    const { ids, emit } = this.deps.ctx;
    for (const { point } of block.points) if (point.kind !== 'alarm') emit(pointRecord(ids, point, null, 'unavailable', rx));
  }
}

function describe(b: ReadBlock): string {
  return `unit ${b.unitId} ${b.area} ${b.address}–${b.address + b.length - 1}`;
}
