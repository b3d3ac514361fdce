// The setpoint test rig: the real daemon (Controller, config loader, device manager, local broker, encounter, audit
// and setpoint services) with the test ventilator over TCP, a real MQTT broker as the hospital link, real keys and a
// signed policy. Commands are signed exactly as `ambulink setpoint sign` does.
import './register-test-vent.js';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { Test } from 'tap';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalBytes } from '../../src/core/canonical-json.js';
import { systemClock, type Clock } from '../../src/core/clock.js';
import { callDaemon } from '../../src/control/client.js';
import type { SignedCommand } from '../../src/setpoints/command.js';
import { keyIdOf } from '../../src/setpoints/policy.js';
import { buildCommand, signCommand, type CommandDraft } from '../../src/setpoints/sign.js';
import { startDaemon, type TestDaemon } from './daemon.js';
import { startHospital, type Hospital } from './mqtt-hospital.js';
import { tempDir } from './tmp.js';
import { waitFor } from './wait.js';
import { VentDevice } from './writable-vent.js';
import { SIMULATED_VENTILATOR_MAP } from '../../drivers/modbus-ventilator/sim-map.js';
import { startModbusVentilatorSimulator, type ModbusVentilatorSimulator } from '../../drivers/modbus-ventilator/simulator.js';
import { silentLogger } from '../../src/core/logger.js';

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
}

type Assert = Pick<Test, 'equal'>;

export const VEHICLE = 'TEST-1';
export const SIGNERS = ['drA', 'drA2', 'drB', 'senior', 'ai', 'observer', 'revoked'] as const;
export type SignerName = (typeof SIGNERS)[number];
const HOLDER: Record<SignerName, string> = { drA: 'dr-a', drA2: 'dr-a', drB: 'dr-b', senior: 'dr-s', ai: 'ai-vent-advisor', observer: 'obs-1', revoked: 'dr-r' };
const ROLES: Record<SignerName, string[]> = { drA: ['clinician'], drA2: ['clinician'], drB: ['clinician'], senior: ['senior-clinician'], ai: ['ai'], observer: ['observer'], revoked: ['clinician'] };

export interface RigOptions {
  /** Use the real modbus-ventilator driver and its simulator (Modbus TCP) instead of the test ventilator. */
  modbus?: boolean;
  limits?: Record<string, unknown>;
  setpoints?: Record<string, unknown>;
  policyExpiresInS?: number;
  /**
   * Reach the hospital the way a vehicle does: through the daemon's own uplink and outbox (configured in the YAML),
   * not through the test's MQTT client handed to the controller.
   */
  viaUplink?: boolean;
  /** More of the vehicle YAML (e.g. the crew console), made once the rig's directory exists; replaces whole sections. */
  extraConfig?: (dir: string) => Record<string, unknown>;
}

export interface SignOptions extends Partial<CommandDraft> {
  param: string;
  value: number;
  signer?: SignerName;
  approvers?: SignerName[];
}

export class Rig {
  daemon!: TestDaemon;
  readonly device = new VentDevice();
  /** The Modbus ventilator simulator, with `modbus: true`. */
  modbusSim: ModbusVentilatorSimulator | undefined;
  hospital!: Hospital;
  readonly dir: string;
  readonly syncFile: string;
  readonly keys = new Map<SignerName, KeyObject>();
  /** Added to the wall clock the daemon sees (clock-step tests). */
  wallOffsetMs = 0;
  readonly clock: Clock = { wallMs: () => Date.now() + this.wallOffsetMs, monoMs: () => systemClock.monoMs() };
  private seq = Date.now();
  private config: Record<string, unknown> = {};

  constructor(
    private readonly t: TestLike,
    private readonly options: RigOptions,
  ) {
    this.dir = tempDir(t, 'sp-');
    this.syncFile = join(this.dir, 'synchronized');
  }

