// The console's HTTP API as the page calls it (same origin, the session cookie rides along).
import type { ConsoleStatus, DecisionAnswer, LatestValue, PendingSetpoint, SessionInfo } from '../api-types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const json = (await res.json().catch(() => ({}))) as T & { error?: string };
  if (!res.ok) throw new ApiError(res.status, json.error ?? `${res.status} ${res.statusText}`);
  return json;
}

export const api = {
  session: () => call<SessionInfo>('GET', '/api/session'),
  login: (username: string, password: string) => call<SessionInfo>('POST', '/api/login', { username, password }),
  logout: () => call<object>('POST', '/api/logout', {}),
  status: () => call<ConsoleStatus>('GET', '/api/status'),
  pending: () => call<PendingSetpoint[]>('GET', '/api/setpoints'),
  latest: () => call<LatestValue[]>('GET', '/api/latest'),
  decide: (decision: 'confirm' | 'reject', commandId: string) => call<DecisionAnswer>('POST', `/api/setpoints/${decision}`, { commandId }),
};
