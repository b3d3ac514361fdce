// `ambulink config validate FILE` and `ambulink config schema`.
import { ConfigError, loadConfig, publishedSchema } from '../../config/index.js';
import { EXIT } from '../output.js';

export function validateCommand(file: string): number {
  try {
    const { config } = loadConfig(file);
    const enabled = config.devices.filter((d) => d.enabled).length;
    process.stdout.write(`${file}: valid — vehicle ${config.vehicle.id}, ${enabled} device(s) enabled\n`);
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n${file}: ${err.problems.length} problem(s)\n`);
    return EXIT.failure;
  }
}

export function schemaCommand(): number {
  process.stdout.write(`${JSON.stringify(publishedSchema(), null, 2)}\n`);
  return EXIT.ok;
}
