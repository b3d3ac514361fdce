// A device without an `options:` block gets its driver's option defaults, exactly as one with `options: {}` does.
import t from 'tap';
import { parseConfig } from '../../src/config/index.js';

t.test("driver option defaults apply whether or not the device has an options block", async (t) => {
  const base = 'vehicle: { id: X }\ndevices:\n  - id: bga\n    driver: astm\n    transport: { type: tcp-client, host: 127.0.0.1, port: 4001 }\n';
  const without = parseConfig(base, 'a.yaml', {}).config.devices[0]!.options;
  const empty = parseConfig(`${base}    options: {}\n`, 'b.yaml', {}).config.devices[0]!.options;
  t.same(without, empty);
  t.match(without, { framing: 'e1381', timeZone: 'local', link: { replyTimeoutMs: 15_000, receiveTimeoutMs: 30_000, busyRetryMs: 10_000, contentionRetryMs: 20_000, maxRetries: 6 } });
});
