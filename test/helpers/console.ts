// The crew console for tests: its page freshly built, a self-signed certificate, and the vehicle YAML pieces that
// turn it on with a crew and a consumer user (port 0: the bound port is read back from the controller).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildConsole } from '../../scripts/build-console.js';
import { packageRoot } from '../../src/core/paths.js';
import { selfSignedCertificate } from '../../src/console/self-signed.js';
import type { Controller } from '../../src/daemon/controller.js';

let built: Promise<string> | undefined;

/** Builds the page once per test process, so a test never sees a stale bundle. */
export function buildPage(): Promise<string> {
  return (built ??= buildConsole(packageRoot()));
}

export const PASSWORDS = { crew: 'crew-secret', tablet: 'tablet-secret' } as const;

/** The `console:` and `localBroker:` sections for a test vehicle whose files live in `dir`. */
export function consoleSections(dir: string): { console: Record<string, unknown>; localBroker: Record<string, unknown> } {
  const { cert, key } = selfSignedCertificate(join(dir, 'tls'));
  writeFileSync(join(dir, 'crew.password'), `${PASSWORDS.crew}\n`);
  writeFileSync(join(dir, 'tablet.password'), `${PASSWORDS.tablet}\n`);
  return {
    console: { enabled: true, host: '127.0.0.1', port: 0, cert, key },
    localBroker: {
      users: [
        { username: 'crew', passwordFile: join(dir, 'crew.password'), role: 'crew' },
        { username: 'tablet', passwordFile: join(dir, 'tablet.password'), role: 'consumer' },
      ],
    },
  };
}

export function consoleUrl(controller: Controller): string {
  return `https://127.0.0.1:${controller.console!.port}/`;
}
