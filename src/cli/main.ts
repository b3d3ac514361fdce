#!/usr/bin/env node
// ambulink — the command line: the daemon (`run`), the demo, and the tools that talk to a running daemon.
import { Command } from 'commander';
import { packageVersion } from '../core/paths.js';
import { EXIT, exitAfterOutput } from './output.js';
import { CREW_MILESTONES } from '../crew/crew-input.js';

// Each command's module is imported when that command runs. Importing them all up front (every driver, the schemas
// ajv compiles, the FHIR definitions) cost about 2 s of CPU before `ambulink status` could even ask the daemon.

// `ambulink decode … | head` closes the pipe early: that is the reader's choice, not an error.
// A command that started something (the demo's daemon and simulators) stops it as on Ctrl-C; later writes to
// the closed pipe fail too and are ignored.
let pipeClosed = false;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  if (pipeClosed) return;
  pipeClosed = true;
  if (process.listenerCount('SIGTERM') > 0) process.emit('SIGTERM');
  else process.exit(EXIT.ok);
});

const exitWith = (code: number) => {
  process.exitCode = code;
};

// The demo ends the process when it is done: a part it left behind at its stop deadline (a socket that would not
// close, a timer) must not keep the process, and so what it stands for, alive.
const exitNow = (code: number) => exitAfterOutput(code);

const program = new Command('ambulink')
  .description('Device-integration gateway for 5G ambulances')
  .version(packageVersion())
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage));

program
  .command('run')
  .description('run the daemon in the foreground (as systemd does)')
  .requiredOption('-c, --config <file>', 'vehicle YAML', '/etc/ambulink/vehicle.yaml')
  .action(async (o: { config: string }) => (await import('./commands/run.js')).runDaemon(o.config));

const demo = program
  .command('demo')
  .description('start the daemon with simulated devices, the embedded broker and a temporary data dir')
  .option('-c, --config <file>', 'demo vehicle YAML (default: the bundled config/demo.yaml)')
  .option('--duration <seconds>', 'stop after this many seconds')
  .option('--plain', 'print records line by line as a local MQTT consumer sees them')
  .action(async (o) => exitNow(await (await import('./commands/demo.js')).demoCommand(o)));
demo
  .command('setpoint')
  .description('with a demo running: the remote-setpoint example, scripted (sign → send → confirm → applied → audit verify)')
  .option('--device <id>', 'the ventilator (default: the demo\'s Modbus ventilator)')
  .option('--on-console', 'leave the confirmation to the crew console (confirm or reject it there) instead of the CLI')
  // `demo --config FILE setpoint` and `demo setpoint --config FILE` both name the running demo's YAML.
  .action(async (_o, cmd: Command) => exitWith(await (await import('./commands/demo-setpoint.js')).demoSetpointCommand(cmd.optsWithGlobals())));

const socketOption = ['--socket <path>', 'control socket (default: $AMBULINK_SOCKET, /run/ambulink/control.sock, or a running demo)'] as const;

program
  .command('status')
  .description('is the daemon running, and are its devices delivering? (exit 1 if a device is not, 3 if no daemon)')
  .option('--json', 'machine-readable output')
  .option(...socketOption)
  .action(async (o) => exitWith(await (await import('./commands/status.js')).statusCommand(o)));

program
  .command('devices')
  .description('every device: state, last data, frame and error counters (exit 1 if any is not connected)')
  .option('--json', 'machine-readable output')
  .option(...socketOption)
  .action(async (o) => exitWith(await (await import('./commands/status.js')).devicesCommand(o)));

program
  .command('outbox')
  .description('the store-and-forward outbox per priority class, and the uplink (exit 1 if storage, a quota or the link needs attention)')
  .option('--json', 'machine-readable output (with every stream and its last seq)')
  .option(...socketOption)
  .action(async (o) => exitWith(await (await import('./commands/outbox.js')).outboxCommand(o)));

const handover = program.command('handover').description("handover to the hospital's systems (HL7 v2 over MLLP, FHIR): per destination");
handover
  .command('status')
  .description('per destination: link, queued, oldest, last ACK, parked, dead-lettered (exit 1 if one needs attention)')
  .option('--json', 'machine-readable output')
  .option(...socketOption)
  .action(async (o) => exitWith(await (await import('./commands/handover.js')).handoverStatusCommand(o)));
