// After tsc: make the CLI executable (npm links it as `ambulink`).
import { chmodSync } from 'node:fs';
chmodSync(new URL('../dist/src/cli/main.js', import.meta.url), 0o755);
