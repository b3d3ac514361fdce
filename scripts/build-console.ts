// Builds the crew console's page (src/console/web: Preact, bundled and minified by esbuild) into dist/console, where
// the daemon serves it from the installed package. Run by `npm run build` (scripts/post-build.mjs) and by the
// console tests (so they never test a stale bundle).
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

export async function buildConsole(root: string, outDir = join(root, 'dist', 'console')): Promise<string> {
  const web = join(root, 'src', 'console', 'web');
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(web, 'main.tsx')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'warning',
    // mqtt's browser build refers to the Node globals it shims; nothing else of Node gets in.
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  for (const file of ['index.html', 'app.css']) copyFileSync(join(web, file), join(outDir, file));
  return outDir;
}
