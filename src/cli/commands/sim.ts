// `ambulink sim DRIVER --pty PATH | --tcp-listen [HOST:]PORT | --tcp-connect HOST:PORT | --udp [HOST:]PORT [--param value …]`:
// a device simulator speaking the device side of a protocol, for the demo, tests and the bench.
import { drivers, findDriver } from '../../../drivers/index.js';
import type { SimEndpoint } from '../../../drivers/sdk/simulator.js';
import { createLogger } from '../../core/logger.js';
import { EXIT, fail, table } from '../output.js';

function hostPort(value: string, defaultHost: string): { host: string; port: number } {
  const i = value.lastIndexOf(':');
  const host = i === -1 ? defaultHost : value.slice(0, i);
  const port = Number(i === -1 ? value : value.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`not a port: ${value}`, EXIT.usage);
  return { host, port };
}

export function listSimulators(): string {
  return table(
    ['DRIVER', 'ENDPOINTS', 'SIMULATES'],
    drivers.filter((d) => d.simulator).map((d) => [d.name, d.simulator!.endpoints.join(', '), d.simulator!.summary]),
  );
}

/** Splits `--name value` / `--flag` words into simulator parameters, checked against what the simulator declares. */
export function parseSimArgs(driverName: string, words: string[]): { endpoint: SimEndpoint; params: Record<string, string> } {
  const driver = findDriver(driverName);
  if (!driver?.simulator) fail(`no simulator for "${driverName}". Simulators:\n${listSimulators()}`, EXIT.usage);
  const sim = driver.simulator;
  const params: Record<string, string> = {};
  let endpoint: SimEndpoint | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith('--')) fail(`unexpected argument "${word}"`, EXIT.usage);
    const [name, inline] = word.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const param = sim.params.find((p) => p.name === name);
    const isEndpoint = ['pty', 'tcp-listen', 'tcp-connect', 'udp'].includes(name);
    const takesValue = isEndpoint || (param !== undefined && !param.flag);
    const value = inline ?? (takesValue ? words[++i] : 'true');
    if (value === undefined) fail(`--${name} needs a value`, EXIT.usage);
    if (name === 'pty') endpoint = { type: 'pty', path: value };
    else if (name === 'tcp-listen') endpoint = { type: 'tcp-server', ...hostPort(value, '127.0.0.1') };
    else if (name === 'tcp-connect') endpoint = { type: 'tcp-client', ...hostPort(value, '127.0.0.1') };
    else if (name === 'udp') endpoint = { type: 'udp', ...hostPort(value, '127.0.0.1') };
    else if (param) params[name] = value;
    else fail(`the ${driverName} simulator has no --${name}; it takes: ${sim.params.map((p) => `--${p.name}`).join(' ')}`, EXIT.usage);
  }
  if (!endpoint) fail(`say where the simulator listens: ${sim.endpoints.map((e) => ({ pty: '--pty PATH', 'tcp-server': '--tcp-listen [HOST:]PORT', 'tcp-client': '--tcp-connect HOST:PORT', udp: '--udp [HOST:]PORT' })[e]).join(' | ')}`, EXIT.usage);
  if (!sim.endpoints.includes(endpoint.type)) fail(`the ${driverName} simulator cannot serve ${endpoint.type}; it serves ${sim.endpoints.join(', ')}`, EXIT.usage);
  return { endpoint, params };
}

export async function simCommand(driverName: string | undefined, words: string[]): Promise<number> {
  if (!driverName) {
    process.stdout.write(`${listSimulators()}\n\nambulink sim DRIVER --help shows a simulator's parameters\n`);
    return EXIT.ok;
  }
  const { endpoint, params } = parseSimArgs(driverName, words);
  const log = createLogger('info');
  const running = await findDriver(driverName)!.simulator!.start({ endpoint, params, log }).catch((err: Error) => fail(err.message));
  process.stderr.write(`${driverName} simulator: ${running.description} (Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.stop();
  return EXIT.ok;
}

export function simHelp(driverName: string): string {
  const sim = findDriver(driverName)?.simulator;
  if (!sim) return `no simulator for "${driverName}"`;
  return [
    `ambulink sim ${driverName} — ${sim.summary}`,
    `endpoints: ${sim.endpoints.join(', ')}`,
    'parameters:',
    ...sim.params.map((p) => `  --${p.name}${p.flag ? '' : ' VALUE'}  ${p.description}${p.default !== undefined ? ` (default ${p.default})` : ''}`),
  ].join('\n');
}
