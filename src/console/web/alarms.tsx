// Active alarms, highest priority first (IEC 60601-1-8: high, medium, low), newest first within a priority.
import type { ActiveAlarm, LiveStore } from './live-store.js';
import { age } from './format.js';

const RANK: Record<string, number> = { high: 0, medium: 1, low: 2, info: 3 };

export function sortAlarms(alarms: Iterable<ActiveAlarm>): ActiveAlarm[] {
  return [...alarms].sort((a, b) => (RANK[a.record.priority] ?? 9) - (RANK[b.record.priority] ?? 9) || b.at - a.at);
}

export function Alarms({ store, now }: { store: LiveStore; now: number }) {
  const list = sortAlarms(store.alarms.values());
  return (
    <section class="panel alarms">
      <h2>Alarms {list.length ? <span class="count">{list.length}</span> : null}</h2>
      {list.length === 0 ? <p class="empty">no active alarm</p> : null}
      <ul>
        {list.map(({ record: a, at }) => (
          <li key={`${a.device}/${a.alarmId}`} class={`alarm ${a.priority} ${a.state}`} data-priority={a.priority}>
            <b class="prio">{a.priority}</b>
            <span class="text">{a.text}</span>
            <span class="meta">
              {a.device} · {a.category} · {a.state} · {age(now - at)}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
