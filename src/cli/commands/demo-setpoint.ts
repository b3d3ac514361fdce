// `ambulink demo setpoint`: the remote-setpoint story, scripted against a running demo. It plays the hospital (signs
// a command with the demo physician's key and publishes it on the stand-in hospital broker) and the crew (confirms
// it on the box), then shows the result arriving at the hospital and verifies the audit log with the hospital's
// copy of the checkpoints. Each step names the command an operator would type. `ambulink demo` prepares the keys.
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import mqtt from 'mqtt';
import { verifyAudit } from '../../audit/verify.js';
import { loadConfig, ConfigError, type VehicleConfig } from '../../config/index.js';
import { callDaemon, demoDir } from '../../control/client.js';
import { canonicalBytes } from '../../core/canonical-json.js';
import { GatewayPublicKey } from '../../core/gateway-key.js';
import { packageRoot } from '../../core/paths.js';
import { topicsFor } from '../../core/topics.js';
import { parseEnvelope } from '../../outbox/index.js';
import { keyIdOf } from '../../setpoints/policy.js';
import { FINAL_STATES } from '../../setpoints/reasons.js';
import type { ResultMessage } from '../../setpoints/result.js';
import { buildCommand, signCommand } from '../../setpoints/sign.js';
import { EXIT, fail } from '../output.js';

/** The demo's clinician, as named in the demo policy. */
const PHYSICIAN = 'dr-demo';
const physicianKeyFile = (config: VehicleConfig) => join(dirname(config.setpoints.policyFile), `${PHYSICIAN}.key`);

/**
 * Writes what a hospital's policy authority would issue for this demo vehicle: an authority key, one clinician key and
 * a signed policy trusting it (default clinical limits; same-parameter spacing shortened so the example can be rerun).
 * Only into the demo directory, and only when the YAML enables setpoints and the policy is not there yet.
 */
