// `ambulink encounter open|close|show`: the patient in the vehicle now.
import { userInfo } from 'node:os';
import { ask } from '../daemon-call.js';
import { EXIT } from '../output.js';

export async function encounterOpen(o: { sex?: string; height?: string; pbw?: string; ageBand?: string; weight?: string; id?: string; socket?: string; json?: boolean }): Promise<number> {
  const params: Record<string, unknown> = { user: userInfo().username };
  if (o.sex) params.sex = o.sex;
  if (o.height) params.heightCm = Number(o.height);
  if (o.pbw) params.pbwKg = Number(o.pbw);
  if (o.ageBand) params.ageBand = o.ageBand;
  if (o.weight) params.weightKg = Number(o.weight);
  if (o.id) params.id = o.id;
  const e = await ask<{ id: string }>('encounter.open', o.socket, params);
  process.stdout.write(o.json ? `${JSON.stringify(e)}\n` : `encounter ${e.id} open\n`);
  return EXIT.ok;
}

export async function encounterClose(o: { socket?: string }): Promise<number> {
  const r = await ask<{ closed: string | null }>('encounter.close', o.socket, { user: userInfo().username });
  process.stdout.write(r.closed ? `encounter ${r.closed} closed\n` : 'no encounter was open\n');
  return EXIT.ok;
}

export async function encounterShow(o: { socket?: string; json?: boolean }): Promise<number> {
  const r = await ask<{ encounter: Record<string, unknown> | null }>('encounter.show', o.socket);
  if (o.json) process.stdout.write(`${JSON.stringify(r.encounter)}\n`);
  else if (!r.encounter) process.stdout.write('no encounter is open\n');
  else {
    const e = r.encounter;
    const pbw = e.pbwKgComputed === null ? 'unknown' : `${Number(e.pbwKgComputed).toFixed(1)} kg`;
    process.stdout.write(`encounter ${String(e.id)} open since ${String(e.openedAt)} (by ${String(e.openedBy)}); predicted body weight ${pbw}\n`);
  }
  return r.encounter ? EXIT.ok : EXIT.failure;
}