  async start(): Promise<this> {
    let ventDevice: Record<string, unknown>;
    if (this.options.modbus) {
      const sim = await startModbusVentilatorSimulator({ endpoint: { type: 'tcp-server', host: '127.0.0.1', port: 0 }, params: {}, log: silentLogger() });
      this.modbusSim = sim;
      this.t.teardown(() => sim.stop());
      const port = Number(/:(\d+) /.exec(sim.description)![1]);
      ventDevice = { id: 'vent', driver: 'modbus-ventilator', transport: { type: 'modbus-tcp', host: '127.0.0.1', port, timeoutMs: 2500 }, options: SIMULATED_VENTILATOR_MAP };
    } else {
      const port = await this.device.listen();
      this.t.teardown(() => this.device.close());
      ventDevice = { id: 'vent', driver: 'test-writable-vent', transport: { type: 'tcp-client', host: '127.0.0.1', port } };
    }
    this.hospital = await startHospital(this.t, VEHICLE);
    writeFileSync(this.syncFile, '');
    const authority = generateKeyPairSync('ed25519');
    writeFileSync(join(this.dir, 'authority.pub'), authority.publicKey.export({ type: 'spki', format: 'pem' }));
    const keys = SIGNERS.map((name) => {
      const pair = generateKeyPairSync('ed25519');
      this.keys.set(name, pair.privateKey);
      return { name, holder: HOLDER[name], roles: ROLES[name], publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(), keyId: keyIdOf(pair.publicKey) };
    });
    const now = Date.now();
    const body = {
      version: 1,
      vehicle: VEHICLE,
      issuedAt: new Date(now - 60_000).toISOString(),
      expiresAt: new Date(now + (this.options.policyExpiresInS ?? 86_400) * 1000).toISOString(),
      keys: keys.map(({ holder, roles, publicKey }) => ({ holder, roles, publicKey })),
      revoked: keys.filter((k) => k.name === 'revoked').map((k) => k.keyId),
      limits: { window: { sameParamSpacingS: 1 }, ...this.options.limits },
    };
    const signed = { policy: body, signature: { keyId: keyIdOf(authority.publicKey), sig: sign(null, canonicalBytes(body), authority.privateKey).toString('base64') } };
    writeFileSync(join(this.dir, 'policy.json'), JSON.stringify(signed, null, 2));
    writeFileSync(join(this.dir, 'crew.password'), 'crew-secret\n');
    this.config = {
      vehicle: { id: VEHICLE },
      localBroker: { users: [{ username: 'crew', passwordFile: join(this.dir, 'crew.password'), role: 'crew' }] },
      devices: [ventDevice],
      setpoints: {
        enabled: true,
        policyFile: join(this.dir, 'policy.json'),
        authorityKeyFile: join(this.dir, 'authority.pub'),
        confirm: { required: true, timeoutS: 30 },
        maxTimeToFinishMs: 3000,
        readbackIntervalMs: 100,
        rateLimit: { perMinute: 1000, failuresBeforeSuspend: 1000 },
        time: { requireSync: true, syncFile: this.syncFile, checkIntervalMs: 200 },
        ...this.options.setpoints,
      },
      audit: { checkpointEvery: 50, checkpointIntervalS: 5 },
      ...(this.options.viaUplink ? { uplink: { url: `mqtt://127.0.0.1:${this.hospital.port}`, reconnectInitialMs: 100, reconnectMaxMs: 1000 } } : {}),
      ...this.options.extraConfig?.(this.dir),
    };
    await this.boot();
    return this;
  }

  async boot(): Promise<void> {
    const hospital = this.options.viaUplink ? {} : { hospital: await this.hospital.channel(this.t) };
    this.daemon = await startDaemon(this.t, this.config, { dir: this.dir, controller: { clock: this.clock, ...hospital } });
    await waitFor(async () => ((await this.call('setpoint.state', { device: 'vent' })) as { writable: unknown[] | null }).writable !== null, 'the ventilator attached');
  }

  async restart(): Promise<void> {
    await this.daemon.stop();
    await this.boot();
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    return callDaemon(this.daemon.socket, method, params, 20_000);
  }

  async openEncounter(params: Record<string, unknown> = { sex: 'male', heightCm: 170 }): Promise<string> {
    return ((await this.call('encounter.open', params)) as { id: string }).id;
  }

