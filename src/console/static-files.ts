// The console's built page (index.html, app.js, app.css from `npm run build`, in dist/console of the installed
// package), read once and kept in memory with a gzip copy: no build step and no disk reads on the box per request.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { packageRoot } from '../core/paths.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The page talks only to its own origin (its API and its MQTT WebSocket). mqtt.js keeps its keep-alive timers in a
 * worker it makes from a blob (timers of a page are throttled): without `worker-src blob:` the keep-alive never
 * fires and the broker drops the page after 1.5 keep-alive periods.
 */
export const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

interface File {
  type: string;
  body: Buffer;
  gzip: Buffer;
  etag: string;
}

export function webDir(): string {
  return join(packageRoot(), 'dist', 'console');
}

export class StaticFiles {
  private readonly files = new Map<string, File>();
  /** Why the page cannot be served, when it cannot. */
  problem: string | undefined;

  constructor(private readonly dir: string = webDir()) {}

  load(): void {
    if (!existsSync(join(this.dir, 'index.html'))) {
      this.problem = `the console's web files are not in ${this.dir}: build them with \`npm run build\``;
      return;
    }
    for (const name of readdirSync(this.dir)) {
      const type = TYPES[extname(name)];
      if (!type) continue;
      const body = readFileSync(join(this.dir, name));
      this.files.set(`/${name}`, { type, body, gzip: gzipSync(body), etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
    }
  }

  /** Answers GET for a file of the page (and / for index.html); false if the path is not one. */
  serve(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const file = this.files.get(path === '/' ? '/index.html' : path);
    if (!file) {
      if (path !== '/' || !this.problem) return false;
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end(`${this.problem}\n`);
      return true;
    }
    // Revalidated on every load (a tablet keeps no stale page after a package upgrade); unchanged files cost a 304.
    const headers = { ...SECURITY_HEADERS, 'cache-control': 'no-cache', etag: file.etag, vary: 'accept-encoding' };
    if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304, headers).end();
      return true;
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    res.writeHead(200, { ...headers, 'content-type': file.type, ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    res.end(gzip ? file.gzip : file.body);
    return true;
  }
}
