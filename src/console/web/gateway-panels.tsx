// The gateway itself: devices and their link state, the outbox and the uplink (queued, oldest, link, last ACK), and
// video. In the vehicle the figures come from the daemon (/api/status, then its pushed state); in the hospital view from the retained status
// message the uplink publishes (the same sections).
import type { ConsoleDevice } from '../api-types.js';
import { age, bytes, clock } from './format.js';
import type { LiveStore } from './live-store.js';

interface OutboxClass {
  class: string;
  records: number;
  oldestAgeMs: number | null;
}
interface OutboxFigures {
  state: string;
  records: number;
  bytes: number;
  maxBytes: number;
  lossRecords: number;
  drainRecordsPerS: number;
  classes?: OutboxClass[];
}
interface UplinkFigures {
  url: string;
  state: string;
  protocol: number | null;
  rttMs: number | null;
  lastPubackAt: string | null;
  reconnects: number;
  lastError: string | null;
}
interface VideoFigures {
  problem?: string;
  cameras?: Array<{ id: string; state: string; live: string; liveKbps?: number; segments: number; restarts: number }>;
}

export interface GatewayFigures {
  sections: Record<string, unknown>;
  devices: ConsoleDevice[];
  /** Browser ms minus gateway ms, from the status answer's time. */
  skewMs: number;
}

export function Devices({ figures, store, now }: { figures: GatewayFigures | undefined; store: LiveStore; now: number }) {
  // From the daemon when it is asked; otherwise (hospital view) from the device records that arrived.
  const rows: ConsoleDevice[] = figures?.devices.length
    ? figures.devices
    : [...store.devices.values()].flatMap((d) =>
        d.state ? [{ id: d.id, driver: d.state.driver, state: d.state.state, transport: d.state.transport, since: d.state.observedAt, counters: d.state.counters as unknown as Record<string, number>, ...(d.state.error ? { error: d.state.error } : {}) }] : [],
      );
  return (
    <section class="panel devices">
      <h2>Devices</h2>
      <table>
        <thead>
          <tr><th>device</th><th>driver</th><th>link</th><th>last record</th><th>frames ok / dropped</th></tr>
        </thead>
        <tbody>
          {rows.map((d) => (
            <tr key={d.id} class={`link-${d.state}`} data-device={d.id}>
              <td>{d.id}</td>
              <td>{d.driver}</td>
              <td>
                <b class={`state ${d.state}`}>{d.state}</b>
                {d.error ? <small class="err"> {d.error}</small> : null}
              </td>
              <td>{d.lastRecordAt ? `${age(now - Date.parse(d.lastRecordAt) - (figures?.skewMs ?? 0))} ago` : '—'}</td>
              <td>
                {d.counters.framesOk ?? 0} / {d.counters.framesDropped ?? 0}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function Uplink({ sections }: { sections: Record<string, unknown> | undefined }) {
  const outbox = sections?.outbox as OutboxFigures | undefined;
  const uplink = sections?.uplink as UplinkFigures | undefined;
  const oldest = Math.max(-1, ...(outbox?.classes ?? []).map((c) => c.oldestAgeMs ?? -1));
  return (
    <section class="panel uplink">
      <h2>Outbox and uplink</h2>
      <dl>
        <dt>link</dt>
        <dd data-field="link">
          {uplink ? <b class={`state ${uplink.state}`}>{uplink.state}</b> : <b class="state off">no uplink configured</b>}
          {uplink?.protocol ? <small> MQTT {uplink.protocol === 5 ? '5' : '3.1.1'}</small> : null}
          {uplink?.rttMs != null ? <small> · RTT {Math.round(uplink.rttMs)} ms</small> : null}
        </dd>
        <dt>last ACK</dt>
        <dd data-field="last-ack">{clock(uplink?.lastPubackAt)}</dd>
        <dt>queued</dt>
        <dd data-field="queued">{outbox ? `${outbox.records} records · ${bytes(outbox.bytes)}` : '—'}</dd>
        <dt>oldest</dt>
        <dd data-field="oldest">{oldest >= 0 ? age(oldest) : outbox ? 'nothing waiting' : '—'}</dd>
        <dt>outbox</dt>
        <dd>
          {outbox ? `${outbox.state} · ${outbox.drainRecordsPerS.toFixed(0)} records/s acknowledged` : '—'}
          {outbox?.lossRecords ? <b class="warn"> · {outbox.lossRecords} loss records</b> : null}
        </dd>
        {uplink?.lastError ? (
          <>
            <dt>last error</dt>
            <dd class="err">{uplink.lastError}</dd>
          </>
        ) : null}
      </dl>
    </section>
  );
}

export function Video({ sections }: { sections: Record<string, unknown> | undefined }) {
  const video = sections?.video as VideoFigures | undefined;
  return (
    <section class="panel video">
      <h2>Video</h2>
      {video?.problem ? <p class="err">{video.problem}</p> : null}
      {!video?.cameras?.length ? <p class="empty">no camera</p> : null}
      <ul>
        {(video?.cameras ?? []).map((c) => (
          <li key={c.id} data-camera={c.id}>
            <b>{c.id}</b> <b class={`state ${c.state}`}>{c.state}</b> · live {c.live}
            {c.liveKbps ? ` ${c.liveKbps} kbit/s` : ''} · {c.segments} segments recorded{c.restarts ? ` · ${c.restarts} restarts` : ''}
          </li>
        ))}
      </ul>
    </section>
  );
}