  async state(): Promise<{ stateVersion: number; encounter: string | null; policyVersion: number; writable: Array<{ name: string; unit: string; value: number | null }> }> {
    return (await this.call('setpoint.state', { device: 'vent' })) as never;
  }

  /** The device's current value as the gateway has observed it (waits until it has one). */
  async current(param: string): Promise<number> {
    return waitFor(async () => (await this.state()).writable.find((w) => w.name === param)?.value ?? undefined, `a value of ${param}`);
  }

  async sign(o: SignOptions): Promise<SignedCommand> {
    const s = await this.state();
    const w = s.writable.find((x) => x.name === o.param);
    const signer = o.signer ?? 'drA';
    const approvers = o.approvers ?? [];
    const command = buildCommand(
      {
        vehicle: VEHICLE,
        device: 'vent',
        encounter: s.encounter ?? 'none',
        unit: w?.unit ?? '1',
        currentValue: o.currentValue ?? w?.value ?? 0,
        stateVersion: s.stateVersion,
        policyVersion: s.policyVersion,
        seq: (this.seq = Math.max(this.seq + 1, Date.now())),
        issuedAtMs: this.clock.wallMs(),
        ...o,
      },
      { id: HOLDER[signer], privateKey: this.keys.get(signer)! },
      approvers.map((a) => ({ id: HOLDER[a], privateKey: this.keys.get(a)! })),
    );
    return signCommand(command, [signer, ...approvers].map((n) => this.keys.get(n)!));
  }

  async send(payload: SignedCommand | string | Buffer, options: { retain?: boolean; device?: string } = {}): Promise<void> {
    const data = Buffer.isBuffer(payload) ? payload : typeof payload === 'string' ? payload : JSON.stringify(payload);
    await this.hospital.send(`ambulink/v1/${VEHICLE}/cmd/${options.device ?? 'vent'}/setpoint`, data, options);
  }

  async waitPending(commandId: string): Promise<void> {
    await waitFor(async () => {
      const ended = this.hospital.results.find((r) => r.commandId === commandId && r.state !== 'Wait' && r.state !== 'Start');
      if (ended) throw new Error(`${commandId} ended ${ended.state} ${ended.reason ?? ''} (${ended.message ?? ''}) instead of waiting for the crew`);
      return ((await this.call('setpoint.pending')) as Array<{ commandId: string; phase: string }>).some((p) => p.commandId === commandId && p.phase === 'confirm');
    }, `${commandId} waiting for the crew`);
  }

  async confirm(commandId: string): Promise<void> {
    await this.waitPending(commandId);
    await this.call('setpoint.confirm', { commandId, user: 'test' });
  }

  /** Sign, send, confirm when asked, and return the final result. */
  async run(o: SignOptions, confirm = true) {
    const env = await this.sign(o);
    await this.send(env);
    if (confirm) await this.confirm(env.command.commandId);
    return { env, result: await this.hospital.finalOf(env.command.commandId) };
  }

  /**
   * Sends a command (or raw payload) that must be refused without a crew confirmation, and checks the device was
   * not written. Returns the final result.
   */
  async expectRefused(t: Assert, payload: SignedCommand | string | Buffer, reason: string, options: { state?: string; retain?: boolean; device?: string } = {}) {
    const writes = this.device.writes.length;
    const before = this.hospital.results.length;
    await this.send(payload, options);
    const id = typeof payload === 'object' && !Buffer.isBuffer(payload) ? payload.command.commandId : undefined;
    const result = await waitFor(
      () => this.hospital.results.slice(before).find((r) => (id ? r.commandId === id : true) && r.state !== 'Wait' && r.state !== 'Start' && !r.duplicate),
      `a refusal ${reason}`,
    );
    t.equal(result.reason, reason, `${reason}: ${result.message ?? ''}`);
    t.equal(result.state, options.state ?? 'Fail');
    t.equal(this.device.writes.length, writes, `${reason}: the device was not written`);
    return result;
  }

  touchSync(atMs: number): void {
    utimesSync(this.syncFile, new Date(atMs), new Date(atMs));
  }
}

export async function startRig(t: TestLike, options: RigOptions = {}): Promise<Rig> {
  return new Rig(t, options).start();
}
