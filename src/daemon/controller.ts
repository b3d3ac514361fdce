// The composition root: builds the daemon's parts from the vehicle config, starts them in order, stops them in
// reverse, and tells systemd. Constructors only assign; all work happens in start().
import { mkdirSync } from 'node:fs';
import { TypedBus } from '../core/event-bus.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { SdNotify } from '../core/sd-notify.js';
import { topicsFor } from '../core/topics.js';
import type { LoadedConfig } from '../config/load.js';
import { ConsoleExtension } from '../console/index.js';
import { ControlServer } from '../control/server.js';
import { AuditService } from '../audit/service.js';
import type { HospitalChannel } from '../core/hospital-channel.js';
import { EncounterService } from '../encounter/service.js';
import { CrewInputService } from '../crew/service.js';
import { EarlyWarningExtension } from '../ews/extension.js';
import { TimelineExtension } from '../timeline/extension.js';
import { SetpointService } from '../setpoints/service.js';
import { OutboxExtension, type Outbox } from '../outbox/index.js';
import { UplinkExtension, type Uplink } from '../uplink/index.js';
import { HandoverExtension } from '../handover/extension.js';
import { ControlApi } from './control-api.js';
import type { DaemonEnv, DaemonEvents, Extension } from './context.js';
import { DeviceManager } from './device-manager.js';
import { LatestValues } from './latest-values.js';
import { LocalPublisher } from './local-publisher.js';
import { RecordGate } from './record-gate.js';
import { VideoService, type VideoServiceOptions } from '../video/index.js';

export interface ControllerOptions {
  readonly loaded: LoadedConfig;
  readonly log: Logger;
  readonly clock?: Clock;
  readonly env?: NodeJS.ProcessEnv;
  /** How setpoint commands arrive and results and checkpoints leave. Default: this daemon's uplink and its outbox. */
  readonly hospital?: HospitalChannel;
  /** Video settings that are not configuration (tests stage a full disk through them). */
  readonly video?: VideoServiceOptions;
}

export class Controller {
  private extensions: Extension[] = [];
  private started: Extension[] = [];
  private sd: SdNotify | undefined;
  private daemonEnv: DaemonEnv | undefined;
  gate: RecordGate | undefined;
  devices: DeviceManager | undefined;
  latest: LatestValues | undefined;
  local: LocalPublisher | undefined;
  control: ControlApi | undefined;
  encounter: EncounterService | undefined;
  crew: CrewInputService | undefined;
  earlyWarning: EarlyWarningExtension | undefined;
  timeline: TimelineExtension | undefined;
  audit: AuditService | undefined;
  setpoints: SetpointService | undefined;
  video: VideoService | undefined;
  /** The durable queue to the hospital (`outbox.queue`), and the link (`uplink.link`): for services that send or receive. */
  outbox: OutboxExtension | undefined;
  uplink: UplinkExtension | undefined;
  /** The crew console (HTTPS on the vehicle LAN), when configured. */
  console: ConsoleExtension | undefined;
  handover: HandoverExtension | undefined;

  constructor(private readonly options: ControllerOptions) {}

  get env(): DaemonEnv {
    if (!this.daemonEnv) throw new Error('controller not started');
    return this.daemonEnv;
  }

