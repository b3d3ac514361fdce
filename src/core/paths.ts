// Where the installed package lives, so bundled files (fixtures for simulators, config examples) are found from
// both the TypeScript sources (tests) and the compiled dist/ tree.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'ambulink') {
      return (root = dir);
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the ambulink package root');
    dir = up;
  }
}

let version: string | undefined;

/** Read once: the console's state push asks for it every 2 s, and reading package.json each time showed in its profile. */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return version;
}
