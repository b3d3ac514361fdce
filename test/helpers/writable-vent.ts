// A small writable ventilator for the setpoint tests, device side and driver side, over a real TCP socket:
// line protocol "POLL" → "STATE {json}", "SET id name value" → "ACK id [applied]" | "ERR id why",
// "GET id name" → "VAL id value", "MODE id" → "MODE id normal". The device applies writes to its own state (so the
// readback is a real read), counts every write it receives, and has faults on request: ignore a write, apply a
// different value, apply late, go silent in the middle of a write, answer with the next best value (FinMod),
// refuse. A knob turned by the crew changes a setting on the device itself.
import net from 'node:net';
import type { Driver, DriverInstance } from '../../drivers/sdk/driver.js';
import { newFramerStats } from '../../drivers/sdk/framer.js';
import { SettingWriteError, type OperatingMode, type SettingCapability, type WritableSetting, type WriteAck } from '../../drivers/sdk/settings.js';
import { Type } from '@sinclair/typebox';
import { isoMs } from '../../src/core/clock.js';
import { SCHEMA_VERSION, type AlarmRecord, type CanonicalRecord, type MdcTerm, type Unit, type Validity } from '../../src/schema/index.js';

const m = (code: number, ref: string): MdcTerm => ({ code, ref });
const u = (ucum: string, mdc: number): Unit => ({ ucum, mdc });

export const VENT_SETTINGS: readonly WritableSetting[] = [
  { name: 'vt', metric: m(151980, 'MDC_VENT_VOL_TIDAL'), unit: u('mL', 263762), min: 200, max: 800, step: 10 },
  { name: 'rr', metric: m(151586, 'MDC_VENT_RESP_RATE'), unit: u('/min', 264928), min: 6, max: 40, step: 1 },
  { name: 'peep', metric: m(151976, 'MDC_VENT_PRESS_AWAY_END_EXP_POS'), unit: u('cm[H2O]', 266048), min: 0, max: 20, step: 1 },
  { name: 'fio2', metric: m(152196, 'MDC_CONC_AWAY_O2_INSP'), unit: u('%', 262688), min: 21, max: 100, step: 1 },
  { name: 'mode', metric: m(184352, 'MDC_VENT_MODE'), unit: u('1', 262656), min: 0, max: 3, step: 1 },
];

export type VentFault = 'ignore-write' | 'apply-different' | 'apply-late' | 'silent-mid-write' | 'finmod' | 'refuse';

export interface VentState {
  settings: Record<string, number>;
  spo2: number | null;
  spo2Validity: Validity;
  pplat: number | null;
  alarms: Record<string, 'high' | 'medium'>;
  mode: OperatingMode;
  /** Stop sending SpO2 (it goes stale on the gateway). */
  spo2Silent: boolean;
}

export class VentDevice {
  readonly writes: Array<{ name: string; value: number }> = [];
  readonly state: VentState = {
    settings: { vt: 450, rr: 14, peep: 8, fio2: 50, mode: 0 },
    spo2: 96,
    spo2Validity: 'valid',
    pplat: 22,
    alarms: {},
    mode: 'normal',
    spo2Silent: false,
  };
  private fault: { kind: VentFault; delayMs: number } | undefined;
  private silentUntil = 0;
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();

  async listen(): Promise<number> {
    this.server = net.createServer((s) => this.serve(s));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    return (this.server.address() as net.AddressInfo).port;
  }

  /** The next write meets this fault (one write only). */
  armFault(kind: VentFault, delayMs = 1500): void {
    this.fault = { kind, delayMs };
  }

  turnKnob(name: string, value: number): void {
    this.state.settings[name] = value;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private serve(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = '';
    socket.on('data', (chunk) => {
      buf += chunk.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (Date.now() < this.silentUntil) continue; // a device gone silent hears nothing and says nothing
        this.answer(socket, line.split(' '));
      }
    });
  }

  private answer(socket: net.Socket, [cmd, id, name, value]: string[]): void {
    const say = (line: string): void => void socket.write(`${line}\n`);
    const st = this.state;
    switch (cmd) {
      case 'POLL': {
        const view = { settings: st.settings, spo2: st.spo2Silent ? undefined : { value: st.spo2, validity: st.spo2Validity }, pplat: st.pplat, alarms: st.alarms, mode: st.mode };
        return say(`STATE ${JSON.stringify(view)}`);
      }
      case 'GET':
        return say(`VAL ${id} ${st.settings[name!] ?? 'NaN'}`);
      case 'MODE':
        return say(`MODE ${id} ${st.mode}`);
      case 'SET': {
        const v = Number(value);
        this.writes.push({ name: name!, value: v });
        const fault = this.fault;
        this.fault = undefined;
        const step = VENT_SETTINGS.find((s) => s.name === name)?.step ?? 1;
        switch (fault?.kind) {
          case 'ignore-write':
            return say(`ACK ${id}`);
          case 'apply-different':
            st.settings[name!] = v + step;
            return say(`ACK ${id}`);
          case 'apply-late':
            setTimeout(() => (st.settings[name!] = v), fault.delayMs);
            return say(`ACK ${id}`);
          case 'silent-mid-write':
            this.silentUntil = Date.now() + fault.delayMs;
            st.settings[name!] = v; // it did apply it, but never says so
            return;
          case 'finmod':
            st.settings[name!] = v - step;
            return say(`ACK ${id} ${v - step}`);
          case 'refuse':
            return say(`ERR ${id} value-not-accepted`);
          default:
            st.settings[name!] = v;
            return say(`ACK ${id}`);
        }
      }
      default:
    }
  }
}