export function prepareDemoSetpoints(config: VehicleConfig, dir: string): void {
  const sp = config.setpoints;
  if (!sp.enabled || existsSync(sp.policyFile) || !sp.policyFile.startsWith(`${dir}/`)) return;
  mkdirSync(dirname(sp.policyFile), { recursive: true });
  const authority = generateKeyPairSync('ed25519');
  const physician = generateKeyPairSync('ed25519');
  writeFileSync(sp.authorityKeyFile, authority.publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(physicianKeyFile(config), physician.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const now = Date.now();
  const body = {
    version: 1,
    vehicle: config.vehicle.id,
    issuedAt: new Date(now - 60_000).toISOString(),
    expiresAt: new Date(now + 86_400_000).toISOString(),
    keys: [{ holder: PHYSICIAN, roles: ['clinician'], publicKey: physician.publicKey.export({ type: 'spki', format: 'pem' }).toString() }],
    revoked: [],
    limits: { window: { sameParamSpacingS: 5 } },
  };
  const signature = { keyId: keyIdOf(authority.publicKey), sig: sign(null, canonicalBytes(body), authority.privateKey).toString('base64') };
  writeFileSync(sp.policyFile, `${JSON.stringify({ policy: body, signature }, null, 2)}\n`);
}

export interface DemoSetpointOptions {
  config?: string;
  device?: string;
  /** The crew decides on the console (the command waits there) instead of the script confirming it by CLI. */
  onConsole?: boolean;
}

interface Writable {
  name: string;
  unit: string;
  value: number | null;
}

export async function demoSetpointCommand(opts: DemoSetpointOptions): Promise<number> {
  const dir = demoDir();
  const socket = join(dir, 'control.sock');
  let config: VehicleConfig;
  try {
    config = loadConfig(opts.config ?? join(packageRoot(), 'config', 'demo.yaml'), { ...process.env, AMBULINK_DEMO_DIR: dir }).config;
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  if (!config.setpoints.enabled || !config.uplink?.enabled) fail('this demo vehicle has no remote setpoints or no uplink (setpoints.enabled, uplink)');
  const keyFile = physicianKeyFile(config);
  if (!existsSync(keyFile)) fail(`no demo physician key (${keyFile}): start the demo first (ambulink demo)`);
  const device = opts.device ?? config.devices.find((d) => d.enabled && d.driver === 'modbus-ventilator')?.id ?? fail('no writable ventilator in the demo');
  const call = (method: string, params: Record<string, unknown> = {}) =>
    callDaemon(socket, method, params, 10_000).catch((err: Error) => fail(`the demo daemon does not answer (${err.message}): start it with ambulink demo`, EXIT.notRunning));
  const say = (step: string, text: string, cli?: string) => process.stdout.write(`${step.padEnd(11)}${text}\n${cli ? `           $ ${cli}\n` : ''}`);

  // The command centre's connection to its own broker: it sends commands and receives results and checkpoints.
  const topics = topicsFor(config.vehicle.id);
  const centre = await mqtt.connectAsync(config.uplink.url, { clientId: `demo-centre-${process.pid}`, reconnectPeriod: 500 }).catch((err: Error) =>
    fail(`cannot reach the stand-in hospital broker ${config.uplink!.url}: ${err.message}`),
  );
  const results: ResultMessage[] = [];
  const witness: string[] = [];
  centre.on('message', (topic, payload) => {
    const envelope = parseEnvelope(payload);
    if (!envelope) return;
    if (topic === topics.auditCheckpoint) witness.push(...envelope.items.map((i) => JSON.stringify(i)));
    else if (topic === topics.setpointResult(device)) {
      for (const item of envelope.items) {
        const r = item as unknown as ResultMessage;
        results.push(r);
        say('', `  hospital receives ${r.state}${r.reason ? ` ${r.reason}` : ''}${r.actual !== undefined ? ` (read back: ${r.actual})` : ''}, seq ${item.seq} of stream ${envelope.stream}`);
      }
    }
  });
  await centre.subscribeAsync([topics.setpointResult(device), topics.auditCheckpoint], { qos: 1 });

  try {
    await until(async () => ((await call('uplink')) as { state?: string }).state === 'connected', 30_000, 'the uplink to connect to the stand-in hospital broker');
    let encounter = ((await call('encounter.show')) as { encounter: { id: string } | null }).encounter?.id;
    if (!encounter) {
      encounter = ((await call('encounter.open', { sex: 'female', heightCm: 165, user: 'demo' })) as { id: string }).id;
      say('0 open', `an encounter for the patient on board: ${encounter}`, 'ambulink encounter open --sex female --height 165');
    }
    const state = await until(
      async () => {
        const s = (await call('setpoint.state', { device })) as { writable: Writable[] | null; stateVersion: number; policyVersion: number };
        return s.writable?.find((w) => w.name === 'fio2' && w.value !== null) ? s : undefined;
      },
      30_000,
      `the ventilator ${device} to report its FiO2 setting`,
    );
    const fio2 = state.writable!.find((w) => w.name === 'fio2')!;
    const current = fio2.value!;
    const target = current + 5 <= 100 ? current + 5 : current - 5;

    const key = createPrivateKey(readFileSync(keyFile, 'utf8'));
    const command = buildCommand(
      {
        vehicle: config.vehicle.id,
        device,
        encounter,
        param: 'fio2',
        value: target,
        unit: fio2.unit,
        currentValue: current,
        stateVersion: state.stateVersion,
        policyVersion: state.policyVersion,
        seq: Date.now(),
      },
      { id: PHYSICIAN, privateKey: key },
    );
    const signed = signCommand(command, [key]);
    const id = command.commandId;
    say('1 sign', `the hospital's physician ${PHYSICIAN} signs FiO2 ${current} → ${target} ${fio2.unit} for ${device} (command ${id.slice(0, 8)}…)`, `ambulink setpoint sign --key ${keyFile} --id ${PHYSICIAN} --from-state state.json --param fio2 --value ${target}`);
    await centre.publishAsync(topics.setpoint(device), JSON.stringify(signed), { qos: 1 });
    say('2 send', `published on the hospital broker: ${topics.setpoint(device)}; the gateway receives it over its uplink and checks it`);

    await until(
      async () => {
        const ended = results.find((r) => r.commandId === id && FINAL_STATES.has(r.state));
        if (ended) fail(`the command ended ${ended.state} ${ended.reason ?? ''}: ${ended.message ?? ''}`);
        return ((await call('setpoint.pending')) as Array<{ commandId: string; phase: string }>).some((p) => p.commandId === id && p.phase === 'confirm');
      },
      30_000,
      'the gateway to ask the crew',
    );
    say('3 ask', 'every check passed; the gateway asks the crew to confirm', 'ambulink setpoint pending');
    if (opts.onConsole) {
      const c = config.console;
      say('4 confirm', `waiting for the crew: confirm or reject it on the console, https://${c.host}:${c.port}/ (user crew)`);
    } else {
      await call('setpoint.confirm', { commandId: id, user: 'demo-crew' });
      say('4 confirm', 'the crew confirms at the ventilator', `ambulink setpoint confirm ${id}`);
    }

    const waitS = opts.onConsole ? config.setpoints.confirm.timeoutS + 30 : 30;
    const final = await until(async () => results.find((r) => r.commandId === id && FINAL_STATES.has(r.state) && !r.duplicate), waitS * 1000, 'the final result at the hospital');
    if (final.state !== 'Fin') fail(`the command ended ${final.state} ${final.reason ?? ''}: ${final.message ?? ''}`);
    say('5 applied', `one write, read back ${final.actual} ${fio2.unit}: Fin`);

    // The setpoint service signs a checkpoint after every final state; the hospital keeps it as the witness.
    await until(async () => witness.length > 0, 30_000, 'an audit checkpoint at the hospital');
    const dataDir = config.storage.dataDir;
    const report = verifyAudit({
      logText: readFileSync(join(dataDir, 'audit', 'audit.log'), 'utf8'),
      checkpointLines: readFileSync(join(dataDir, 'audit', 'checkpoints.log'), 'utf8').split('\n').filter(Boolean),
      witnessLines: witness,
      key: GatewayPublicKey.load(join(dataDir, 'keys', 'gateway.pub')),
    });
    if (!report.ok) fail(`the audit log does not verify: ${report.firstBad?.message ?? 'unknown problem'}`);
    say('6 audit', `audit log intact: ${report.entries} entries, ${report.checkpoints} checkpoint(s), ${witness.length} witnessed by the hospital`, `ambulink audit verify --data-dir ${dataDir}`);
    return EXIT.ok;
  } finally {
    await centre.endAsync(true);
  }
}

/** Polls until the probe returns something other than undefined or false; fails naming what it waited for. */
async function until<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) return fail(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
