import { useState } from 'preact/hooks';
import { html } from './html.js';
import { api } from './api.js';
import { useSubmit } from './use-submit.js';
import type { Me } from './format.js';

/** The API key (the admin API_KEY or a scoped key) opens a session; the key is not kept in the page. */
export function LoginView({ onLogin }: { onLogin: (me: Me) => void }) {
  const [key, setKey] = useState('');
  const { busy, error, submit } = useSubmit(async () => {
    const r = await api<{ me: Me }>('POST', '/login', { key });
    setKey('');
    onLogin(r.me);
  });
  return html`
    <main class="login">
      <h1>WhatsApp queue daemon</h1>
      <form onSubmit=${submit}>
        <label for="api-key">API key</label>
        <input id="api-key" type="password" autocomplete="current-password" required value=${key} onInput=${(e: Event) => setKey((e.target as HTMLInputElement).value)} />
        <p class="hint">API_KEY from .env, or a scoped key made with POST /keys (it sees only its instances).</p>
        <button type="submit" disabled=${busy}>Log in</button>
        ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      </form>
    </main>
  `;
}
