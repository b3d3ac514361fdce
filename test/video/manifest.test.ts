// The signed, hash-chained manifest and its verifier, on real files: every kind of tampering is named.
import { appendFileSync, chmodSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import t from 'tap';
import { GatewayKey, GatewayPublicKey, keysDir } from '../../src/core/gateway-key.js';
import { MANIFEST_FILE, ManifestWriter, readManifest } from '../../src/video/manifest.js';
import { verifyCamera } from '../../src/video/verify.js';
import { tempDir } from '../helpers/tmp.js';

function recording(t: { teardown(fn: () => void): void }, segments = 4) {
  const dir = tempDir(t);
  const key = GatewayKey.loadOrCreate(join(dir, 'data'));
  const cam = join(dir, 'cam');
  mkdirSync(cam);
  const m = new ManifestWriter(join(cam, MANIFEST_FILE), key, { vehicle: 'V1', camera: 'cam' });
  m.open();
  m.append({ type: 'session', argv: 'ffmpeg …', encoder: 'libx264' });
  const files: string[] = [];
  for (let i = 0; i < segments; i++) {
    const file = `V1_cam_2026010${i}T000000Z.mp4`;
    const data = Buffer.alloc(1000 + i, i);
    writeFileSync(join(cam, file), data);
    m.append({ type: 'segment', file, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex'), mediaStart: i * 10, mediaEnd: i * 10 + 10 });
    files.push(file);
  }
  m.close();
  return { dir, cam, key, files };
}

t.test('the gateway key: created once with mode 0600, loaded afterwards, signs and verifies', async (t) => {
  const dir = tempDir(t);
  const a = GatewayKey.loadOrCreate(dir);
  t.equal(statSync(join(keysDir(dir), 'gateway.key')).mode & 0o777, 0o600);
  const b = GatewayKey.loadOrCreate(dir);
  t.equal(a.id, b.id, 'the same key on the second start');
  const sig = a.sign('hello');
  t.ok(GatewayPublicKey.fromPem(b.pem()).verify('hello', sig));
  t.notOk(a.verify('hellO', sig));
  t.notOk(a.verify('hello', 'not base64 at all!'));
  const other = GatewayKey.loadOrCreate(tempDir(t));
  t.notOk(other.verify('hello', sig), 'another box cannot vouch for it');
  chmodSync(join(keysDir(dir), 'gateway.key'), 0o644);
  t.throws(() => GatewayKey.loadOrCreate(dir), /readable by others/);
});

t.test('a clean recording verifies', async (t) => {
  const { cam, key, files } = recording(t);
  const r = await verifyCamera(cam, 'cam', key);
  t.equal(r.ok, true);
  t.equal(r.segments, files.length);
  t.same(r.problems, []);
  t.equal(r.head, (readManifest(join(cam, MANIFEST_FILE)).at(-1) as { entryHash: string }).entryHash);
});

t.test('a changed segment is named (same size, one byte flipped)', async (t) => {
  const { cam, key, files } = recording(t);
  const path = join(cam, files[2]!);
  const b = readFileSync(path);
  b[500] = b[500]! ^ 1;
  writeFileSync(path, b);
  const r = await verifyCamera(cam, 'cam', key);
  t.equal(r.ok, false);
  t.match(r.problems[0], { kind: 'changed', file: files[2], message: /sha256/ });
  t.equal(r.problems.length, 1);
});

t.test('a missing segment is named; an evicted one (recorded in the manifest) is not', async (t) => {
  const { cam, key, files } = recording(t);
  unlinkSync(join(cam, files[1]!));
  let r = await verifyCamera(cam, 'cam', key);
  t.match(r.problems, [{ kind: 'missing', file: files[1] }]);
  const m = new ManifestWriter(join(cam, MANIFEST_FILE), key, { vehicle: 'V1', camera: 'cam' });
  m.open();
  m.append({ type: 'eviction', file: files[1]!, uploaded: true, reason: 'disk' });
  m.close();
  r = await verifyCamera(cam, 'cam', key);
  t.equal(r.ok, true, 'eviction recorded: not a problem');
  t.equal(r.evicted, 1);
});

t.test('reordered or removed manifest entries break the chain at the first moved entry', async (t) => {
  const { cam, key, files } = recording(t);
  const file = join(cam, MANIFEST_FILE);
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  [lines[2], lines[3]] = [lines[3]!, lines[2]!];
  writeFileSync(file, `${lines.join('\n')}\n`);
  const r = await verifyCamera(cam, 'cam', key);
  t.equal(r.ok, false);
  t.match(r.problems[0], { kind: 'chain', line: 3, file: files[2] });

  const removed = recording(t);
  const rf = join(removed.cam, MANIFEST_FILE);
  const rl = readFileSync(rf, 'utf8').trim().split('\n');
  rl.splice(2, 1);
  writeFileSync(rf, `${rl.join('\n')}\n`);
  const r2 = await verifyCamera(removed.cam, 'cam', removed.key);
  t.match(r2.problems[0], { kind: 'chain', line: 3 });
});

t.test('two segment files swapped by name are both named', async (t) => {
  const { cam, key, files } = recording(t);
  const a = join(cam, files[0]!);
  const b = join(cam, files[3]!);
  const ta = readFileSync(a);
  writeFileSync(a, readFileSync(b));
  writeFileSync(b, ta);
  const r = await verifyCamera(cam, 'cam', key);
  t.same(r.problems.map((p) => p.file), [files[0], files[3]]);
});

t.test('an edited entry (hash kept) and a forged entry (re-hashed, not re-signed) are caught', async (t) => {
  const { cam, key } = recording(t);
  const file = join(cam, MANIFEST_FILE);
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const e = JSON.parse(lines[2]!) as Record<string, unknown>;
  e.bytes = 1;
  lines[2] = JSON.stringify(e);
  writeFileSync(file, `${lines.join('\n')}\n`);
  t.match((await verifyCamera(cam, 'cam', key)).problems[0], { kind: 'changed', line: 3, message: /entry was edited/ });

  const forged = recording(t);
  const ff = join(forged.cam, MANIFEST_FILE);
  const fl = readFileSync(ff, 'utf8').trim().split('\n');
  const last = JSON.parse(fl.at(-1)!) as Record<string, unknown>;
  const { entryHash: _h, sig: _s, ...body } = last;
  body.mediaEnd = 999;
  const entryHash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
  fl[fl.length - 1] = JSON.stringify({ ...body, entryHash, sig: last.sig });
  writeFileSync(ff, `${fl.join('\n')}\n`);
  t.match((await verifyCamera(forged.cam, 'cam', forged.key)).problems[0], { kind: 'signature' });
});

t.test('a torn last line (power cut mid-write) is cut and the cut is itself recorded', async (t) => {
  const { cam, key } = recording(t);
  const file = join(cam, MANIFEST_FILE);
  const torn = '{"v":1,"seq":6,"at":"20';
  appendFileSync(file, torn);
  const m = new ManifestWriter(file, key, { vehicle: 'V1', camera: 'cam' });
  m.open();
  m.close();
  const entries = readManifest(file);
  t.match(entries.at(-1), { type: 'repair', truncatedBytes: torn.length, seq: 6 });
  t.equal((await verifyCamera(cam, 'cam', key)).ok, true);
});

t.test('garbage lines are reported, not fatal', async (t) => {
  const { cam, key } = recording(t, 1);
  appendFileSync(join(cam, MANIFEST_FILE), 'not json\n');
  const r = await verifyCamera(cam, 'cam', key);
  t.match(r.problems, [{ kind: 'malformed', line: 3 }]);
});
