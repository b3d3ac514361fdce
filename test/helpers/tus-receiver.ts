// The hospital's upload receiver, for the tests: a tus server (@tus/server, files on disk) that checks each upload's
// sha256 against the one in its metadata before it answers the last chunk, and can corrupt an upload on request to
// show that a bad copy is refused. Closing and restarting it on the same port and directory is an uplink outage.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { join } from 'node:path';
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';

export interface TusReceiver {
  url: string;
  /** File names accepted after the sha256 check. */
  verified: string[];
  /** File names refused by the sha256 check. */
  rejected: string[];
  /** Every PATCH: upload id and the offset it started at. */
  patches: Array<{ id: string; offset: number }>;
  /** Corrupt the next upload that completes (as a flipped bit on the way would). */
  corruptNext: boolean;
  close(): Promise<void>;
  /** Listens again on the same port and directory (what the receiver had is kept). */
  restart(): Promise<void>;
}

export async function startTusReceiver(t: { teardown(fn: () => Promise<void>): void }, directory: string): Promise<TusReceiver> {
  let http_: http.Server | undefined;
  let port = 0;
  const r: TusReceiver = {
    url: '',
    verified: [],
    rejected: [],
    patches: [],
    corruptNext: false,
    close: async () => {
      const s = http_;
      http_ = undefined;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((res) => s.close(() => res()));
    },
    restart: async () => listen(),
  };
  const tus = new Server({
    path: '/files',
    datastore: new FileStore({ directory }),
    onIncomingRequest: async (req, id) => {
      if (req.method === 'PATCH') r.patches.push({ id, offset: Number(req.headers.get('upload-offset')) });
    },
    onUploadFinish: async (_req, upload) => {
      const path = join(directory, upload.id);
      const data = readFileSync(path);
      if (r.corruptNext) {
        r.corruptNext = false;
        const i = Math.floor(data.length / 2);
        data[i] = data[i]! ^ 0x01;
      }
      const name = upload.metadata?.filename ?? upload.id;
      if (createHash('sha256').update(data).digest('hex') !== upload.metadata?.sha256) {
        r.rejected.push(name);
        throw { status_code: 460, body: 'sha256 mismatch\n' };
      }
      r.verified.push(name);
      return {};
    },
  });
  const listen = () =>
    new Promise<void>((resolve) => {
      const s = http.createServer((req, res) => void tus.handle(req, res));
      s.on('connection', (c: net.Socket) => c.on('error', () => undefined));
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as net.AddressInfo).port;
        r.url = `http://127.0.0.1:${port}/files`;
        http_ = s;
        resolve();
      });
    });
  await listen();
  t.teardown(() => r.close());
  return r;
}
