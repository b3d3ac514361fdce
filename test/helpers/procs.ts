// What a process tree holds, read from /proc: its live descendants, and the ports its processes listen on (TCP) or
// have bound (UDP). For tests that check a command left nothing behind.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Live descendants of `root` (walking parent pids in /proc); zombies count as gone. */
export function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z') parent.set(Number(name), Number(fields[1]));
    } catch {
      /* gone meanwhile */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [pid, ppid] of parent) if (ppid === p) (out.push(pid), walk(pid));
  };
  walk(root);
  return out;
}

/** Running (not a zombie, not gone). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export const commOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
};

/** "tcp 12345" / "udp 12345" for every listening TCP socket and every bound UDP socket, with its socket inode. */
function sockets(): Map<string, string> {
  const byInode = new Map<string, string>();
  for (const [file, proto] of [['tcp', 'tcp'], ['tcp6', 'tcp'], ['udp', 'udp'], ['udp6', 'udp']] as const) {
    let text: string;
    try {
      text = readFileSync(`/proc/net/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const port = parseInt(f[1]!.split(':')[1]!, 16);
      // TCP: only listeners (0A); UDP: every bound socket (07 is how /proc shows them).
      if (proto === 'tcp' && f[3] !== '0A') continue;
      byInode.set(f[9]!, `${proto} ${port}`);
    }
  }
  return byInode;
}

/** The ports `pids` listen on (TCP) or have bound (UDP), as "tcp 1883", "udp 40000". */
export function portsOf(pids: readonly number[]): string[] {
  const all = sockets();
  const out = new Set<string>();
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        const port = m && all.get(m[1]!);
        if (port) out.add(port);
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return [...out].sort();
}

/** Which of `ports` (as portsOf names them) some process still listens on or has bound. */
export function stillOpen(ports: readonly string[]): string[] {
  const open = new Set(sockets().values());
  return ports.filter((p) => open.has(p));
}
