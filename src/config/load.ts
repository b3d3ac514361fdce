// Loads and validates a vehicle YAML. Every problem is reported with file, line, column, the JSON path, what is
// wrong and what to do; all problems at once, so a technician fixes the file in one pass.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type Pair } from 'yaml';
import { findDriver } from '../../drivers/index.js';
import { findKind } from '../handover/kinds.js';
import { VehicleConfigSchema, type VehicleConfig } from './schema.js';

export interface ConfigProblem {
  file: string;
  line: number;
  column: number;
  /** JSON path in dotted form, e.g. devices[0].transport.baudRate ('' for the whole file). */
  path: string;
  message: string;
  hint?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

export interface LoadedConfig {
  file: string;
  config: VehicleConfig;
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.path ? `${p.path}: ` : '';
  return `${p.file}:${p.line}:${p.column}: ${where}${p.message}${p.hint ? ` — ${p.hint}` : ''}`;
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: false });
const validate = ajv.compile(VehicleConfigSchema);

/** Reads, parses and validates; throws ConfigError listing every problem. */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([
      { file, line: 0, column: 0, path: '', message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, hint: 'check the path and permissions' },
    ]);
  }
  return parseConfig(text, file, env);
}

export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const pos = lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({
        file,
        ...at(e.pos[0]),
        path: '',
        message: `YAML syntax: ${e.message.split('\n')[0]}`,
        hint: 'fix the indentation or quoting at this line',
      })),
    );
  }
  const problems: ConfigProblem[] = expandEnv(doc, env, file, at);
  const data: unknown = doc.toJS() ?? {};
  if (problems.length > 0) {
    // Unresolved variables first: their values would only produce confusing follow-up errors.
  } else if (!validate(data)) {
    for (const e of relevantErrors(validate.errors ?? [])) problems.push(describe(e, doc, file, at));
  } else {
    problems.push(...semanticProblems(data as VehicleConfig, doc, file, at));
  }
  if (problems.length > 0) {
    problems.sort((a, b) => a.line - b.line || a.column - b.column);
    throw new ConfigError(problems.map((p) => namingDestination(p, data)));
  }
  const config = data as VehicleConfig;
  resolvePaths(config, dirname(resolve(file)));
  return { file, config };
}

/**
 * `${NAME}` in a string value is replaced by the environment variable NAME (systemd's RUNTIME_DIRECTORY, the demo's
 * AMBULINK_DEMO_DIR). An unset variable is an error, never an empty string.
 */
function expandEnv(doc: Document, env: NodeJS.ProcessEnv, file: string, at: At): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  visit(doc, {
    Scalar(_key, node, path) {
      if (!isScalar(node) || typeof node.value !== 'string' || !node.value.includes('${')) return;
      node.value = node.value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
        const value = env[name];
        if (value !== undefined) return value;
        problems.push({
          file,
          ...position(node, at),
          path: dotted(ancestorPath([...path, node])),
          message: `environment variable ${name} is not set`,
          hint: `set ${name} (e.g. in the systemd unit's Environment=) or write the value itself`,
        });
        return whole;
      });
    },
  });
  return problems;
}

/** The JSON path of a node from the ancestors yaml's visitor gives: map keys and sequence indices. */
function ancestorPath(chain: readonly unknown[]): Array<string | number> {
  const segs: Array<string | number> = [];
  chain.forEach((item, i) => {
    if (isPair(item)) segs.push(String((item.key as { value?: unknown }).value));
    else if (isSeq(item)) segs.push(item.items.indexOf(chain[i + 1] as never));
  });
  return segs;
}

