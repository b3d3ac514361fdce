// Console logins: an opaque random token per login (in an HttpOnly, Secure, SameSite=Strict cookie), the user it
// belongs to, and when it ends. In memory only: a restarted daemon asks the crew to log in again.
import { randomBytes } from 'node:crypto';
import type { LoggedInUser } from '../broker/local-broker.js';
import type { Clock } from '../core/clock.js';

export const SESSION_COOKIE = 'ambulink_console';

/** More logins than any crew has tablets; past it the oldest login ends first. */
const MAX_SESSIONS = 64;

interface Session {
  user: LoggedInUser;
  endsMono: number;
}

export class Sessions {
  private readonly byToken = new Map<string, Session>();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  create(user: LoggedInUser): string {
    const token = randomBytes(32).toString('base64url');
    if (this.byToken.size >= MAX_SESSIONS) this.byToken.delete(this.byToken.keys().next().value!);
    this.byToken.set(token, { user, endsMono: this.clock.monoMs() + this.ttlMs });
    return token;
  }

  /** The user of a live session, from the request's Cookie header. */
  fromCookie(header: string | undefined): LoggedInUser | undefined {
    const token = tokenIn(header);
    if (!token) return undefined;
    const s = this.byToken.get(token);
    if (!s) return undefined;
    if (this.clock.monoMs() > s.endsMono) {
      this.byToken.delete(token);
      return undefined;
    }
    return s.user;
  }

  end(header: string | undefined): void {
    const token = tokenIn(header);
    if (token) this.byToken.delete(token);
  }

  cookie(token: string): string {
    return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=${Math.floor(this.ttlMs / 1000)}`;
  }
}

export const clearedCookie = `${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0`;

function tokenIn(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}
