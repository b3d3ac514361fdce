// After tsc: make the CLI executable (npm links it as `ambulink`), and build the crew console's page into
// dist/console (served by the daemon from the installed package: no build step on the box).
import { chmodSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
chmodSync(new URL('../dist/src/cli/main.js', import.meta.url), 0o755);
const { buildConsole } = await import('../dist/scripts/build-console.js');
await buildConsole(fileURLToPath(new URL('..', import.meta.url)));