/** A problem inside a handover destination says which one, by name: "destinations[2]" is hard to find in a long file. */
function namingDestination(p: ConfigProblem, data: unknown): ConfigProblem {
  const m = /^handover\.destinations\[(\d+)\]/.exec(p.path);
  if (!m) return p;
  const list = (data as { handover?: { destinations?: unknown[] } }).handover?.destinations;
  const name = (list?.[Number(m[1])] as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? { ...p, message: `destination "${name}": ${p.message}` } : p;
}

/** Relative file references are relative to the YAML file, so a config directory can be moved as a whole. */
function resolvePaths(config: VehicleConfig, base: string): void {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  config.storage.dataDir = abs(config.storage.dataDir);
  config.control.socket = abs(config.control.socket);
  for (const user of config.localBroker.users) user.passwordFile = abs(user.passwordFile);
  if (config.console.cert) config.console.cert = abs(config.console.cert);
  if (config.console.key) config.console.key = abs(config.console.key);
  config.setpoints.policyFile = abs(config.setpoints.policyFile);
  config.setpoints.authorityKeyFile = abs(config.setpoints.authorityKeyFile);
  const video = config.video;
  if (video.recordDir) video.recordDir = abs(video.recordDir);
  if (video.live?.passphraseFile) video.live.passphraseFile = abs(video.live.passphraseFile);
  config.outbox.dir = abs(config.outbox.dir ?? join(config.storage.dataDir, 'outbox'));
  const uplink = config.uplink;
  if (uplink) {
    if (uplink.passwordFile) uplink.passwordFile = abs(uplink.passwordFile);
    const tls = uplink.tls;
    if (tls) for (const k of ['ca', 'cert', 'key', 'passphraseFile'] as const) if (tls[k]) tls[k] = abs(tls[k]);
  }
  for (const destination of config.handover?.destinations ?? []) findKind(destination.kind)?.resolvePaths?.(destination, abs);
}

/** ajv also reports the `if` that selected a failing `then`, and `allOf`/`anyOf` wrappers: noise for a reader. */
function relevantErrors(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    if (e.keyword === 'if' || e.keyword === 'allOf') return false;
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

type At = (offset: number) => { line: number; column: number };

function segments(instancePath: string): Array<string | number> {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function dotted(segs: Array<string | number>): string {
  return segs.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function nodeAt(doc: Document, segs: Array<string | number>): Node | undefined {
  const n: unknown = segs.length === 0 ? doc.contents : doc.getIn(segs, true);
  return isNode(n) ? n : undefined;
}

function keyNode(doc: Document, segs: Array<string | number>, key: string): Node | undefined {
  const parent = nodeAt(doc, segs);
  if (!isMap(parent)) return undefined;
  const pair = (parent.items as Pair[]).find((p) => isNode(p.key) && String((p.key as { value?: unknown }).value) === key);
  return pair && isNode(pair.key) ? pair.key : undefined;
}

function position(node: Node | undefined, at: At): { line: number; column: number } {
  return node?.range ? at(node.range[0]) : { line: 1, column: 1 };
}

function describe(e: ErrorObject, doc: Document, file: string, at: At): ConfigProblem {
  const segs = segments(e.instancePath);
  const path = dotted(segs);
  const here = position(nodeAt(doc, segs), at);
  const got = (v: unknown) => (typeof v === 'string' ? `"${v}"` : JSON.stringify(v));
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const guess = closest(key, allowed);
      return {
        file,
        ...position(keyNode(doc, segs, key) ?? nodeAt(doc, segs), at),
        path: dotted([...segs, key]),
        message: `unknown key "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}`,
        hint: allowed.length ? `remove it or use one of: ${allowed.join(', ')}` : 'remove it',
      };
    }
    case 'required': {
      const key = (e.params as { missingProperty: string }).missingProperty;
      return {
        file,
        ...here,
        path,
        message: `missing required key "${key}"`,
        hint: requiredHint(path, key),
      };
    }
    case 'type':
      return {
        file,
        ...here,
        path,
        message: `must be ${article((e.params as { type: string }).type)}, got ${got(e.data)}`,
        hint: `write ${article((e.params as { type: string }).type)} here${typeof e.data === 'string' && (e.params as { type: string }).type.match(/number|integer/) ? ' without quotes or units' : ''}`,
      };
    case 'enum':
    case 'const': {
      const allowed = e.keyword === 'enum' ? (e.params as { allowedValues: unknown[] }).allowedValues : [(e.params as { allowedValue: unknown }).allowedValue];
      const guess = typeof e.data === 'string' ? closest(e.data, allowed.map(String)) : undefined;
      return {
        file,
        ...here,
        path,
        message: `${got(e.data)} is not allowed${guess ? ` (did you mean "${guess}"?)` : ''}`,
        hint: `use one of: ${allowed.map(String).join(', ')}`,
      };
    }
    case 'anyOf':
    case 'oneOf':
      return { file, ...here, path, message: `${got(e.data)} is not allowed here`, hint: unionHint(e) };
    default: {
      const desc = (e.parentSchema as { description?: string } | undefined)?.description;
      return { file, ...here, path, message: `${e.message ?? e.keyword}${e.data !== undefined && typeof e.data !== 'object' ? `, got ${got(e.data)}` : ''}`, ...(desc ? { hint: desc } : {}) };
    }
  }
}

function unionHint(e: ErrorObject): string {
  const options = ((e.schema as Array<{ const?: unknown }>) ?? []).map((s) => s.const).filter((v) => v !== undefined);
  return options.length ? `use one of: ${options.map(String).join(', ')}` : 'see config/example-vehicle.yaml';
}

function requiredHint(path: string, key: string): string {
  if (key === 'transport') return 'every device needs a transport: serial, tcp-client, tcp-server, udp, modbus-rtu or modbus-tcp';
  if (key === 'driver') return 'name the protocol driver, e.g. nmea0183 (ambulink sim --help lists them)';
  if (key === 'type' && path.endsWith('transport')) return 'say how the device is attached: serial, tcp-client, tcp-server, udp, modbus-rtu or modbus-tcp';
  return 'add it; config/example-vehicle.yaml shows every key with a comment';
}

function article(type: string): string {
  const words: Record<string, string> = { integer: 'a whole number', number: 'a number', string: 'a text', boolean: 'true or false', object: 'a mapping (key: value lines)', array: 'a list (lines starting with "-")', null: 'empty' };
  return type
    .split(',')
    .map((t) => words[t] ?? t)
    .join(' or ');
}

/** The allowed word closest to a typo, if it is close enough to be a typo. */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** What the schema cannot say: ids unique, reserved names, the driver's own transport rules. */
function semanticProblems(config: VehicleConfig, doc: Document, file: string, at: At): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  config.devices.forEach((device, i) => {
    const where = position(nodeAt(doc, ['devices', i, 'id']), at);
    if (device.id === 'gateway') {
      problems.push({ file, ...where, path: `devices[${i}].id`, message: '"gateway" is reserved for the gateway\'s own records', hint: 'choose another id' });
    }
    const first = seen.get(device.id);
    if (first !== undefined) {
      problems.push({ file, ...where, path: `devices[${i}].id`, message: `duplicate device id "${device.id}" (also devices[${first}])`, hint: 'device ids must be unique: they name MQTT topics' });
    } else seen.set(device.id, i);
    const driver = findDriver(device.driver);
    if (!driver) {
      problems.push({ file, ...where, path: `devices[${i}].driver`, message: `no driver "${device.driver}"` });
    }
    for (const p of driver?.validateOptions?.(device.options) ?? []) {
      // Point at the deepest node that exists: a missing key is reported at its parent.
      const full: Array<string | number> = ['devices', i, 'options', ...p.path];
      let depth = full.length;
      while (depth > 2 && !nodeAt(doc, full.slice(0, depth))) depth--;
      const node = nodeAt(doc, full.slice(0, depth));
      problems.push({ file, ...position(node, at), path: dotted(full), message: p.message, ...(p.hint ? { hint: p.hint } : {}) });
    }
  });
  const cameraIds = new Set<string>();
  config.cameras.forEach((camera, i) => {
    if (cameraIds.has(camera.id)) {
      problems.push({ file, ...position(nodeAt(doc, ['cameras', i, 'id']), at), path: `cameras[${i}].id`, message: `duplicate camera id "${camera.id}"`, hint: 'camera ids name segment files and SRT stream ids: make them unique' });
    }
    cameraIds.add(camera.id);
    const max = camera.live.maxBitrateKbps;
    if (max !== undefined && max < camera.live.minBitrateKbps) {
      problems.push({ file, ...position(nodeAt(doc, ['cameras', i, 'live']), at), path: `cameras[${i}].live`, message: `maxBitrateKbps ${max} is below minBitrateKbps ${camera.live.minBitrateKbps}`, hint: 'raise maxBitrateKbps or lower minBitrateKbps' });
    }
  });
  // ffmpeg's tee muxer splits its target list on these characters.
  if (config.video.recordDir && /[:|[\]\\]/.test(config.video.recordDir)) {
    problems.push({ file, ...position(nodeAt(doc, ['video', 'recordDir']), at), path: 'video.recordDir', message: 'must not contain ":", "|", "[", "]" or "\\"', hint: 'choose a plain directory path' });
  }
  const known = new Set(config.devices.map((d) => d.id));
  config.earlyWarning.devices?.forEach((id, i) => {
    if (!known.has(id)) {
      problems.push({ file, ...position(nodeAt(doc, ['earlyWarning', 'devices', i]), at), path: `earlyWarning.devices[${i}]`, message: `no device "${id}" in devices:`, hint: `name one of ${[...known].join(', ') || '(none configured)'}` });
    }
  });
  const tls = config.uplink?.tls;
  if (tls && Boolean(tls.cert) !== Boolean(tls.key)) {
    problems.push({
      file,
      ...position(nodeAt(doc, ['uplink', 'tls']), at),
      path: 'uplink.tls',
      message: 'a client certificate needs its key, and a key its certificate',
      hint: 'give both cert and key for mutual TLS, or neither',
    });
  }
  problems.push(...handoverProblems(config, doc, file, at));
  if (config.uplink?.passwordFile && !config.uplink.username) {
    problems.push({ file, ...position(nodeAt(doc, ['uplink', 'passwordFile']), at), path: 'uplink.passwordFile', message: 'a password without a username', hint: 'add uplink.username' });
  }
  if (config.console.enabled && (!config.console.cert || !config.console.key)) {
    problems.push({ file, ...position(nodeAt(doc, ['console']), at), path: 'console', message: 'the console serves HTTPS only: it needs the box certificate and its key', hint: 'add console.cert and console.key (PEM files)' });
  }
  if (config.console.enabled && !config.localBroker.enabled) {
    problems.push({ file, ...position(nodeAt(doc, ['console']), at), path: 'console', message: 'the console logs in with the local broker users and reads live data from it', hint: 'enable localBroker, or disable console' });
  }
  return problems;
}

/** Handover destinations: names unique, and what each kind checks beyond its schema (files readable, pairs complete). */
function handoverProblems(config: VehicleConfig, doc: Document, file: string, at: At): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const base = dirname(resolve(file));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const seen = new Map<string, number>();
  (config.handover?.destinations ?? []).forEach((destination, i) => {
    const first = seen.get(destination.name);
    if (first !== undefined) {
      problems.push({
        file,
        ...position(nodeAt(doc, ['handover', 'destinations', i, 'name']), at),
        path: `handover.destinations[${i}].name`,
        message: `the name is used twice (also handover.destinations[${first}])`,
        hint: 'destination names must be unique: each has its own queue',
      });
    } else seen.set(destination.name, i);
    for (const p of findKind(destination.kind)?.check?.(destination, abs) ?? []) {
      const full: Array<string | number> = ['handover', 'destinations', i, ...p.path];
      let depth = full.length;
      while (depth > 3 && !nodeAt(doc, full.slice(0, depth))) depth--;
      problems.push({
        file,
        ...position(nodeAt(doc, full.slice(0, depth)), at),
        path: dotted(full),
        message: p.message,
        ...(p.hint ? { hint: p.hint } : {}),
      });
    }
  });
  return problems;
}