  async start(): Promise<void> {
    const { loaded, log } = this.options;
    const { config } = loaded;
    mkdirSync(config.storage.dataDir, { recursive: true });
    const env: DaemonEnv = {
      config,
      configFile: loaded.file,
      bus: new TypedBus<DaemonEvents>(),
      log,
      clock: this.options.clock ?? systemClock,
      topics: topicsFor(config.vehicle.id),
      control: new ControlServer(config.control.socket, config.control.group, log),
      statusSections: new Map(),
    };
    this.daemonEnv = env;
    this.gate = new RecordGate(env);
    this.latest = new LatestValues(env);
    this.local = new LocalPublisher(env);
    this.outbox = new OutboxExtension(env, config.localBroker.enabled ? this.local.publishStored : undefined);
    const queue = this.outbox.queue;
    this.devices = new DeviceManager(env, this.gate.ingest, () => queue?.stored() ?? Promise.resolve());
    this.control = new ControlApi(env, { devices: this.devices, latest: this.latest, local: this.local, gate: this.gate });
    this.video = new VideoService(env, this.gate.ingest, this.options.video);
    this.uplink = new UplinkExtension(env, this.outbox.queue);
    const hospital = this.options.hospital ?? hospitalChannel(this.outbox.queue, this.uplink.link);
    this.encounter = new EncounterService(env, { gate: this.gate, broker: this.local.broker });
    this.crew = new CrewInputService(env, { gate: this.gate, broker: this.local.broker });
    this.earlyWarning = new EarlyWarningExtension(env, { latest: this.latest, gate: this.gate });
    this.timeline = new TimelineExtension(env, { gate: this.gate, commands: hospital.commands });
    this.audit = new AuditService(env, config.audit, hospital.publisher);
    const encounter = this.encounter;
    this.handover = new HandoverExtension(env, { ingest: this.gate.ingest, encounter: () => encounter.encounter });
    const devices = this.devices;
    this.setpoints = config.setpoints.enabled
      ? new SetpointService(env, config.setpoints, {
          audit: this.audit,
          encounter: this.encounter,
          latest: this.latest,
          devices: { exists: (id) => config.devices.some((d) => d.id === id && d.enabled), settings: (id) => devices.supervisor(id)?.settings() },
          broker: this.local.broker,
          hospital,
          ingest: this.gate.ingest,
        })
      : undefined;
    this.console = new ConsoleExtension(env, { broker: this.local.broker, feed: this.local.feed, setpoints: this.setpoints !== undefined });
    // Control first: a second daemon on the same socket fails before it touches a device. The outbox and the uplink
    // before the safety services (their results and checkpoints go through them), the audit log before the setpoint
    // service (intent is logged before any write). The console after the broker and the services it shows. Devices
    // last: consumers (the outbox among them) are listening before the first record flows. Stopped in reverse: devices first; the services write their last entries into
    // the outbox; then the uplink says goodbye and the outbox writes what is left.
    this.extensions = [
      this.control,
      this.latest,
      this.local,
      this.outbox,
      this.uplink,
      this.encounter,
      this.crew,
      this.earlyWarning,
      this.timeline,
      this.audit,
      ...(this.setpoints ? [this.setpoints] : []),
      this.handover,
      this.video,
      this.console,
      this.devices,
    ];
    this.sd = SdNotify.fromEnv(this.options.env ?? process.env, log);
    for (const ext of this.extensions) {
      try {
        await ext.start();
      } catch (err) {
        log.fatal({ part: ext.name, err: (err as Error).message }, 'start failed');
        await this.stop();
        throw err;
      }
      this.started.push(ext);
    }
    log.info({ vehicle: config.vehicle.id, config: loaded.file }, 'ambulink running');
    await this.sd.ready(`vehicle ${config.vehicle.id}: ${config.devices.length} device(s)`);
    this.sd.startWatchdog();
  }

  async stop(): Promise<void> {
    await this.sd?.stopping();
    for (const ext of this.started.reverse()) {
      try {
        await ext.stop();
      } catch (err) {
        this.options.log.error({ part: ext.name, err: (err as Error).message }, 'stop failed');
      }
    }
    this.started = [];
    this.sd?.close();
    this.options.log.info('ambulink stopped');
  }
}

/**
 * The hospital as the safety services see it, carried by this daemon's uplink: commands arrive on its subscriptions,
 * results and checkpoints go into the outbox's alarm class (never evicted, never expire). Absent without an uplink.
 */
function hospitalChannel(outbox: Outbox | undefined, link: Uplink | undefined): HospitalChannel {
  return {
    ...(link ? { commands: link } : {}),
    ...(outbox
      ? {
          publisher: {
            publish: async (m) => {
              await outbox.enqueue({ stream: m.stream, topic: m.topic, class: 'alarm', payload: m.payload });
            },
          },
        }
      : {}),
  };
}