/** The driver side: polls the device, emits records, and offers the setting capability. */
export const writableVentDriver: Driver = {
  name: 'test-writable-vent',
  summary: 'test ventilator (line protocol over TCP)',
  optionsSchema: Type.Object({}),
  transports: ['tcp-client'],
  staleAfterMs: 3000,
  attach(link, ctx): DriverInstance {
    if (link.kind !== 'bytes') throw new Error('needs a byte link');
    const stats = newFramerStats();
    const pending = new Map<string, { resolve: (words: string[]) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
    let next = 1;
    let buf = '';
    const request = (line: (id: string) => string, timeoutMs = 1500): Promise<string[]> =>
      new Promise((resolve, reject) => {
        const id = String(next++);
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new SettingWriteError('timeout', `no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        link.write(Buffer.from(`${line(id)}\n`));
      });
    const ids = ctx.ids;
    const base = (rx: number, mono: number) => ({ schema: SCHEMA_VERSION, vehicle: ids.vehicle, device: ids.device, driver: ids.driver, observedAt: isoMs(rx), receivedAt: isoMs(rx), mono });
    const alarmsOn = new Set<string>();
    link.onData((chunk) => {
      buf += chunk.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        stats.frames++;
        const words = line.split(' ');
        if (words[0] === 'STATE') {
          const view = JSON.parse(line.slice(6)) as { settings: Record<string, number>; spo2?: { value: number | null; validity: Validity }; pplat: number | null; alarms: Record<string, 'high' | 'medium'>; mode: OperatingMode };
          const b = base(ctx.clock.wallMs(), ctx.clock.monoMs());
          const validity: Validity = view.mode === 'demo' ? 'demo' : 'valid';
          const out: CanonicalRecord[] = VENT_SETTINGS.map((s) => ({ kind: 'setting', ...b, metric: s.metric, value: view.settings[s.name]!, unit: s.unit, validity, label: s.name }));
          if (view.spo2) {
            const v = view.spo2;
            out.push({ kind: 'numeric', ...b, metric: m(150456, 'MDC_PULS_OXIM_SAT_O2'), value: v.validity === 'invalid' ? null : v.value, unit: u('%', 262688), validity: v.validity });
          }
          if (view.pplat !== null) out.push({ kind: 'numeric', ...b, metric: m(151784, 'MDC_PRESS_RESP_PLAT'), value: view.pplat, unit: u('cm[H2O]', 266048), validity: 'valid' });
          for (const id of new Set([...alarmsOn, ...Object.keys(view.alarms)])) {
            const on = id in view.alarms;
            if (on === alarmsOn.has(id) && !on) continue;
            const a: AlarmRecord = { kind: 'alarm', ...b, alarmId: id, text: id, priority: view.alarms[id] ?? 'high', category: 'physiological', state: on ? 'active' : 'cleared' };
            out.push(a);
            if (on) alarmsOn.add(id);
            else alarmsOn.delete(id);
          }
          for (const r of out) ctx.emit(r);
          continue;
        }
        const p = pending.get(words[1] ?? '');
        if (!p) continue;
        pending.delete(words[1]!);
        clearTimeout(p.timer);
        if (words[0] === 'ERR') p.reject(new SettingWriteError('rejected', words.slice(2).join(' ')));
        else p.resolve(words);
      }
    });
    const poll = setInterval(() => link.write(Buffer.from('POLL\n')), 200);
    const settings: SettingCapability = {
      list: () => VENT_SETTINGS,
      async write(name, value): Promise<void | WriteAck> {
        const words = await request((id) => `SET ${id} ${name} ${value}`);
        return words[2] !== undefined ? { applied: Number(words[2]) } : undefined;
      },
      async readBack(name) {
        const words = await request((id) => `GET ${id} ${name}`);
        return Number(words[2]);
      },
      async operatingMode() {
        const words = await request((id) => `MODE ${id}`);
        return words[2] as OperatingMode;
      },
    };
    return {
      stats,
      settings,
      stop() {
        clearInterval(poll);
        for (const p of pending.values()) {
          clearTimeout(p.timer);
          p.reject(new SettingWriteError('link', 'link closed'));
        }
        pending.clear();
      },
    };
  },
};
