// The daemon as its own process (so a test can kill -9 it), with the test ventilator driver registered and the
// hospital link bound to a real MQTT broker: node <loader args> vent-daemon-main.ts VEHICLE_YAML HOSPITAL_PORT
import './register-test-vent.js';
import mqtt from 'mqtt';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/core/logger.js';
import { Controller } from '../../src/daemon/controller.js';
import { GatewayMqtt } from './mqtt-hospital.js';

const [file, port] = process.argv.slice(2);
const loaded = loadConfig(file!);
const client = await mqtt.connectAsync({ host: '127.0.0.1', port: Number(port), protocolVersion: 4, clientId: `gw-child-${process.pid}`, reconnectPeriod: 200 });
const gw = new GatewayMqtt(client);
const controller = new Controller({ loaded, log: createLogger('warn'), env: {}, hospital: { commands: gw, publisher: gw } });
await controller.start();
process.stdout.write('ready\n');