handover
  .command('release <destination>')
  .description('un-park a destination: its parked message is sent again, first, with a fresh retry count')
  .option(...socketOption)
  .action(async (d: string, o) => exitWith(await (await import('./commands/handover.js')).handoverReleaseCommand(d, o)));
handover
  .command('dead-letters <destination>')
  .description('messages the destination refused for good (HL7 AR/CR, HTTP 4xx): kept on disk for an operator')
  .option('--limit <n>', 'at most this many, oldest first', '100')
  .option('--body', 'print each message as it was sent')
  .option('--json', 'machine-readable output (with the bodies)')
  .option(...socketOption)
  .action(async (d: string, o) => exitWith(await (await import('./commands/handover.js')).handoverDeadLettersCommand(d, o)));

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
  .action(async (o) => exitWith(await (await import('./commands/tail.js')).tailCommand(o)));

program
  .command('watch')
  .description('live view of the latest values per device, refreshed in place')
  .option('--interval <ms>', 'refresh period', '1000')
  .option(...socketOption)
  .action(async (o) => exitWith(await (await import('./commands/watch.js')).watchCommand(o)));

program
  .command('decode')
  .description('decode a raw capture with a driver; prints one canonical record per line (NDJSON)')
  .requiredOption('-d, --driver <name>', 'driver, e.g. nmea0183')
  .option('-i, --input <file>', 'capture file (default: stdin)')
  .option('--vehicle <id>', 'vehicle id stamped on records', 'VEHICLE')
  .option('--device <id>', 'device id stamped on records', 'device')
  .option('--received-at <iso>', 'fixed receive time instead of now (reproducible output)')
  .option('-o, --option <key=value...>', "driver option (repeatable), as in the YAML's options:")
  .action(async (o) => exitWith(await (await import('./commands/decode.js')).decodeCommand(o)));

program
  .command('capture')
  .description('record raw bytes from a configured device to a file (through the daemon, or standalone with --config)')
  .requiredOption('-d, --device <id>', 'device id from the vehicle config')
  .requiredOption('-o, --output <file>', 'where to write the bytes')
  .option('--seconds <n>', 'stop after n seconds (default: Ctrl-C)')
  .option('-c, --config <file>', 'vehicle YAML, to capture when the daemon is not running')
  .option(...socketOption)
  .action(async (o) => exitWith(await (await import('./commands/capture.js')).captureCommand(o)));

program
  .command('ports')
  .description('list the serial ports of this box and their stable names (for the vehicle YAML)')
  .option('--json', 'machine-readable output')
  .action(async (o) => exitWith(await (await import('./commands/ports.js')).portsCommand(o)));

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
      process.stdout.write(`${(await import('./commands/sim.js')).simHelp(driver)}\n`);
      return;
    }
    exitWith(await (await import('./commands/sim.js')).simCommand(driver === '--help' ? undefined : driver, words));
  });

const config = program.command('config').description('vehicle configuration tools');
config
  .command('validate')
  .description('check a vehicle YAML: exit 0 when valid, 1 with every problem listed when not')
  .argument('<file>')
  .action(async (file: string) => exitWith((await import('./commands/config.js')).validateCommand(file)));
config
  .command('schema')
  .description("print the vehicle YAML's JSON Schema (also in config/vehicle.schema.json)")
  .action(async () => exitWith((await import('./commands/config.js')).schemaCommand()));

const video = program.command('video').description('cameras, live video and the signed recording');
video
  .command('status')
  .description('per camera: recording, encoder, fps, segments, live leg and uplink (exit 1 if a camera is not recording)')
  .option('--json', 'machine-readable output')
  .option(...socketOption)
  .action(async (o) => exitWith(await (await import('./commands/video.js')).videoStatusCommand(o)));
video
  .command('verify')
  .description("check the recording against its signed manifest: exit 0 when intact, 1 naming the first bad segment")
  .option('-c, --config <file>', 'vehicle YAML (default: ask the running daemon, else /etc/ambulink/vehicle.yaml)')
  .option('--dir <path>', 'recording directory (default: video.recordDir)')
  .option('--public-key <file>', "the gateway's public key (default: <dataDir>/keys/gateway.pub)")
  .option('--camera <id>', 'only this camera')
  .option('--json', 'machine-readable output')
  .option(...socketOption)
  .action(async (o) => exitWith(await (await import('./commands/video.js')).videoVerifyCommand(o)));

