// The setpoint service (a daemon extension): receives signed commands from the hospital, runs the checks of the
// setpoint rules in order, waits for the crew, writes the device exactly once, reads it back, and reports every
// transition — with the audit log written ahead of every device write. Whatever fails, therapy is not changed by
// the gateway: the ventilator keeps its last confirmed settings, remote authority (the lease) ends, the crew is
// alerted, and it is logged.
import { createHash, createPublicKey, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SettingWriteError, type SettingCapability, type WritableSetting } from '../../drivers/sdk/settings.js';
import { AuditUnavailable } from '../audit/log.js';
import type { AuditService } from '../audit/service.js';
import type { AuditType } from '../audit/entry.js';
import type { CrewAction, LocalBroker } from '../broker/local-broker.js';
import { isoMs } from '../core/clock.js';
import type { HospitalChannel, InboundCommand } from '../core/hospital-channel.js';
import { ControlMethodError } from '../control/server.js';
import type { DaemonEnv, Extension } from '../daemon/context.js';
import type { LatestValues } from '../daemon/latest-values.js';
import type { EncounterService } from '../encounter/service.js';
import { pbwOf } from '../encounter/encounter.js';
import { SCHEMA_VERSION, type AlarmRecord, type CanonicalRecord, type EventRecord } from '../schema/index.js';
import { authenticate } from './authenticate.js';
import { clinicalChecks, clinicalParamOf, type ClinicalParam } from './clinical.js';
import { contentHash, MAX_COMMAND_BYTES, parseCommand } from './command.js';
import { Lane, type Job } from './lane.js';
import { loadPolicy, PolicyError, type Policy } from './policy.js';
import { Refusal, type InvocationState, type Reason } from './reasons.js';
import type { ResultMessage } from './result.js';
import { SetpointStore, type PendingReconcile } from './store.js';
import { TimeTrust, type TimeTrustSettings } from './time-trust.js';

export interface SetpointSettings {
  policyFile: string;
  authorityKeyFile: string;
  confirm: { required: boolean; timeoutS: number };
  maxLifetimeS: number;
  skewS: number;
  queueLength: number;
  maxTimeToFinishMs: number;
  readbackIntervalMs: number;
  leaseS: number;
  vitalsDevice?: string;
  rateLimit: { perMinute: number; failuresBeforeSuspend: number; failureWindowS: number; suspendS: number };
  time: TimeTrustSettings;
}

/** The devices, as the setpoint service sees them. */
export interface DeviceAccess {
  exists(device: string): boolean;
  /** The setting capability of the attached device; undefined when not attached or read-only. */
  settings(device: string): SettingCapability | undefined;
}

/** Failures that count towards suspending remote control of a device (someone is sending bad commands). */
const SUSPICIOUS: ReadonlySet<Reason> = new Set(['BAD_SIGNATURE', 'MALFORMED', 'REVOKED_KEY', 'ROLE_MISSING', 'UNSIGNED_BY_CLINICIAN', 'REPLAY', 'CONTEXT_MISMATCH', 'DUAL_CHANNEL_MISMATCH']);
const DRIVER = 'ambulink-setpoints';
const CLINICAL_NAMES: ReadonlySet<string> = new Set(['vt', 'rr', 'peep', 'fio2', 'pinsp', 'ti', 'mode']);

/** Clinical checks that look at the target alone (not the current value, history, vitals or alarms). */
const TARGET_ONLY_CHECKS: ReadonlySet<string> = new Set(['mode-change', 'policy-hard-limit', 'vt-per-kg-pbw', 'ai-envelope']);

type Context = { cap: SettingCapability; setting: WritableSetting; current: number };

