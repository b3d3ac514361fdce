// Login with a local broker user (the same users and passwords as the tablets' MQTT connections).
import { useState } from 'preact/hooks';
import type { SessionInfo } from '../api-types.js';
import { api } from './api.js';

export function Login({ onLogin }: { onLogin: (s: SessionInfo) => void }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    setBusy(true);
    setError(undefined);
    api
      .login(String(data.get('username') ?? ''), String(data.get('password') ?? ''))
      .then(onLogin, (err: Error) => setError(err.message))
      .finally(() => setBusy(false));
  };
  return (
    <form class="login" onSubmit={submit}>
      <h1>ambulink console</h1>
      <label>
        user <input name="username" autocomplete="username" required />
      </label>
      <label>
        password <input name="password" type="password" autocomplete="current-password" required />
      </label>
      <button type="submit" disabled={busy}>Log in</button>
      {error ? <p class="err" role="alert">{error}</p> : null}
    </form>
  );
}
