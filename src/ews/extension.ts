// Early warning as a daemon extension: recomputes NEWS2, qSOFA and the shock index on every record that feeds them
// (and on a tick, so a value that stops arriving goes stale), publishes each score as a `score` record when its
// meaning changes and at least every refresh interval, and an `alert` record once per band rise. Works with no uplink:
// the records reach the tablet through the local broker and wait in the outbox for the hospital like any other.
import { isoMs } from '../core/clock.js';
import type { DaemonEnv, Extension } from '../daemon/context.js';
import type { LatestValues } from '../daemon/latest-values.js';
import type { RecordGate } from '../daemon/record-gate.js';
import { NEWS2_BANDS } from './news2.js';
import { SCHEMA_VERSION, type AlertRecord, type CanonicalRecord, type ScoreBand, type ScoreName, type ScoreRecord } from '../schema/index.js';
import { BandAlerter } from './band-alerter.js';
import { CREW_EVENTS, SCORE_METRICS } from './inputs.js';
import { alertBand, alertBody, computeScores, scoreSignature, type ScoreBody, type ScoreSet } from './scores.js';
import { SHOCK_INDEX_BANDS } from './shock-index.js';

const DRIVER = 'ews';
const TICK_MS = 5_000;
const CREW = new Set<string>(Object.values(CREW_EVENTS));

interface Published {
  signature: string;
  atMono: number;
}

export interface EarlyWarningReport {
  scores: ScoreSet | null;
  alerts: AlertRecord[];
}

export class EarlyWarningExtension implements Extension {
  readonly name = 'early-warning';
  private timer: NodeJS.Timeout | undefined;
  private readonly published = new Map<ScoreName, Published>();
  private alerters: Record<ScoreName, BandAlerter<ScoreBand>> | undefined;
  private last: ScoreSet | null = null;
  private readonly alerts: AlertRecord[] = [];

  constructor(
    private readonly env: DaemonEnv,
    private readonly parts: { latest: LatestValues; gate: RecordGate },
  ) {}

  async start(): Promise<void> {
    const { config, bus, control } = this.env;
    if (!config.earlyWarning.enabled) return;
    const holdMs = config.earlyWarning.alertHoldS * 1000;
    this.alerters = {
      news2: new BandAlerter<ScoreBand>(NEWS2_BANDS, holdMs),
      qsofa: new BandAlerter<ScoreBand>(['negative', 'positive'], holdMs),
      'shock-index': new BandAlerter<ScoreBand>(SHOCK_INDEX_BANDS, holdMs),
    };
    bus.on(this, 'record', (r) => this.onRecord(r));
    this.timer = setInterval(() => this.evaluate(), TICK_MS);
    this.timer.unref();
    control.register('ews', (): EarlyWarningReport => ({ scores: this.last, alerts: this.alerts.slice(-20) }));
    this.env.statusSections.set('earlyWarning', () => ({
      // An incomplete score's floor is shown as what it is (atLeast), never as its band.
      news2: this.last ? { status: this.last.news2.status, value: this.last.news2.value, band: this.last.news2.band, ...(this.last.news2.atLeast ? { atLeast: this.last.news2.atLeast } : {}) } : null,
      alerts: this.alerts.length,
    }));
  }

  async stop(): Promise<void> {
    this.env.bus.removeListeners(this);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private onRecord(r: CanonicalRecord): void {
    if (r.kind === 'event' && (r.event === 'encounter.opened' || r.event === 'encounter.closed')) {
      // A new patient: nothing alerted for them yet, and nothing of the last one's carried over.
      for (const a of Object.values(this.alerters ?? {})) a.reset();
      this.published.clear();
      return this.evaluate();
    }
    const feeds =
      ((r.kind === 'numeric' || r.kind === 'setting') && SCORE_METRICS.has(r.metric.ref)) || (r.kind === 'event' && CREW.has(r.event));
    if (feeds) this.evaluate();
  }

  private evaluate(): void {
    const alerters = this.alerters;
    if (!alerters) return;
    const { config, clock } = this.env;
    const nowMono = clock.monoMs();
    const scores = computeScores({
      latest: this.parts.latest,
      config: config.earlyWarning,
      devices: config.devices.filter((d) => d.enabled).map((d) => d.id),
      encounter: this.parts.gate.encounter,
      nowIso: isoMs(clock.wallMs()),
    });
    this.last = scores;
    for (const body of [scores.news2, scores.qsofa, scores.shockIndex]) {
      this.publishIfChanged(body, nowMono);
      const { band, floor } = alertBand(body);
      const rise = alerters[body.score].update(band, nowMono, floor);
      if (rise) this.alert(body, rise.from, rise.to);
    }
  }

  private publishIfChanged(body: ScoreBody, nowMono: number): void {
    const signature = scoreSignature(body);
    const prev = this.published.get(body.score);
    const refreshMs = this.env.config.earlyWarning.refreshS * 1000;
    if (prev && prev.signature === signature && nowMono - prev.atMono < refreshMs) return;
    // Nothing measured or entered yet (a daemon with no patient): no score to publish.
    if (!prev && !body.components.some((c) => c.input && c.input.source !== 'default')) return;
    this.published.set(body.score, { signature, atMono: nowMono });
    const record: ScoreRecord = { kind: 'score', ...this.envelope(), ...body };
    this.parts.gate.ingest(record);
  }

  private alert(body: ScoreBody, from: ScoreBand | null, to: ScoreBand): void {
    const record: AlertRecord = { kind: 'alert', ...this.envelope(), ...alertBody(body, from, to) };
    this.alerts.push(record);
    if (this.alerts.length > 100) this.alerts.shift();
    this.env.log.warn({ score: body.score, from, to, value: body.value }, 'early warning: band rose');
    this.parts.gate.ingest(record);
  }

  private envelope() {
    const { clock, config } = this.env;
    const at = isoMs(clock.wallMs());
    return { schema: SCHEMA_VERSION, vehicle: config.vehicle.id, device: 'gateway', driver: DRIVER, observedAt: at, receivedAt: at, mono: clock.monoMs() };
  }
}