/** The command id of a payload, if it can be read at all (for reporting refusals made before parsing). */
function commandIdIn(payload: Buffer): string | null {
  if (payload.length > MAX_COMMAND_BYTES) return null;
  try {
    const id = (JSON.parse(payload.toString('utf8')) as { command?: { commandId?: unknown } } | null)?.command?.commandId;
    return typeof id === 'string' && /^[0-9a-f]{32}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

export class SetpointService implements Extension {
  readonly name = 'setpoints';
  private readonly lanes = new Map<string, Lane>();
  private readonly inFlight = new Map<string, Job>();
  private policy: Policy | undefined;
  private policyProblem: string | undefined;
  private store: SetpointStore | undefined;
  private time: TimeTrust | undefined;
  private unsubscribe: (() => void) | undefined;
  private receiving: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    private readonly env: DaemonEnv,
    private readonly settings: SetpointSettings,
    private readonly parts: {
      audit: AuditService;
      encounter: EncounterService;
      latest: LatestValues;
      devices: DeviceAccess;
      broker: LocalBroker;
      hospital: HospitalChannel;
      /** The record gate: alerts, alarms and lifecycle events go out like every other record. */
      ingest: (record: CanonicalRecord) => void;
    },
  ) {}

  async start(): Promise<void> {
    const { env, parts } = this;
    this.store = new SetpointStore(env.config.storage.dataDir);
    await this.store.open();
    this.time = new TimeTrust(this.settings.time, env.clock, (step) =>
      parts.audit.note('CLOCK_STEP', { wallBefore: isoMs(step.wallBefore), wallAfter: isoMs(step.wallAfter), monoNs: String(Math.round(step.monoAt * 1e6)), stepMs: Math.round(step.stepMs) }),
    );
    parts.audit.setTimeQuality(() => this.time!.quality());
    this.time.start();
    this.loadPolicy();
    for (const p of await this.store.reconciles()) this.lane(p.device).reconciles.push(p);
    this.recoverIntents();
    await this.closeStranded();
    env.bus.on(this, 'record', (r) => this.observe(r));
    parts.encounter.onChange((current, previous) => this.onEncounter(current?.id, previous?.id));
    parts.broker.onCrewAction((a) => this.onCrew(a));
    const { control } = env;
    control.register('setpoint.pending', () => this.pending());
    control.register('setpoint.state', (p) => this.state(String(p.device ?? '')));
    // The CLI and the crew console (in-process, via: 'console') press the same buttons; the audit says which.
    const by = (p: Record<string, unknown>) => `${p.via === 'console' ? 'console' : 'cli'}:${String(p.user ?? 'local')}`;
    control.register('setpoint.confirm', (p) => this.crewDecision(String(p.commandId ?? ''), by(p), true));
    control.register('setpoint.reject', (p) => this.crewDecision(String(p.commandId ?? ''), by(p), false));
    control.register('setpoint.reload-policy', () => {
      this.loadPolicy();
      return { policy: this.policy ? { version: this.policy.version, hash: this.policy.hash } : null, problem: this.policyProblem ?? null };
    });
    env.statusSections.set('setpoints', () => ({
      remote: parts.hospital.commands ? 'subscribed' : 'no uplink',
      policy: this.policy ? { version: this.policy.version } : { problem: this.policyProblem },
      time: this.time?.untrustedBecause() ?? 'trusted',
      pending: this.pending().length,
    }));
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
    const commands = parts.hospital.commands;
    if (commands) {
      this.unsubscribe = commands.subscribe(`${env.topics.root}/cmd/+/setpoint`, (m) => {
        this.receiving = this.receiving.then(() => this.receive(m)).catch((err: Error) => env.log.error({ err: err.stack }, 'setpoint receipt failed'));
      });
    } else {
      env.log.warn('no uplink: remote setpoints cannot arrive (encounters, crew actions and the audit log work)');
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    clearInterval(this.timer);
    this.time?.stop();
    this.env.bus.removeListeners(this);
    // Stopping ends remote authority: what waits is cancelled (each command still gets its one final state).
    const stopping = () => new Refusal('NO_LEASE', 'the gateway is stopping: remote authority ends', {}, 'Cnclld');
    for (const lane of this.lanes.values()) {
      lane.running?.settle?.(stopping());
      for (const job of lane.queue.splice(0)) {
        this.inFlight.delete(job.envelope.command.commandId);
        await this.finish(lane, job, 'Cnclld', stopping()).catch(() => undefined);
      }
    }
    await this.receiving;
    await Promise.allSettled([...this.runs]);
    await this.store?.close();
  }

  // ——— receipt: receipt log, rate limit, retained, envelope, signatures, duplicates and replays ———

  private async receive(m: InboundCommand): Promise<void> {
    const { env } = this;
    const device = m.topic.slice(env.topics.root.length + 5, -'/setpoint'.length);
    const lane = this.lane(device);
    const rawHash = createHash('sha256').update(m.payload).digest('hex');
    // Refusals before the envelope is checked still name the command when its id can be read.
    const bare = (reason: Reason, message: string, commandId: string | null = commandIdIn(m.payload)) =>
      this.publish(lane.device, { commandId, transactionId: randomUUID(), state: 'Fail', reason, message });
    try {
      this.appendOrRefuse('RECEIPT', { device, sha256: rawHash, bytes: m.payload.length, messageId: m.messageId ?? null, dup: m.dup, retain: m.retain, qos: m.qos });
    } catch (r) {
      // Nothing can be done without a durable record of it: cancelled, and the crew is told.
      this.alert(device, 'AUDIT_UNAVAILABLE', `a remote setpoint for ${device} was refused: ${(r as Refusal).message}`);
      return void (await this.publish(lane.device, { commandId: commandIdIn(m.payload), transactionId: randomUUID(), state: 'Cnclld', reason: 'AUDIT_UNAVAILABLE', message: (r as Refusal).message }));
    }
    const now = env.clock.monoMs();
    lane.receipts = lane.receipts.filter((t) => now - t < 60_000);
    lane.receipts.push(now);
    if (now < lane.suspendedUntil) return void (await this.refuseEarly(lane, bare, 'RATE_LIMITED', `remote control of ${device} is suspended after repeated failures`));
    if (lane.receipts.length > this.settings.rateLimit.perMinute) {
      if (now - lane.rateAlertedAt > 60_000) {
        lane.rateAlertedAt = now;
        this.alert(device, 'RATE_LIMITED', `more than ${this.settings.rateLimit.perMinute} commands per minute for ${device}`);
      }
      return void (await this.refuseEarly(lane, bare, 'RATE_LIMITED', `more than ${this.settings.rateLimit.perMinute} commands in a minute`));
    }
    if (m.retain) return void (await this.refuseEarly(lane, bare, 'RETAINED_COMMAND', 'a retained message is a stored copy, not a command just sent'));
    const parsed = parseCommand(m.payload);
    if (!parsed.ok) {
      const reason: Reason = parsed.recommendation ? 'UNSIGNED_BY_CLINICIAN' : 'MALFORMED';
      return void (await this.refuseEarly(lane, (r, msg) => bare(r, msg, parsed.commandId ?? null), reason, parsed.message));
    }
    const envelope = parsed.envelope;
    const c = envelope.command;
    const job: Job = { envelope, device, transactionId: randomUUID(), clinical: this.clinicalOf(device, c.set.param), phase: 'queued', receivedMono: now, passed: [] };
    try {
      if (!this.policy) throw new Refusal('BAD_SIGNATURE', `no valid setpoint policy: ${this.policyProblem ?? 'not loaded'}`);
      const auth = authenticate(envelope, this.policy, env.clock.wallMs(), job.clinical);
      this.appendOrRefuse('CHECK', { commandId: c.commandId, check: 'signature', ok: true, used: { signers: [c.issuer, ...c.approvers].map((s) => s.keyId), clinicians: auth.clinicians, policyVersion: this.policy.version } });
      job.passed.push('signature');
      // Duplicates and replays (checked after the signature, so a forged copy cannot speak for a real command).
      const hash = contentHash(c);
      const known = this.inFlight.get(c.commandId) ?? (await this.store!.command(c.commandId));
      if (known) {
        const sameContent = 'envelope' in known ? contentHash(known.envelope.command) === hash : known.contentHash === hash;
        if (!sameContent) throw new Refusal('REPLAY', `command id ${c.commandId} was used before for a different command`);
        this.appendOrRefuse('CHECK', { commandId: c.commandId, check: 'duplicate', ok: true, reason: 'DUPLICATE_SUPPRESSED', messageId: m.messageId ?? null, dup: m.dup });
        const original = 'envelope' in known ? undefined : known.result;
        if (original) await this.publish(device, { ...original, duplicate: true, message: `DUPLICATE_SUPPRESSED: ${original.message ?? original.state}` }, false);
        else await this.answerPendingDuplicate(device, c.commandId, 'envelope' in known ? known : undefined);
        return;
      }
      const seq = await this.store!.acceptSeq(c.issuer.keyId, c.seq);
      if (!seq.ok) throw new Refusal('REPLAY', `sequence number ${c.seq} of ${c.issuer.id} was seen before or is below the window (highest ${seq.window.max})`);
      if (lane.queue.length >= this.settings.queueLength) throw new Refusal('RATE_LIMITED', `${lane.queue.length} commands already queued for ${device}`);
      await this.store!.putCommand(c.commandId, { contentHash: hash, device, result: undefined });
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      this.countFailure(lane, err.reason);
      return void (await this.publish(device, this.resultOf(job, 'Fail', err)));
    }
    // Behind a command that is running (perhaps waiting minutes for the crew), a command that can be refused
    // without the device is refused now rather than when its turn comes.
    if (lane.running || lane.queue.length > 0) {
      const refusal = this.refusalWithoutDevice(job);
      if (refusal) {
        this.countFailure(lane, refusal.reason);
        return void (await this.finish(lane, job, 'Fail', refusal, undefined, { keepLease: true }));
      }
    }
    this.inFlight.set(c.commandId, job);
    lane.queue.push(job);
    await this.report(job, 'Wait');
    this.pump(lane);
  }

  /**
   * A second copy of a command that has no final result yet (queued, checked, waiting for the crew, being written):
   * nothing runs twice, and the hospital is told so — a pending answer naming the original, which keeps its own
   * transaction and will get its one final state.
   */
  private async answerPendingDuplicate(device: string, commandId: string, job: Job | undefined): Promise<void> {
    const phase = job?.phase ?? 'accepted';
    await this.publish(device, {
      ...(job ? this.resultOf(job, job.phase === 'executing' ? 'Start' : 'Wait') : { commandId, transactionId: randomUUID(), state: 'Wait' as const }),
      reason: 'DUPLICATE_SUPPRESSED',
      duplicate: true,
      originalCommandId: commandId,
      message: `DUPLICATE_SUPPRESSED: command ${commandId} is already pending (${phase}); this copy is not executed, the original will report its outcome`,
    });
  }

  /**
   * The checks that need neither the device nor the lane's changing state: the clock and the command's lifetime, the
   * fixed context (vehicle, device, encounter, policy version, what parameter and unit it is based on), the device's
   * declared range and grid, and the clinical limits that look at the target alone (hard limits, Vt per kg PBW, the AI
   * envelope, mode changes). Everything else (state version, current value, lease, steps, windows, vitals) can change
   * while the command ahead runs, so it is judged when this command's turn comes.
   */
  private refusalWithoutDevice(job: Job): Refusal | undefined {
    const c = job.envelope.command;
    try {
      this.checkFreshness(job);
      this.checkFixedContext(job);
      const s = this.parts.devices.settings(job.device)?.list().find((w) => w.name === c.set.param);
      if (s) this.checkGrid(job, s);
    } catch (err) {
      if (err instanceof Refusal) return err;
      throw err;
    }
    const outcomes = clinicalChecks({
      name: c.set.param,
      clinical: job.clinical,
      current: c.basedOn.currentValue,
      target: c.set.value,
      limits: this.policy!.limits,
      pbwKg: pbwOf(this.parts.encounter.encounter),
      pplat: undefined,
      spo2: undefined,
      alarms: [],
      history: [],
      nowMono: this.env.clock.monoMs(),
      fromAi: c.origin === 'ai-recommendation',
    }).filter((o) => !o.ok && TARGET_ONLY_CHECKS.has(o.check));
    const first = outcomes[0];
    if (!first) return undefined;
    for (const o of outcomes) this.appendOrRefuse('CHECK', { commandId: c.commandId, check: o.check, ok: false, reason: o.reason, used: o.used });
    return new Refusal(first.reason!, first.message!, { violations: outcomes.map((f) => ({ check: f.check, reason: f.reason, message: f.message, used: f.used })) });
  }

  private async refuseEarly(lane: Lane, bare: (reason: Reason, message: string) => Promise<void>, reason: Reason, message: string): Promise<void> {
    this.countFailure(lane, reason);
    await bare(reason, message);
  }

  // ——— the worker: one command at a time per device ———

  private pump(lane: Lane): void {
    if (lane.running || this.stopping) return;
    const job = lane.queue.shift();
    if (!job) return;
    lane.running = job;
    const done = this.run(lane, job)
      .catch((err: Error) => this.env.log.error({ err: err.stack, commandId: job.envelope.command.commandId }, 'setpoint command failed unexpectedly'))
      .finally(() => {
        lane.running = undefined;
        this.inFlight.delete(job.envelope.command.commandId);
        this.runs.delete(done);
        this.pump(lane);
      });
    this.runs.add(done);
  }

  private async run(lane: Lane, job: Job): Promise<void> {
    const c = job.envelope.command;
    let ctx: Context;
    try {
      job.phase = 'checking';
      this.checkFreshness(job);
      ctx = await this.checkContext(lane, job);
      this.checkClinical(lane, job, ctx);
      if (this.settings.confirm.required) {
        const confirmedBy = await this.crewConfirmation(job, ctx);
        // The world may have moved while the crew looked: time, lifetime, encounter, knob — check again.
        this.appendOrRefuse('CONFIRM', { commandId: c.commandId, by: confirmedBy, confirmed: true });
        this.checkFreshness(job);
        ctx = await this.checkContext(lane, job);
        this.checkClinical(lane, job, ctx);
      }
      job.phase = 'executing';
      this.appendOrRefuse('INTENT', { commandId: c.commandId, transactionId: job.transactionId, device: job.device, param: c.set.param, from: ctx.current, to: c.set.value, unit: c.set.unit, issuer: c.issuer.id });
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      this.countFailure(lane, err.reason);
      await this.finish(lane, job, err.state, err);
      return;
    }
    await this.execute(lane, job, ctx);
  }

  // ——— check 3: freshness (replay was checked at receipt) ———

  private checkFreshness(job: Job): void {
    const c = job.envelope.command;
    const why = this.time!.untrustedBecause();
    if (why) throw new Refusal('TIME_UNTRUSTED', `${why}: remote setpoints are refused (local operation is unaffected)`);
    const now = this.env.clock.wallMs();
    const issued = Date.parse(c.issuedAt);
    const expires = Date.parse(c.expiresAt);
    const notBefore = Date.parse(c.notBefore);
    const skew = this.settings.skewS * 1000;
    const used = { now: isoMs(now), issuedAt: c.issuedAt, notBefore: c.notBefore, expiresAt: c.expiresAt, skewS: this.settings.skewS, maxLifetimeS: this.settings.maxLifetimeS };
    const fail = (reason: Reason, message: string) => {
      this.note('CHECK', { commandId: c.commandId, check: 'freshness', ok: false, reason, used });
      throw new Refusal(reason, message, used, job.phase === 'confirm' ? 'Cnclld' : 'Fail');
    };
    if (expires - issued > this.settings.maxLifetimeS * 1000) fail('STALE', `lifetime ${(expires - issued) / 1000} s exceeds ${this.settings.maxLifetimeS} s`);
    if (now > expires) fail('STALE', `expired at ${c.expiresAt} (now ${isoMs(now)})`);
    if (now < issued - skew || now < notBefore - skew) fail('NOT_YET_VALID', `not valid before ${c.notBefore} (issued ${c.issuedAt}; now ${isoMs(now)})`);
    this.appendOrRefuse('CHECK', { commandId: c.commandId, check: 'freshness', ok: true, used });
  }

  // ——— checks 4 and 5: safety context, lease, device capability and mode ———

  private async checkContext(lane: Lane, job: Job): Promise<Context> {
    const c = job.envelope.command;
    const { config } = this.env;
    const encounter = this.parts.encounter.encounter?.id;
    const { refuse, mismatch } = this.contextRefusals(job);
    this.checkFixedContext(job);
    if (c.basedOn.stateVersion !== lane.stateVersion) mismatch('stateVersion', lane.stateVersion, c.basedOn.stateVersion);
    if (lane.reconciles.length > 0) {
      refuse('INDETERMINATE', `the outcome of an earlier command on ${job.device} is not yet settled by a readback`, { pending: lane.reconciles.map((p) => p.commandId) });
    }
    const ended = this.endedLeases.has(c.leaseId) || (await this.store!.leaseEnded(c.leaseId));
    this.checkLease(lane, job, ended, refuse);
    const cap = this.parts.devices.settings(job.device);
    if (!cap) refuse('NOT_ENABLED', `${job.device} is not attached or cannot be written (read-only protocol)`, { device: job.device });
    const setting = cap!.list().find((s) => s.name === c.set.param);
    if (!setting) refuse('NOT_ENABLED', `${c.set.param} is not a writable setting of ${job.device}`, { writable: cap!.list().map((s) => s.name) });
    const s = setting!;
    if (s.unit.ucum !== c.set.unit) mismatch('unit', s.unit.ucum, c.set.unit);
    const mode = cap!.operatingMode ? await cap!.operatingMode().catch(() => 'unknown') : this.modeFromRecords(job.device, s);
    if (mode !== 'normal') refuse('NOT_NORMAL_MODE', `${job.device} is in ${mode} mode, not normal`, { mode });
    const range = this.checkGrid(job, s);
    let current: number;
    try {
      current = await this.withDeadline(cap!.readBack(s.name), this.settings.maxTimeToFinishMs);
    } catch (err) {
      return refuse('NOT_ENABLED', `${job.device} did not answer a read of ${s.name}: ${(err as Error).message}`, { device: job.device });
    }
    this.remember(lane, s, current);
    if (Math.abs(current - c.basedOn.currentValue) > s.step / 2) mismatch('currentValue', current, c.basedOn.currentValue);
    if (c.basedOn.stateVersion !== lane.stateVersion) mismatch('stateVersion', lane.stateVersion, c.basedOn.stateVersion);
    this.appendOrRefuse('CHECK', { commandId: c.commandId, check: 'context', ok: true, used: { vehicle: config.vehicle.id, device: job.device, encounter, stateVersion: lane.stateVersion, current, ...range } });
    return { cap: cap!, setting: s, current };
  }

  /** How a context check refuses: logged, and cancelled rather than failed when the crew had already been asked. */
  private contextRefusals(job: Job) {
    const c = job.envelope.command;
    const later = job.phase === 'confirm' || job.phase === 'executing';
    const refuse = (reason: Reason, message: string, used: Record<string, unknown>): never => {
      this.note('CHECK', { commandId: c.commandId, check: 'context', ok: false, reason, used });
      throw new Refusal(reason, message, used, later && reason === 'CONTEXT_MISMATCH' ? 'Cnclld' : 'Fail');
    };
    const mismatch = (field: string, expected: unknown, got: unknown): never =>
      refuse('CONTEXT_MISMATCH', `${field}: the command says ${JSON.stringify(got)}, the gateway has ${JSON.stringify(expected)}`, { field, gateway: expected, command: got });
    return { refuse, mismatch };
  }

  /** The part of the context that does not change while a command waits: what it targets and what it is based on. */
  private checkFixedContext(job: Job): void {
    const c = job.envelope.command;
    const { config } = this.env;
    const encounter = this.parts.encounter.encounter?.id;
    const { refuse, mismatch } = this.contextRefusals(job);
    if (c.target.vehicleId !== config.vehicle.id) mismatch('vehicle', config.vehicle.id, c.target.vehicleId);
    if (c.target.deviceId !== job.device) mismatch('device', job.device, c.target.deviceId);
    if (!this.parts.devices.exists(job.device)) refuse('NOT_ENABLED', `no device ${job.device} in this vehicle`, { device: job.device });
    if (c.target.encounterId !== encounter) mismatch('encounter', encounter ?? null, c.target.encounterId);
    if (c.policyVersion !== this.policy?.version) mismatch('policyVersion', this.policy?.version ?? null, c.policyVersion);
    if (c.basedOn.param !== c.set.param) mismatch('basedOn.param', c.set.param, c.basedOn.param);
    if (c.basedOn.unit !== c.set.unit) mismatch('basedOn.unit', c.set.unit, c.basedOn.unit);
  }

  /** The device's declared range and grid for the setting (never rounded onto it). */
  private checkGrid(job: Job, s: WritableSetting): { value: number; min: number; max: number; step: number } {
    const c = job.envelope.command;
    const v = c.set.value;
    const range = { value: v, min: s.min, max: s.max, step: s.step };
    const { refuse } = this.contextRefusals(job);
    if (v < s.min || v > s.max) refuse('OUT_OF_DEVICE_RANGE', `${s.name} ${v} is outside the device range ${s.min}–${s.max}`, range);
    const k = (v - s.min) / s.step;
    if (Math.abs(k - Math.round(k)) > 1e-6) refuse('OFF_STEP', `${s.name} ${v} is not on the device grid ${s.min} + k·${s.step} (never rounded)`, range);
    return range;
  }

  private checkLease(lane: Lane, job: Job, ended: boolean, refuse: (reason: Reason, message: string, used: Record<string, unknown>) => never): void {
    const c = job.envelope.command;
    const holder = c.issuer.id;
    const lease = lane.lease;
    if (lease && lease.leaseId === c.leaseId) return;
    if (lease && lease.holder !== holder) refuse('LEASE_HELD', `remote authority over ${job.device} is held by ${lease.holder} (lease ${lease.leaseId})`, { holder: lease.holder, leaseId: lease.leaseId });
    if (ended) refuse('NO_LEASE', `lease ${c.leaseId} has ended: open a new one (new leaseId)`, { leaseId: c.leaseId });
  }

  // ——— check 6: clinical limits ———

  private checkClinical(lane: Lane, job: Job, ctx: Context): void {
    const c = job.envelope.command;
    const limits = this.policy!.limits;
    const spo2 = this.spo2();
    const outcomes = clinicalChecks({
      name: ctx.setting.name,
      clinical: job.clinical,
      current: ctx.current,
      target: c.set.value,
      limits,
      pbwKg: pbwOf(this.parts.encounter.encounter),
      pplat: lane.lastValidPplat,
      spo2,
      alarms: this.activeHighAlarms(job.device),
      history: lane.history,
      nowMono: this.env.clock.monoMs(),
      fromAi: c.origin === 'ai-recommendation',
    });
    const failed = outcomes.filter((o) => !o.ok);
    for (const o of outcomes) this.appendOrRefuse('CHECK', { commandId: c.commandId, check: o.check, ok: o.ok, ...(o.reason ? { reason: o.reason } : {}), used: o.used });
    const first = failed[0];
    if (first) {
      throw new Refusal(first.reason!, first.message!, { violations: failed.map((f) => ({ check: f.check, reason: f.reason, message: f.message, used: f.used })) }, job.phase === 'confirm' ? 'Cnclld' : 'Fail');
    }
  }

  // ——— check 7: crew confirmation ———

  private crewConfirmation(job: Job, ctx: Context): Promise<string> {
    const c = job.envelope.command;
    job.phase = 'confirm';
    job.confirmDeadlineWall = this.env.clock.wallMs() + this.settings.confirm.timeoutS * 1000;
    this.emitEvent(job.device, 'setpoint.pending', {
      commandId: c.commandId,
      param: c.set.param,
      from: ctx.current,
      to: c.set.value,
      unit: c.set.unit,
      issuer: c.issuer.id,
      timeoutS: this.settings.confirm.timeoutS,
    });
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => job.settle?.(new Refusal('LOCAL_CONFIRM_TIMEOUT', `the crew did not confirm within ${this.settings.confirm.timeoutS} s`, {}, 'Cnclld')),
        this.settings.confirm.timeoutS * 1000,
      );
      job.settle = (outcome) => {
        clearTimeout(timer);
        job.settle = undefined;
        if (outcome instanceof Refusal) reject(outcome);
        else resolve(outcome.confirmedBy);
      };
    });
  }

  private crewDecision(commandId: string, by: string, confirm: boolean): { commandId: string; decision: string } {
    const job = this.inFlight.get(commandId);
    if (!job || job.phase !== 'confirm' || !job.settle) throw new ControlMethodError('not-pending', `no command ${commandId} is waiting for the crew`);
    if (confirm) job.settle({ confirmedBy: by });
    else {
      this.note('CONFIRM', { commandId, by, confirmed: false });
      job.settle(new Refusal('LOCAL_REJECTED', `rejected by the crew (${by})`, { by }, 'CnclldMan'));
    }
    return { commandId, decision: confirm ? 'confirmed' : 'rejected' };
  }

  private onCrew(a: CrewAction): void {
    if (a.action !== 'setpoint/confirm' && a.action !== 'setpoint/reject') return;
    try {
      const { commandId } = JSON.parse(a.payload.toString()) as { commandId?: unknown };
      this.crewDecision(String(commandId), `crew:${a.username}`, a.action === 'setpoint/confirm');
    } catch (err) {
      this.env.log.warn({ action: a.action, by: a.username, err: (err as Error).message }, 'crew setpoint action refused');
    }
  }

  // ——— checks 8–10: intent (done), one write, readback, outcome ———

  private async execute(lane: Lane, job: Job, ctx: Context): Promise<void> {
    const c = job.envelope.command;
    const { cap, setting } = ctx;
    const target = c.set.value;
    const deadline = this.env.clock.monoMs() + this.settings.maxTimeToFinishMs;
    const left = () => Math.max(0, deadline - this.env.clock.monoMs());
    await this.report(job, 'Start');
    let expected = target;
    try {
      const ack = await this.withDeadline(cap.write(setting.name, target), left());
      const applied = ack && typeof ack === 'object' && typeof ack.applied === 'number' ? ack.applied : undefined;
      this.note('WRITE', { commandId: c.commandId, param: setting.name, value: target, acknowledged: true, ...(applied !== undefined ? { applied } : {}) });
      if (applied !== undefined) expected = applied;
    } catch (err) {
      const refused = err instanceof SettingWriteError && err.reason === 'rejected';
      this.note('WRITE', { commandId: c.commandId, param: setting.name, value: target, acknowledged: false, error: (err as Error).message });
      if (!refused) return this.indeterminate(lane, job, ctx, `no answer to the write: ${(err as Error).message}`);
      const actual = await this.withDeadline(cap.readBack(setting.name), left()).catch(() => undefined);
      this.note('READBACK', { commandId: c.commandId, param: setting.name, value: actual ?? null });
      if (actual === undefined) return this.indeterminate(lane, job, ctx, 'the device refused the write and could not be read back');
      return this.outcome(lane, job, 'Fail', new Refusal('NOT_ENABLED', `the device refused the write (${(err as Error).message}); it reads ${actual}`), actual);
    }
    let actual: number | undefined;
    let reads = 0;
    while (left() > 0) {
      try {
        actual = await this.withDeadline(cap.readBack(setting.name), left());
        reads++;
        if (Math.abs(actual - expected) <= setting.step / 2) break;
      } catch {
        /* read again until the deadline */
      }
      if (left() > 0) await new Promise((r) => setTimeout(r, Math.min(this.settings.readbackIntervalMs, left())));
    }
    this.note('READBACK', { commandId: c.commandId, param: setting.name, value: actual ?? null, reads });
    if (actual === undefined) return this.indeterminate(lane, job, ctx, `no readback within ${this.settings.maxTimeToFinishMs} ms`);
    this.remember(lane, setting, actual);
    const matchesTarget = Math.abs(actual - target) <= setting.step / 2;
    if (matchesTarget) return this.outcome(lane, job, 'Fin', undefined, actual);
    const finModOk = expected !== target && Math.abs(actual - expected) <= setting.step / 2 && this.admissible(lane, job, ctx, expected);
    if (finModOk) return this.outcome(lane, job, 'FinMod', undefined, actual);
    this.alarm(job.device, 'setpoint-readback-mismatch', `${setting.name}: asked ${target}, device reads ${actual} — check the ventilator`);
    return this.outcome(lane, job, 'Fail', new Refusal('READBACK_MISMATCH', `${setting.name} reads ${actual} after writing ${target} (no automatic retry)`, { target, actual }), actual);
  }

  /** A value the device chose itself (FinMod) must still satisfy the device range and every clinical limit. */
  private admissible(lane: Lane, job: Job, ctx: Context, value: number): boolean {
    const s = ctx.setting;
    if (value < s.min || value > s.max) return false;
    const outcomes = clinicalChecks({
      name: s.name, clinical: job.clinical, current: ctx.current, target: value, limits: this.policy!.limits, pbwKg: pbwOf(this.parts.encounter.encounter),
      pplat: lane.lastValidPplat, spo2: this.spo2(), alarms: this.activeHighAlarms(job.device), history: lane.history, nowMono: this.env.clock.monoMs(),
      fromAi: job.envelope.command.origin === 'ai-recommendation',
    });
    return outcomes.every((o) => o.ok);
  }

  private async indeterminate(lane: Lane, job: Job, ctx: Context, message: string): Promise<void> {
    const c = job.envelope.command;
    const p: PendingReconcile = { commandId: c.commandId, device: job.device, param: ctx.setting.name, target: c.set.value, from: ctx.current };
    lane.reconciles.push(p);
    await this.store!.putReconcile(p);
    this.alarm(job.device, 'setpoint-indeterminate', `${ctx.setting.name}: the outcome of a remote change is unknown until the device is read back — check the ventilator`);
    await this.outcome(lane, job, 'Fail', new Refusal('INDETERMINATE', `${message}; the outcome will be settled by a readback after reconnect (never assumed)`), undefined);
  }

  private async outcome(lane: Lane, job: Job, state: InvocationState, refusal: Refusal | undefined, actual: number | undefined): Promise<void> {
    const c = job.envelope.command;
    this.note('OUTCOME', { commandId: c.commandId, state, ...(refusal ? { reason: refusal.reason } : {}), param: c.set.param, target: c.set.value, actual: actual ?? null });
    if (state === 'Fin' || state === 'FinMod') {
      const change = { param: c.set.param, clinical: job.clinical, from: c.basedOn.currentValue, to: actual!, mono: this.env.clock.monoMs() };
      lane.history.push(change);
      await this.store!.addHistory(job.device, change, this.env.clock.wallMs(), 4 * 3600_000);
      this.bump(lane, 'setpoint applied');
      const lease = lane.lease;
      if (!lease || lease.leaseId !== c.leaseId) {
        lane.lease = { leaseId: c.leaseId, holder: c.issuer.id, keyId: c.issuer.keyId, lastUsedMono: this.env.clock.monoMs() };
        this.note('LEASE', { device: job.device, leaseId: c.leaseId, holder: c.issuer.id, event: 'granted' });
      } else lease.lastUsedMono = this.env.clock.monoMs();
    }
    await this.finish(lane, job, state, refusal, actual);
  }

  /** The one final report of a command; on anything but success, the safe state. */
  private async finish(lane: Lane, job: Job, state: InvocationState, refusal: Refusal | undefined, actual?: number, options: { keepLease?: boolean } = {}): Promise<void> {
    const c = job.envelope.command;
    const result = this.resultOf(job, state, refusal, actual);
    // The safe state first (authority ended, crew alerted), then the answer. A command refused at receipt while
    // another one holds the device keeps that one's lease: it never ran, and the one ahead is still being decided.
    if (state !== 'Fin' && state !== 'FinMod') await this.safeState(lane, job, refusal, options.keepLease);
    await this.store!.putCommand(c.commandId, { contentHash: contentHash(c), device: job.device, result });
    await this.report(job, state, result);
    await this.parts.audit.checkpoint();
  }

  /** Keep ventilating as the device is; end remote authority; tell the crew. Never changes therapy. */
  private async safeState(lane: Lane, job: Job, refusal: Refusal | undefined, keepLease = false): Promise<void> {
    const c = job.envelope.command;
    if (!keepLease && lane.lease && lane.lease.holder === c.issuer.id) await this.endLease(lane, `command ${c.commandId} ended ${refusal?.reason ?? 'unsuccessfully'}`);
    this.alert(job.device, refusal?.reason ?? 'INDETERMINATE', `remote setpoint ${c.set.param} → ${c.set.value} not applied: ${refusal?.message ?? ''}`, c.commandId);
  }

  private async endLease(lane: Lane, why: string): Promise<void> {
    const lease = lane.lease;
    if (!lease) return;
    lane.lease = undefined;
    this.endedLeases.add(lease.leaseId);
    await this.store!.endLease(lease.leaseId, why);
    this.note('LEASE', { device: lane.device, leaseId: lease.leaseId, holder: lease.holder, event: 'ended', why });
    this.emitEvent(lane.device, 'setpoint.lease_ended', { leaseId: lease.leaseId, holder: lease.holder, why });
  }

  // ——— reporting ———

  private resultOf(job: Job, state: InvocationState, refusal?: Refusal, actual?: number): ResultMessage {
    const c = job.envelope.command;
    const violations = refusal?.detail.violations as ResultMessage['violations'] | undefined;
    return {
      v: 1,
      vehicle: this.env.config.vehicle.id,
      device: job.device,
      commandId: c.commandId,
      transactionId: job.transactionId,
      state,
      ...(refusal ? { reason: refusal.reason, message: refusal.message } : {}),
      source: { id: c.issuer.id, keyId: c.issuer.keyId, origin: c.origin },
      target: { param: c.set.param, value: c.set.value, unit: c.set.unit },
      ...(actual !== undefined ? { actual } : {}),
      ...(violations ? { violations } : {}),
      at: isoMs(this.env.clock.wallMs()),
    };
  }

  private async report(job: Job, state: InvocationState, result?: ResultMessage): Promise<void> {
    await this.publish(job.device, result ?? this.resultOf(job, state));
  }

  private async publish(device: string, partial: Omit<ResultMessage, 'v' | 'vehicle' | 'device' | 'at'> & Partial<ResultMessage>, log = true): Promise<void> {
    const result: ResultMessage = { v: 1, vehicle: this.env.config.vehicle.id, device, at: isoMs(this.env.clock.wallMs()), ...partial };
    if (log) this.note('STATE', { commandId: result.commandId, transactionId: result.transactionId, state: result.state, ...(result.reason ? { reason: result.reason } : {}) });
    this.emitEvent(device, 'setpoint.state', result as unknown as Record<string, unknown>);
    const publisher = this.parts.hospital.publisher;
    if (!publisher) return;
    try {
      await publisher.publish({ topic: this.env.topics.setpointResult(device), stream: `${device}/setpoint-result`, payload: { ...result } });
    } catch (err) {
      this.env.log.error({ device, commandId: result.commandId, err: (err as Error).message }, 'setpoint result could not be queued for the hospital');
    }
  }

  private emitEvent(device: string, event: string, detail: Record<string, unknown>): void {
    const { clock, config } = this.env;
    const at = isoMs(clock.wallMs());
    const record: EventRecord = { kind: 'event', schema: SCHEMA_VERSION, vehicle: config.vehicle.id, device, driver: DRIVER, observedAt: at, receivedAt: at, mono: clock.monoMs(), event, detail };
    this.parts.ingest(record);
  }

  /** An alert for the crew (and the hospital): an event record, and an audit entry. */
  private alert(device: string, reason: Reason, message: string, commandId?: string): void {
    this.note('ALERT', { device, reason, message, ...(commandId ? { commandId } : {}) });
    this.emitEvent(device, 'setpoint.alert', { reason, message, ...(commandId ? { commandId } : {}) });
    this.env.log.warn({ device, reason, commandId }, message);
  }

  /** Alarms at both ends: a high-priority technical alarm record (crew tablet and hospital). */
  private alarm(device: string, alarmId: string, text: string): void {
    const { clock, config } = this.env;
    const at = isoMs(clock.wallMs());
    const record: AlarmRecord = {
      kind: 'alarm', schema: SCHEMA_VERSION, vehicle: config.vehicle.id, device, driver: DRIVER, observedAt: at, receivedAt: at, mono: clock.monoMs(),
      alarmId, text, priority: 'high', category: 'technical', state: 'active',
    };
    this.parts.ingest(record);
  }

  // ——— the world the checks look at ———

  private observe(r: CanonicalRecord): void {
    if (r.driver === DRIVER) return;
    if (r.kind === 'device') {
      const lane = this.lanes.get(r.device);
      if (lane && r.state === 'connected' && lane.linkState !== undefined && lane.linkState !== 'connected') this.bump(lane, 'device (re)connected');
      if (lane) lane.linkState = r.state;
      return;
    }
    if (r.kind === 'numeric' && r.metric.ref === 'MDC_PRESS_RESP_PLAT' && r.validity === 'valid' && r.value !== null) {
      this.lane(r.device).lastValidPplat = r.value;
      return;
    }
    if (r.kind !== 'setting' || typeof r.value !== 'number') return;
    const cap = this.parts.devices.settings(r.device);
    const s = cap?.list().find((w) => w.metric.ref === r.metric.ref);
    if (s) this.remember(this.lane(r.device), s, r.value);
  }

  /** A changed setting value (a knob turned, a write applied) makes a new state version. */
  private remember(lane: Lane, s: WritableSetting, value: number): void {
    const before = lane.observed.get(s.name);
    lane.observed.set(s.name, value);
    if (before !== undefined && Math.abs(before - value) > s.step / 2) this.bump(lane, `${s.name} changed ${before} → ${value}`);
  }

  private bump(lane: Lane, why: string): void {
    lane.stateVersion++;
    this.emitEvent(lane.device, 'setpoint.context', { stateVersion: lane.stateVersion, encounter: this.parts.encounter.encounter?.id ?? null, why, settings: Object.fromEntries(lane.observed) });
    // A change on the device wins over anything waiting for the crew (it was judged on the old state).
    for (const job of [lane.running, ...lane.queue]) {
      if (job?.phase === 'confirm' && job.settle) {
        job.settle(new Refusal('CONTEXT_MISMATCH', `the device changed while waiting for the crew (${why})`, { stateVersion: lane.stateVersion }, 'Cnclld'));
      }
    }
  }

  private onEncounter(current: string | undefined, previous: string | undefined): void {
    this.note('ENCOUNTER', { encounter: current ?? null, previous: previous ?? null });
    for (const lane of this.lanes.values()) {
      this.bump(lane, `encounter ${previous ?? 'none'} → ${current ?? 'none'}`);
      this.background(this.endLease(lane, 'the encounter changed'));
    }
  }

  private spo2(): { value: number | null; validity: string; ageMs: number } | undefined {
    const devices = this.settings.vitalsDevice ? [this.settings.vitalsDevice] : this.env.config.devices.map((d) => d.id);
    let best: { value: number | null; validity: string; ageMs: number } | undefined;
    for (const d of devices) {
      const e = this.parts.latest.get(d, 'numeric:MDC_PULS_OXIM_SAT_O2');
      if (e && e.record.kind === 'numeric' && (!best || e.ageMs < best.ageMs)) best = { value: e.record.value, validity: e.record.validity, ageMs: e.ageMs };
    }
    return best;
  }

  private activeHighAlarms(device: string): string[] {
    const entries = this.parts.latest.snapshot()[device] ?? [];
    return entries
      .map((e) => e.record)
      .filter((r): r is AlarmRecord => r.kind === 'alarm' && r.driver !== DRIVER && r.priority === 'high' && (r.state === 'active' || r.state === 'latched'))
      .map((r) => r.alarmId);
  }

  private modeFromRecords(device: string, s: WritableSetting): string {
    const e = this.parts.latest.get(device, `setting:${s.metric.ref}`);
    return e?.record.kind === 'setting' && e.record.validity === 'demo' ? 'demo' : 'normal';
  }

  private clinicalOf(device: string, param: string): ClinicalParam | undefined {
    const s = this.parts.devices.settings(device)?.list().find((w) => w.name === param);
    if (s) return clinicalParamOf(s.metric.ref);
    return CLINICAL_NAMES.has(param) ? (param as ClinicalParam) : undefined;
  }

  // ——— housekeeping: leases, reconciliation, recovery ———

  private tick(): void {
    if (this.stopping) return;
    const now = this.env.clock.monoMs();
    for (const lane of this.lanes.values()) {
      const lease = lane.lease;
      if (lease && !lane.running && now - lease.lastUsedMono > this.settings.leaseS * 1000) {
        this.background(
          this.endLease(lane, `no command for ${this.settings.leaseS} s`).then(() =>
            this.alert(lane.device, 'NO_LEASE', `remote authority over ${lane.device} lapsed; settings stay as they are`),
          ),
        );
      }
      if (lane.reconciles.length > 0) this.background(this.reconcile(lane));
    }
  }

  /** Work that is not a command's own (lease lapses, reconciliation): awaited at stop, failures logged. */
  private background(work: Promise<unknown>): void {
    const done: Promise<void> = work
      .then(() => undefined)
      .catch((err: Error) => this.env.log.error({ err: err.stack }, 'setpoint housekeeping failed'))
      .finally(() => this.runs.delete(done));
    this.runs.add(done);
  }

  private reconciling = new Set<string>();

  /** Settles INDETERMINATE outcomes and INTENTs without OUTCOME by reading the device back (never by assuming). */
  private async reconcile(lane: Lane): Promise<void> {
    if (this.reconciling.has(lane.device)) return;
    const cap = this.parts.devices.settings(lane.device);
    if (!cap) return;
    this.reconciling.add(lane.device);
    try {
      for (const p of [...lane.reconciles]) {
        const s = cap.list().find((w) => w.name === p.param);
        let actual: number;
        try {
          actual = await this.withDeadline(cap.readBack(p.param), this.settings.maxTimeToFinishMs);
        } catch {
          return;
        }
        const matchesTarget = s ? Math.abs(actual - p.target) <= s.step / 2 : actual === p.target;
        const recovered = p.recovered === true;
        this.note(recovered ? 'RECOVERED' : 'RECONCILED', { commandId: p.commandId, device: p.device, param: p.param, target: p.target, from: p.from, actual, matchesTarget });
        const original = await this.store!.command(p.commandId);
        const base = original?.result ?? { commandId: p.commandId, transactionId: randomUUID(), state: 'Fail' as InvocationState };
        const result: ResultMessage = {
          ...base,
          v: 1,
          vehicle: this.env.config.vehicle.id,
          device: p.device,
          state: 'Fail',
          reason: 'INDETERMINATE',
          message: recovered ? 'the gateway restarted between the device write and its outcome; settled by readback' : 'settled by a readback after reconnect',
          actual,
          reconciled: { actual, matchesTarget },
          at: isoMs(this.env.clock.wallMs()),
        };
        await this.publish(p.device, result);
        if (original) await this.store!.putCommand(p.commandId, { ...original, result });
        lane.reconciles.splice(lane.reconciles.indexOf(p), 1);
        await this.store!.clearReconcile(p);
        if (s) this.remember(lane, s, actual);
        this.bump(lane, `readback settled ${p.commandId}`);
      }
    } finally {
      this.reconciling.delete(lane.device);
    }
  }

  /**
   * Commands accepted before the gateway stopped without a final state and without an intent (so never written):
   * each gets its final state now, Cnclld NO_LEASE (a restart ends remote authority).
   */
  private async closeStranded(): Promise<void> {
    const recovering = new Set([...this.lanes.values()].flatMap((l) => l.reconciles.map((p) => p.commandId)));
    for (const { id, record } of await this.store!.unfinished()) {
      if (recovering.has(id)) continue;
      const result: ResultMessage = {
        ...(record.result ?? {}),
        v: 1,
        vehicle: this.env.config.vehicle.id,
        device: record.device,
        commandId: id,
        transactionId: record.result?.transactionId ?? randomUUID(),
        state: 'Cnclld',
        reason: 'NO_LEASE',
        message: 'the gateway restarted before this command ran; nothing was written',
        at: isoMs(this.env.clock.wallMs()),
      };
      await this.publish(record.device, result);
      await this.store!.putCommand(id, { ...record, result });
    }
  }

  /** INTENT without OUTCOME in the log read at boot: the gateway stopped mid-command. Read the device back. */
  private recoverIntents(): void {
    const records = this.parts.audit.opened?.records ?? [];
    const open = new Map<string, Record<string, unknown>>();
    for (const r of records) {
      const id = r.payload.commandId as string | undefined;
      if (!id) continue;
      if (r.type === 'INTENT') open.set(id, r.payload);
      else if (r.type === 'OUTCOME' || r.type === 'RECOVERED') open.delete(id);
    }
    for (const [commandId, p] of open) {
      const lane = this.lane(String(p.device));
      if (lane.reconciles.some((x) => x.commandId === commandId)) continue;
      lane.reconciles.push({ commandId, device: lane.device, param: String(p.param), target: Number(p.to), from: Number(p.from), recovered: true });
      this.env.log.warn({ commandId, device: lane.device }, 'a setpoint was interrupted by a restart; reading the device back');
    }
  }

  // ——— helpers ———

  private lane(device: string): Lane {
    let lane = this.lanes.get(device);
    if (!lane) this.lanes.set(device, (lane = new Lane(device)));
    return lane;
  }

  private countFailure(lane: Lane, reason: Reason): void {
    if (!SUSPICIOUS.has(reason)) return;
    const now = this.env.clock.monoMs();
    const rl = this.settings.rateLimit;
    lane.failures = lane.failures.filter((t) => now - t < rl.failureWindowS * 1000);
    lane.failures.push(now);
    if (lane.failures.length >= rl.failuresBeforeSuspend && now >= lane.suspendedUntil) {
      lane.suspendedUntil = now + rl.suspendS * 1000;
      lane.failures = [];
      this.background(this.endLease(lane, 'suspended after repeated failures'));
      this.alert(lane.device, 'RATE_LIMITED', `remote control of ${lane.device} suspended for ${rl.suspendS} s after ${rl.failuresBeforeSuspend} signature/context failures`);
    }
  }

  /** An audit append the command depends on: if it cannot be written, the command is cancelled. */
  private appendOrRefuse(type: AuditType, payload: Record<string, unknown>): void {
    try {
      this.parts.audit.append(type, payload);
      const passed = type === 'CHECK' && payload.ok === true ? this.inFlight.get(String(payload.commandId))?.passed : undefined;
      if (passed && !passed.includes(String(payload.check))) passed.push(String(payload.check));
    } catch (err) {
      if (err instanceof AuditUnavailable) throw new Refusal('AUDIT_UNAVAILABLE', err.message, {}, 'Cnclld');
      throw err;
    }
  }

  private note(type: AuditType, payload: Record<string, unknown>): void {
    this.parts.audit.note(type, payload);
  }

  private withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(ms)} ms`)), ms);
      promise.then(
        (v) => (clearTimeout(timer), resolve(v)),
        (e: unknown) => (clearTimeout(timer), reject(e instanceof Error ? e : new Error(String(e)))),
      );
    });
  }

  private loadPolicy(): void {
    const { config } = this.env;
    try {
      const authority = createPublicKey(readFileSync(this.settings.authorityKeyFile, 'utf8'));
      const policy = loadPolicy(this.settings.policyFile, authority, config.vehicle.id);
      const changed = policy.hash !== this.policy?.hash;
      this.policy = policy;
      this.policyProblem = undefined;
      if (changed) {
        this.note('POLICY', { version: policy.version, hash: policy.hash, keys: [...policy.keys.values()].map((k) => ({ keyId: k.keyId, holder: k.holder, roles: k.roles })), revoked: [...policy.revoked] });
      }
    } catch (err) {
      this.policy = undefined;
      this.policyProblem = err instanceof PolicyError ? err.message : `cannot load the setpoint policy: ${(err as Error).message}`;
      this.note('POLICY', { problem: this.policyProblem });
      this.env.log.error({ problem: this.policyProblem }, 'no valid setpoint policy: remote setpoints are refused');
    }
  }

  // ——— what the CLI shows ———

  pending(): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (const lane of this.lanes.values()) {
      for (const job of [lane.running, ...lane.queue]) {
        if (!job) continue;
        const c = job.envelope.command;
        out.push({
          commandId: c.commandId,
          device: job.device,
          phase: job.phase,
          param: c.set.param,
          from: c.basedOn.currentValue,
          to: c.set.value,
          unit: c.set.unit,
          issuer: c.issuer.id,
          approvers: c.approvers.map((a) => a.id),
          passed: [...job.passed],
          origin: c.origin,
          ...(job.confirmDeadlineWall ? { confirmBy: isoMs(job.confirmDeadlineWall) } : {}),
        });
      }
    }
    return out;
  }

  state(device: string): Record<string, unknown> {
    if (!this.parts.devices.exists(device)) throw new ControlMethodError('unknown-device', `no device "${device}" in this vehicle's config`);
    const lane = this.lane(device);
    const cap = this.parts.devices.settings(device);
    return {
      device,
      vehicle: this.env.config.vehicle.id,
      encounter: this.parts.encounter.encounter?.id ?? null,
      stateVersion: lane.stateVersion,
      policyVersion: this.policy?.version ?? null,
      writable: cap ? cap.list().map((s) => ({ name: s.name, unit: s.unit.ucum, min: s.min, max: s.max, step: s.step, value: lane.observed.get(s.name) ?? null })) : null,
      lease: lane.lease ? { leaseId: lane.lease.leaseId, holder: lane.lease.holder } : null,
      unsettled: lane.reconciles.map((p) => p.commandId),
      time: this.time?.untrustedBecause() ?? 'trusted',
    };
  }

  private readonly endedLeases = new Set<string>();
  private readonly runs = new Set<Promise<void>>();
}
