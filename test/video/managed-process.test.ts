// The supervisor on its own, with small real child processes that misbehave on purpose: one that stalls and ignores
// SIGTERM (SIGKILL after the grace), one that exits 0 (restarted with backoff), one that reports a configuration
// error (not retried hot), and a secret that must not reach the kept stderr.
import t from 'tap';
import { silentLogger } from '../../src/core/logger.js';
import { ManagedProcess } from '../../src/video/managed-process.js';
import { redactor } from '../../src/video/passphrase.js';
import { waitFor } from '../helpers/wait.js';

const node = process.execPath;
const spec = (name: string, script: string, extra: Partial<ConstructorParameters<typeof ManagedProcess>[0]> = {}) =>
  new ManagedProcess(
    {
      name,
      command: node,
      args: () => ['-e', script],
      redact: redactor(['hunter2-secret']),
      progress: true,
      stallMs: 1000,
      startupMs: 10_000,
      configErrorRetryMs: 60_000,
      backoff: { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.2 },
      ...extra,
    },
    silentLogger(),
  );

t.test('a stalled child that ignores SIGTERM is killed and restarted', async (t) => {
  // Progress for a moment, then silence; SIGTERM is ignored.
  const p = spec('stall', "process.on('SIGTERM',()=>{});let n=0;const i=setInterval(()=>{n++;process.stdout.write(`frame=${n}\\nout_time_us=${n*100000}\\nspeed=1x\\nprogress=continue\\n`);if(n===5)clearInterval(i)},100);setInterval(()=>{},1000)");
  t.teardown(() => p.stop());
  p.start();
  await waitFor(() => p.health().state === 'running', 'running', 30_000);
  await waitFor(() => p.health().restarts >= 1, 'the stall to be acted on', 30_000);
  t.match(p.health().lastExit, { reason: 'stalled', signal: 'SIGKILL' }, 'SIGTERM was ignored: SIGKILL after the grace');
  await waitFor(() => p.health().state === 'running', 'running again', 30_000);
});

t.test('exit 0 (input ended) is restarted with backoff', async (t) => {
  const p = spec('eof', "process.stdout.write('frame=1\\nout_time_us=1\\nprogress=end\\n')");
  t.teardown(() => p.stop());
  p.start();
  await waitFor(() => p.health().restarts >= 3, 'three restarts', 30_000);
  t.match(p.health().lastExit, { code: 0, reason: 'input ended' });
});

t.test('a configuration error stops the retries; secrets never reach the kept stderr', async (t) => {
  const p = spec('passphrase', "console.error('srt://h:1?passphrase=hunter2-secret'); console.error('REJECT reported from HS processing: Incorrect passphrase'); setInterval(()=>{},1000)", { progress: false });
  t.teardown(() => p.stop());
  p.start();
  await waitFor(() => p.health().state === 'config-error', 'the configuration error', 30_000);
  const h = p.health();
  t.equal(h.restarts, 1);
  t.match(h.failure, { kind: 'bad-passphrase', config: true });
  t.notOk(JSON.stringify(h.stderrTail).includes('hunter2-secret'));
  t.match(h.stderrTail[0], /passphrase=\[redacted\]/);
  const seen = Date.now();
  await waitFor(() => Date.now() - seen > 1500, 'a while');
  t.equal(p.health().restarts, 1, 'not retried hot');
});

t.test('a program that is not installed is reported, not spun on', async (t) => {
  const p = new ManagedProcess(
    { name: 'missing', command: '/nonexistent/ffmpeg', args: () => [], redact: (s) => s, progress: false, stallMs: 1000, startupMs: 1000, configErrorRetryMs: 60_000 },
    silentLogger(),
  );
  t.teardown(() => p.stop());
  p.start();
  await waitFor(() => p.health().state === 'config-error', 'the failure', 30_000);
  t.match(p.health().failure, { kind: 'encoder-unavailable', text: /cannot run \/nonexistent\/ffmpeg/ });
});

t.test('stop() ends the whole process group and stays stopped', async (t) => {
  const p = spec('group', "require('child_process').spawn(process.execPath,['-e','setInterval(()=>{},1000)'],{stdio:'ignore'});setInterval(()=>process.stdout.write('out_time_us='+Date.now()+'\\nprogress=continue\\n'),100)");
  p.start();
  await waitFor(() => p.health().state === 'running', 'running', 30_000);
  const pid = p.pid!;
  await p.stop();
  t.equal(p.health().state, 'stopped');
  const groupGone = () => {
    try {
      process.kill(-pid, 0);
      return false;
    } catch {
      return true;
    }
  };
  t.ok(await waitFor(groupGone, 'the helper it started to be gone too', 10_000), 'no process of the group is left');
});
