// `ambulink crew acvpu|oxygen|spo2-scale|milestone|alert …`: the crew's clinical entries for the early-warning scores
// and the care timeline, through the running daemon (the tablet sends the same over the local broker).
import { userInfo } from 'node:os';
import type { EventRecord } from '../../schema/index.js';
import { ask } from '../daemon-call.js';
import { EXIT } from '../output.js';

export async function crewCommand(action: string, value: string, o: { at?: string; socket?: string; json?: boolean }): Promise<number> {
  const params: Record<string, unknown> = { action, value, user: userInfo().username };
  if (o.at) params.at = o.at;
  const r = await ask<EventRecord>('crew.enter', o.socket, params);
  if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
  else {
    const { by: _by, ...what } = r.detail ?? {};
    process.stdout.write(`${r.event} ${Object.values(what).join(' ')} recorded at ${r.observedAt}${r.encounter ? ` for encounter ${r.encounter}` : ' (no encounter open)'}\n`);
  }
  return EXIT.ok;
}
