#!/usr/bin/env node
// ambulink — the command line: the daemon (`run`), the demo, and the tools that talk to a running daemon.
import { Command } from 'commander';
import { packageVersion } from '../core/paths.js';
import { captureCommand } from './commands/capture.js';
import { schemaCommand, validateCommand } from './commands/config.js';
import { decodeCommand } from './commands/decode.js';
import { demoCommand } from './commands/demo.js';
import { runDaemon } from './commands/run.js';
import { simCommand, simHelp } from './commands/sim.js';
import { outboxCommand } from './commands/outbox.js';
import { devicesCommand, statusCommand } from './commands/status.js';
import { tailCommand } from './commands/tail.js';
import { watchCommand } from './commands/watch.js';
import { EXIT } from './output.js';

// `ambulink decode … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(EXIT.ok);
  throw err;
});

const exitWith = (code: number) => {
  process.exitCode = code;
};

const program = new Command('ambulink')
  .description('Device-integration gateway for 5G ambulances')
  .version(packageVersion())
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage));

program
  .command('run')
  .description('run the daemon in the foreground (as systemd does)')
  .requiredOption('-c, --config <file>', 'vehicle YAML', '/etc/ambulink/vehicle.yaml')
  .action(async (o: { config: string }) => runDaemon(o.config));

program
  .command('demo')
  .description('start the daemon with simulated devices, the embedded broker and a temporary data dir')
  .option('-c, --config <file>', 'demo vehicle YAML (default: the bundled config/demo.yaml)')
  .option('--duration <seconds>', 'stop after this many seconds')
  .option('--plain', 'print records line by line as a local MQTT consumer sees them')
  .action(async (o) => exitWith(await demoCommand(o)));

const socketOption = ['--socket <path>', 'control socket (default: $AMBULINK_SOCKET, /run/ambulink/control.sock, or a running demo)'] as const;

program
  .command('status')
  .description('is the daemon running, and are its devices delivering? (exit 1 if a device is not, 3 if no daemon)')
  .option('--json', 'machine-readable output')
  .option(...socketOption)
  .action(async (o) => exitWith(await statusCommand(o)));

program
  .command('devices')
  .description('every device: state, last data, frame and error counters (exit 1 if any is not connected)')
  .option('--json', 'machine-readable output')
  .option(...socketOption)
  .action(async (o) => exitWith(await devicesCommand(o)));

program
  .command('outbox')
  .description('the store-and-forward outbox per priority class, and the uplink (exit 1 if storage, a quota or the link needs attention)')
  .option('--json', 'machine-readable output (with every stream and its last seq)')
  .option(...socketOption)
  .action(async (o) => exitWith(await outboxCommand(o)));

program
  .command('tail')
  .description('follow what a broker (the hospital, or the demo stand-in) receives from ambulink: stream, seq, historical')
  .requiredOption('-b, --broker <url>', 'broker URL, e.g. mqtt://127.0.0.1:11884 or mqtts://broker.hospital.example:8883')
  .option('--vehicle <id>', 'only this vehicle (default: all)')
  .option('--topic <filter>', 'MQTT topic filter (default: ambulink/v1/{vehicle}/#)')
  .option('--json', 'one JSON object per message (NDJSON)')
  .option('-u, --username <name>')
  .option('--password-file <file>')
  .option('--ca <file>', 'CA certificate (PEM)')
  .option('--cert <file>', 'client certificate (PEM)')
  .option('--key <file>', 'client key (PEM)')
  .option('--insecure', 'do not verify the broker certificate')
  .option('--protocol <version>', 'MQTT version: 4 (3.1.1, default) or 5', '4')
  .option('--count <n>', 'stop after n messages')
  .option('--seconds <n>', 'stop after n seconds')
  .action(async (o) => exitWith(await tailCommand(o)));

program
  .command('watch')
  .description('live view of the latest values per device, refreshed in place')
  .option('--interval <ms>', 'refresh period', '1000')
  .option(...socketOption)
  .action(async (o) => exitWith(await watchCommand(o)));

program
  .command('decode')
  .description('decode a raw capture with a driver; prints one canonical record per line (NDJSON)')
  .requiredOption('-d, --driver <name>', 'driver, e.g. nmea0183')
  .option('-i, --input <file>', 'capture file (default: stdin)')
  .option('--vehicle <id>', 'vehicle id stamped on records', 'VEHICLE')
  .option('--device <id>', 'device id stamped on records', 'device')
  .option('--received-at <iso>', 'fixed receive time instead of now (reproducible output)')
  .option('-o, --option <key=value...>', "driver option (repeatable), as in the YAML's options:")
  .action(async (o) => exitWith(await decodeCommand(o)));

program
  .command('capture')
  .description('record raw bytes from a configured device to a file (through the daemon, or standalone with --config)')
  .requiredOption('-d, --device <id>', 'device id from the vehicle config')
  .requiredOption('-o, --output <file>', 'where to write the bytes')
  .option('--seconds <n>', 'stop after n seconds (default: Ctrl-C)')
  .option('-c, --config <file>', 'vehicle YAML, to capture when the daemon is not running')
  .option(...socketOption)
  .action(async (o) => exitWith(await captureCommand(o)));

program
  .command('sim')
  .description('run a device simulator: ambulink sim DRIVER --pty PATH | --tcp-listen PORT | --tcp-connect HOST:PORT | --udp PORT [--param value …]')
  .argument('[driver]', 'driver whose device to simulate (omit to list them)')
  .allowUnknownOption()
  .allowExcessArguments()
  .helpOption(false)
  .action(async (driver: string | undefined, _o: unknown, cmd: Command) => {
    const words = cmd.args.slice(driver ? 1 : 0);
    if (driver && (words.includes('--help') || words.includes('-h'))) {
      process.stdout.write(`${simHelp(driver)}\n`);
      return;
    }
    exitWith(await simCommand(driver === '--help' ? undefined : driver, words));
  });

const config = program.command('config').description('vehicle configuration tools');
config
  .command('validate')
  .description('check a vehicle YAML: exit 0 when valid, 1 with every problem listed when not')
  .argument('<file>')
  .action((file: string) => exitWith(validateCommand(file)));
config
  .command('schema')
  .description("print the vehicle YAML's JSON Schema (also in config/vehicle.schema.json)")
  .action(() => exitWith(schemaCommand()));

await program.parseAsync(process.argv);
