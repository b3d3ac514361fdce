// The console page: logs in (vehicle) or not (hospital view), then shows the live panels. The hospital view is the
// same page served by the stand-in hospital broker's view server: its /api/session says mode "hospital" and the
// page asks no daemon API, reads only MQTT, and shows no button.
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ConsoleStatus, PendingSetpoint, SessionInfo } from '../api-types.js';
import { Alarms } from './alarms.js';
import { api } from './api.js';
import { CarePanels, Labs } from './care-panels.js';
import { Devices, Uplink, Video, type GatewayFigures } from './gateway-panels.js';
import { LiveStore } from './live-store.js';
import { Login } from './login.js';
import { Setpoints } from './setpoints.js';
import { Vitals } from './vitals.js';

/** Re-renders when the store changes, and every second (ages and countdowns move on their own). */
function useTick(store: LiveStore): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const off = store.subscribe(() => setNow(Date.now()));
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      off();
      clearInterval(timer);
    };
  }, [store]);
  return now;
}

/** One answer about the daemon, with the browser time it arrived. */
interface Arrived<T> {
  value: T;
  at: number;
}

const newer = <T,>(a: Arrived<T> | undefined, b: Arrived<T> | undefined) => (a && (!b || a.at >= b.at) ? a : b);

/** The daemon's status and pending setpoints (vehicle view only): asked over HTTP as the page loads (and the pending
 * ones after a decision), otherwise as the daemon pushes them on the state topic (every 2 s, at once on a change), so
 * an open console polls nothing. Whichever arrived last is shown. */
function useDaemon(session: SessionInfo, store: LiveStore) {
  const [asked, setAsked] = useState<{ status?: Arrived<ConsoleStatus>; pending?: Arrived<PendingSetpoint[]> }>({});
  const askPending = () => api.pending().then((p) => setAsked((a) => ({ ...a, pending: { value: p, at: Date.now() } })), () => undefined);
  useEffect(() => {
    if (session.mode !== 'vehicle') return;
    void api.status().then((s) => setAsked((a) => ({ ...a, status: { value: s, at: Date.now() } })), () => undefined);
    void askPending();
  }, [session]);
  const pushed = store.daemon;
  const status = newer(pushed && { value: pushed.status, at: store.daemonAt }, asked.status);
  const pending = newer(pushed && { value: pushed.pending, at: store.daemonAt }, asked.pending);
  // The daemon's clock against the browser's, as of the moment the status arrived (for the setpoint countdown).
  const figures: GatewayFigures | undefined = status && { sections: status.value.sections, devices: status.value.devices, skewMs: status.at - Date.parse(status.value.at) };
  return { figures, pending: pending?.value ?? [], refreshPending: askPending };
}

function Console({ session, onLogout }: { session: SessionInfo; onLogout: () => void }) {
  const store = useMemo(() => new LiveStore(session), [session]);
  useEffect(() => {
    store.connect();
    // In the vehicle, what the daemon knows now, so the vitals do not wait for each device's next value.
    if (session.mode === 'vehicle') void api.latest().then((values) => store.seed(values), () => undefined);
    return () => store.close();
  }, [store]);
  const now = useTick(store);
  const { figures, pending, refreshPending } = useDaemon(session, store);
  // The hospital has no daemon to ask: the retained status message carries the same sections.
  const sections = figures?.sections ?? (store.status as Record<string, unknown> | undefined);
  const names = new Map((figures?.devices ?? []).map((d) => [d.id, `${d.id} · ${d.driver}`]));
  const decide = async (d: 'confirm' | 'reject', id: string) => {
    const r = await api.decide(d, id);
    await refreshPending();
    return `${r.commandId}: ${r.decision}`;
  };
  return (
    <div class={`console mode-${session.mode}`}>
      <header>
        <h1>
          {session.vehicle} <small>{session.mode === 'hospital' ? 'hospital view (read-only)' : 'crew console'}</small>
        </h1>
        <span class={`conn ${store.connection}`} data-connection={store.connection}>
          {store.connection === 'live' ? 'live' : store.connection}
        </span>
        <span class="who" data-role={session.role}>
          {session.username} ({session.role})
        </span>
        {session.mode === 'vehicle' ? <button class="logout" onClick={() => void api.logout().finally(onLogout)}>Log out</button> : null}
      </header>
      <main>
        <div class="col-main">
          <Vitals store={store} now={now} names={names} />
          <Labs store={store} />
        </div>
        <div class="col-side">
          <Alarms store={store} now={now} />
          <Setpoints session={session} pending={pending} events={store.events} now={now} skewMs={figures?.skewMs ?? 0} decide={decide} />
          <CarePanels store={store} now={now} />
          <Devices figures={figures} store={store} now={now} />
          <Uplink sections={sections} />
          <Video sections={sections} />
        </div>
      </main>
    </div>
  );
}

function App() {
  const [session, setSession] = useState<SessionInfo | null>();
  useEffect(() => {
    // Not logged in (401), or the session ended with a daemon restart: the login form.
    api.session().then(setSession, () => setSession(null));
  }, []);
  if (session === undefined) return <p class="boot">loading…</p>;
  if (session === null) return <Login onLogin={setSession} />;
  return <Console session={session} onLogout={() => setSession(null)} />;
}

render(<App />, document.getElementById('app')!);