const collect = (v: string, list: string[] = []) => [...list, v];
const setpoint = program.command('setpoint').description('remote ventilator setpoints: hospital-side signing tools and crew confirmation');
setpoint
  .command('keygen')
  .description('make an Ed25519 key pair (clinician, AI service or policy authority): OUT.key and OUT.pub')
  .requiredOption('--out <prefix>', 'file name prefix')
  .action(async (o) => exitWith((await import('./commands/setpoint.js')).keygenCommand(o)));
setpoint
  .command('sign')
  .description('sign a setpoint command (printed as JSON, to publish on …/cmd/{device}/setpoint) or, with --policy, a policy')
  .requiredOption('--key <file>', 'private key of the issuer (or of the policy authority with --policy)')
  .option('--id <id>', 'the issuer, as named in the policy')
  .option('--approver-key <file>', "a second clinician's private key (repeatable)", collect)
  .option('--approver-id <id>', 'that clinician, as named in the policy (repeatable, in the same order)', collect)
  .option('--policy <file>', 'sign this policy body instead of a command')
  .option('--from-state <file>', 'output of `ambulink setpoint state DEVICE --json`: vehicle, device, encounter, state version, current value')
  .option('--vehicle <id>')
  .option('--device <id>')
  .option('--encounter <id>')
  .option('--param <name>', 'writable setting, e.g. fio2')
  .option('--value <n>', 'new value, on the device grid')
  .option('--unit <ucum>')
  .option('--current <n>', 'the value the sender sees now')
  .option('--state-version <n>')
  .option('--policy-version <n>')
  .option('--seq <n>', 'per-issuer sequence number (default: now in ms)')
  .option('--lease <id>', 'lease id (hex; default: a new lease)')
  .option('--lifetime <s>', 'seconds until it expires (default 30, at most 60)')
  .option('--origin <origin>', 'clinician or ai-recommendation')
  .action(async (o) => exitWith((await import('./commands/setpoint.js')).signCommandCli(o)));
setpoint
  .command('pending')
  .description('remote setpoints waiting (for the crew, or in the queue)')
  .option('--json', 'machine-readable output')
  .option(...socketOption)
  .action(async (o) => exitWith(await (await import('./commands/setpoint.js')).pendingCommand(o)));
setpoint
  .command('confirm')
  .description('the crew confirms a pending remote setpoint')
  .argument('<commandId>')
  .option(...socketOption)
  .action(async (id: string, o) => exitWith(await (await import('./commands/setpoint.js')).decideCommand('confirm', id, o)));
setpoint
  .command('reject')
  .description('the crew rejects a pending remote setpoint')
  .argument('<commandId>')
  .option(...socketOption)
  .action(async (id: string, o) => exitWith(await (await import('./commands/setpoint.js')).decideCommand('reject', id, o)));
setpoint
  .command('reload-policy')
  .description('read the signed setpoint policy again (after replacing the file); exit 1 if it is not valid')
  .option(...socketOption)
  .action(async (o) => exitWith(await (await import('./commands/setpoint.js')).reloadPolicyCommand(o)));
setpoint
  .command('state')
  .description("a device's setpoint context: encounter, state version, writable settings and values, lease")
  .argument('<device>')
  .option('--json', 'one line of JSON (input for `setpoint sign --from-state`)')
  .option(...socketOption)
  .action(async (device: string, o) => exitWith(await (await import('./commands/setpoint.js')).stateCommand(device, o)));

const encounter = program.command('encounter').description('the patient encounter: stamped on every record while open');
encounter
  .command('open')
  .description('open an encounter (closes the open one); sex and height (or PBW) enable tidal-volume limits')
  .option('--sex <male|female>')
  .option('--height <cm>', 'height in cm (120–220)')
  .option('--pbw <kg>', 'predicted body weight, when the height is unknown')
  .option('--age-band <band>', 'neonate, infant, child, adolescent, adult, older-adult')
  .option('--weight <kg>')
  .option('--id <id>', 'encounter id (default: generated)')
  .option('--json', 'machine-readable output')
  .option(...socketOption)
  .action(async (o) => exitWith(await (await import('./commands/encounter.js')).encounterOpen(o)));
