// `ambulink ports`: the serial ports of this box and their stable names, for writing the vehicle YAML.
import { listSerialPorts } from '../../../drivers/sdk/transports/serial-ports.js';
import { EXIT, table } from '../output.js';

export async function portsCommand(opts: { json?: boolean }): Promise<number> {
  const listing = await listSerialPorts();
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(listing, null, 2)}\n`);
    return EXIT.ok;
  }
  if (listing.source === 'dev') {
    process.stdout.write('(udevadm is not available: ports listed from /dev, without USB details)\n');
  }
  if (listing.ports.length === 0) {
    process.stdout.write('no serial ports found\n');
    return EXIT.ok;
  }
  process.stdout.write(
    table(
      ['PORT', 'STABLE NAMES', 'MANUFACTURER', 'VENDOR:PRODUCT', 'SERIAL'],
      listing.ports.map((p) => [
        p.path,
        p.aliases.join(' ') || '-',
        p.manufacturer ?? '-',
        p.vendorId ? `${p.vendorId}:${p.productId ?? '?'}` : '-',
        p.serialNumber ?? '-',
      ]),
    ) + '\n',
  );
  return EXIT.ok;
}
