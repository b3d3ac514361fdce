// `ambulink setpoint …`: the hospital-side tools (keygen, sign a command or a policy) and the crew's
// (pending, confirm, reject, state) against the running daemon.
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { canonicalBytes } from '../../core/canonical-json.js';
import { keyIdOf } from '../../setpoints/policy.js';
import { buildCommand, keyIdOfPrivate, signCommand } from '../../setpoints/sign.js';
import { ask } from '../daemon-call.js';
import { EXIT, fail, table } from '../output.js';

function readPrivateKey(file: string): KeyObject {
  try {
    const key = createPrivateKey(readFileSync(file, 'utf8'));
    if (key.asymmetricKeyType !== 'ed25519') fail(`${file} is not an Ed25519 private key`);
    return key;
  } catch (err) {
    return fail(`cannot read the private key ${file}: ${(err as Error).message}`);
  }
}

export function keygenCommand(opts: { out: string }): number {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(`${opts.out}.key`, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600, flag: 'wx' });
  writeFileSync(`${opts.out}.pub`, publicKey.export({ type: 'spki', format: 'pem' }).toString(), { mode: 0o644, flag: 'wx' });
  process.stdout.write(`${keyIdOf(publicKey)}  ${opts.out}.key (keep it secret)  ${opts.out}.pub (goes into the policy)\n`);
  return EXIT.ok;
}

export interface SignOptions {
  key: string;
  id?: string;
  approverKey?: string[];
  approverId?: string[];
  policy?: string;
  fromState?: string;
  vehicle?: string;
  device?: string;
  encounter?: string;
  param?: string;
  value?: string;
  unit?: string;
  current?: string;
  stateVersion?: string;
  policyVersion?: string;
  seq?: string;
  lease?: string;
  lifetime?: string;
  origin?: string;
}

/** Signs a policy body (the authority's key) or a setpoint command (issuer and approvers); prints the JSON. */
export function signCommandCli(o: SignOptions): number {
  const key = readPrivateKey(o.key);
  if (o.policy) {
    const body = JSON.parse(readFileSync(o.policy, 'utf8')) as unknown;
    const signed = { policy: body, signature: { keyId: keyIdOfPrivate(key), sig: sign(null, canonicalBytes(body), key).toString('base64') } };
    process.stdout.write(`${JSON.stringify(signed, null, 2)}\n`);
    return EXIT.ok;
  }
  const state = o.fromState ? (JSON.parse(readFileSync(o.fromState, 'utf8')) as Record<string, unknown>) : {};
  const writable = (state.writable as Array<{ name: string; unit: string; value: number | null }> | null | undefined) ?? [];
  const setting = writable.find((w) => w.name === o.param);
  const need = (v: unknown, what: string): string => (v === undefined || v === null || v === '' ? fail(`${what} is needed (or --from-state)`, EXIT.usage) : String(v));
  const num = (v: unknown, what: string): number => {
    const n = Number(need(v, what));
    return Number.isFinite(n) ? n : fail(`${what} must be a number`, EXIT.usage);
  };
  if (!o.id) return fail('--id (the issuer as named in the policy) is needed', EXIT.usage);
  const approverKeys = (o.approverKey ?? []).map(readPrivateKey);
  const approverIds = o.approverId ?? [];
  if (approverIds.length !== approverKeys.length) return fail('give one --approver-id per --approver-key', EXIT.usage);
  const command = buildCommand(
    {
      vehicle: need(o.vehicle ?? state.vehicle, '--vehicle'),
      device: need(o.device ?? state.device, '--device'),
      encounter: need(o.encounter ?? state.encounter, '--encounter'),
      param: need(o.param, '--param'),
      value: num(o.value, '--value'),
      unit: need(o.unit ?? setting?.unit, '--unit'),
      currentValue: num(o.current ?? setting?.value, '--current'),
      stateVersion: num(o.stateVersion ?? state.stateVersion, '--state-version'),
      policyVersion: num(o.policyVersion ?? state.policyVersion, '--policy-version'),
      seq: o.seq ? num(o.seq, '--seq') : Date.now(),
      ...(o.lease ? { leaseId: o.lease } : {}),
      ...(o.lifetime ? { lifetimeS: num(o.lifetime, '--lifetime') } : {}),
      ...(o.origin ? { origin: o.origin === 'ai-recommendation' ? 'ai-recommendation' : 'clinician' } : {}),
    },
    { id: o.id, privateKey: key },
    approverKeys.map((k, i) => ({ id: approverIds[i]!, privateKey: k })),
  );
  process.stdout.write(`${JSON.stringify(signCommand(command, [key, ...approverKeys]))}\n`);
  return EXIT.ok;
}

export async function pendingCommand(o: { json?: boolean; socket?: string }): Promise<number> {
  const list = await ask<Array<Record<string, unknown>>>('setpoint.pending', o.socket);
  if (o.json) process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
  else if (list.length === 0) process.stdout.write('no remote setpoint is pending\n');
  else {
    process.stdout.write(
      `${table(
        ['COMMAND', 'DEVICE', 'PHASE', 'CHANGE', 'FROM', 'CONFIRM BY'],
        list.map((p) => [String(p.commandId), String(p.device), String(p.phase), `${String(p.param)} ${String(p.from)} → ${String(p.to)} ${String(p.unit)}`, `${String(p.issuer)}${(p.approvers as string[]).length ? ` + ${(p.approvers as string[]).join(', ')}` : ''}`, String(p.confirmBy ?? '-')]),
      )}\n`,
    );
  }
  return EXIT.ok;
}

export async function decideCommand(decision: 'confirm' | 'reject', commandId: string, o: { socket?: string }): Promise<number> {
  const r = await ask<{ decision: string }>(`setpoint.${decision}`, o.socket, { commandId, user: userInfo().username });
  process.stdout.write(`${commandId}: ${r.decision}\n`);
  return EXIT.ok;
}

export async function stateCommand(device: string, o: { json?: boolean; socket?: string }): Promise<number> {
  const s = await ask<Record<string, unknown>>('setpoint.state', o.socket, { device });
  process.stdout.write(`${JSON.stringify(s, null, o.json ? 0 : 2)}\n`);
  return EXIT.ok;
}

export async function reloadPolicyCommand(o: { socket?: string }): Promise<number> {
  const r = await ask<{ policy: { version: number; hash: string } | null; problem: string | null }>('setpoint.reload-policy', o.socket);
  if (r.policy) process.stdout.write(`setpoint policy version ${r.policy.version} (${r.policy.hash.slice(0, 16)}) in force\n`);
  else process.stderr.write(`ambulink: no valid setpoint policy: ${r.problem ?? 'unknown'} — remote setpoints are refused\n`);
  return r.policy ? EXIT.ok : EXIT.failure;
}