encounter
  .command('close')
  .description('close the open encounter')
  .option(...socketOption)
  .action(async (o) => exitWith(await (await import('./commands/encounter.js')).encounterClose(o)));
encounter
  .command('show')
  .description('the open encounter (exit 1 when none)')
  .option('--json', 'machine-readable output')
  .option(...socketOption)
  .action(async (o) => exitWith(await (await import('./commands/encounter.js')).encounterShow(o)));

const crew = program.command('crew').description("the crew's entries for the early-warning scores, the care timeline and the handover (recorded as events)");
const crewEntry = (name: string, action: string, arg: string, what: string, description: string) =>
  crew
    .command(name)
    .description(description)
    .argument(arg, what)
    .option('--json', 'machine-readable output')
    .option(...socketOption)
    .action(async (value: string, o) => exitWith(await (await import('./commands/crew.js')).crewCommand(action, value, o)));
crewEntry('acvpu', 'acvpu', '<level>', 'A, C (new confusion), V, P or U', 'consciousness for NEWS2 and qSOFA (ACVPU)');
crewEntry('oxygen', 'oxygen', '<state>', 'on, off, or auto (from the ventilator FiO2)', 'supplemental oxygen for NEWS2');
crewEntry('spo2-scale', 'spo2-scale', '<scale>', '1, or 2 for hypercapnic respiratory failure (set by a clinician)', 'the NEWS2 SpO2 scale for this encounter');
crewEntry('alert', 'pre-arrival-alert', '<type>', 'stemi, stroke or trauma', 'the pre-arrival alert to the receiving hospital (a timeline milestone)');
crewEntry('milestone', 'milestone', '<name>', CREW_MILESTONES.join(', '), 'mark a care-timeline milestone by hand').option(
  '--at <time>',
  'when it happened (ISO-8601; default: now)',
);
crewEntry('eta', 'eta', '<eta>', 'minutes from now (e.g. 12) or an ISO-8601 time', 'the expected arrival at the hospital, for the handover document');
crewEntry('mechanism', 'mechanism', '<text>', 'in words, quoted (e.g. "fall from 3 m, chest pain since 09:30")', 'the mechanism of injury or the complaint, for the handover document').option(
  '--at <time>',
  'the time of the incident or of onset (ISO-8601)',
);

program
  .command('timeline')
  .description('the care timeline: milestones with time and source, intervals against targets (exit 1 if a target is missed or overdue)')
  .option('--json', 'machine-readable output')
  .option(...socketOption)
  .action(async (o) => exitWith(await (await import('./commands/timeline.js')).timelineCommand(o)));

program
  .command('scores')
  .description('the early-warning scores now (NEWS2, qSOFA, shock index) with their inputs, and recent alerts')
  .option('--json', 'machine-readable output')
  .option(...socketOption)
  .action(async (o) => exitWith(await (await import('./commands/timeline.js')).scoresCommand(o)));

const auditWhere = (c: Command) =>
  c
    .option('-c, --config <file>', 'vehicle YAML (its storage.dataDir)', '/etc/ambulink/vehicle.yaml')
    .option('--data-dir <dir>', 'the data directory instead of --config')
    .option('--dir <dir>', 'a directory made by `audit export`')
    .option('--public-key <file>', "the gateway's public key (default: <dataDir>/keys/gateway.pub)");
const audit = program.command('audit').description('the tamper-evident audit log');
auditWhere(audit.command('verify').description('check the log and its checkpoints: exit 0 intact, 1 with the first bad sequence number'))
  .option('--witness <file>', 'checkpoints as the hospital received them, one JSON per line')
  .option('--json', 'machine-readable output')
  .action(async (o) => exitWith((await import('./commands/audit.js')).verifyCommand(o)));
auditWhere(audit.command('tail').description('the last entries'))
  .option('-n, --lines <n>', 'how many', '20')
  .option('--json', 'one entry per line as JSON')
  .action(async (o) => exitWith((await import('./commands/audit.js')).tailCommand(o)));
auditWhere(audit.command('export').description('copy the log, its checkpoints and the gateway public key, for verification elsewhere'))
  .requiredOption('-o, --output <dir>')
  .action(async (o) => exitWith((await import('./commands/audit.js')).exportCommand(o)));

await program.parseAsync(process.argv);
