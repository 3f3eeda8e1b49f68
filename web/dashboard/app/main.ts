import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { api, LOGGED_OUT_EVENT } from './api.js';
import type { Me } from './format.js';
import { LoginView } from './login.js';
import { InstancesView } from './instances.js';
import { CampaignsView } from './campaigns.js';
import { CampaignDetail } from './campaign-detail.js';
import { DeadLettersView } from './dead-letters.js';

/** The views, addressed by the location hash (#instances, #campaigns, #campaign/<id>, #dead-letters). */
const TABS = [
  ['instances', 'Instances'],
  ['campaigns', 'Campaigns'],
  ['dead-letters', 'Dead letters'],
] as const;

function useHash(): string {
  const [hash, setHash] = useState(window.location.hash.slice(1));
  useEffect(() => {
    const on = () => setHash(window.location.hash.slice(1));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function App() {
  // undefined: asking the server; null: nobody logged in
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  useEffect(() => {
    api<{ me: Me }>('GET', '/me').then((r) => setMe(r.me), () => setMe(null));
    const out = () => setMe(null);
    window.addEventListener(LOGGED_OUT_EVENT, out);
    return () => window.removeEventListener(LOGGED_OUT_EVENT, out);
  }, []);
  if (me === undefined) return html`<p class="loading">Loading…</p>`;
  if (me === null) return html`<${LoginView} onLogin=${setMe} />`;
  return html`<${Shell} me=${me} onLogout=${() => setMe(null)} />`;
}

function Shell({ me, onLogout }: { me: Me; onLogout: () => void }) {
  const hash = useHash() || 'instances';
  const [view, arg] = hash.split('/');
  const logout = async () => {
    await api('POST', '/logout').catch(() => undefined);
    onLogout();
  };
  const current = view === 'campaign' ? 'campaigns' : view;
  return html`
    <header class="top">
      <h1>WhatsApp queue daemon</h1>
      <nav aria-label="Sections">
        <ul>
          ${TABS.map(([id, label]) => html`<li><a href=${`#${id}`} aria-current=${current === id ? 'page' : undefined}>${label}</a></li>`)}
        </ul>
      </nav>
      <div class="who">
        ${me.admin
          ? html`<a href="/admin/queues" target="_blank" rel="noopener">Bull Board</a> <a href="/dashboard/api/metrics" target="_blank" rel="noopener">Metrics</a>`
          : null}
        <span>Key <strong>${me.name}</strong>${me.readOnly ? ' (read-only)' : ''}</span>
        <button type="button" onClick=${logout}>Log out</button>
      </div>
    </header>
    <main>
      ${view === 'campaign' && arg
        ? html`<${CampaignDetail} id=${decodeURIComponent(arg)} me=${me} />`
        : view === 'campaigns'
          ? html`<${CampaignsView} me=${me} />`
          : view === 'dead-letters'
            ? html`<${DeadLettersView} me=${me} />`
            : html`<${InstancesView} me=${me} />`}
    </main>
  `;
}

const root = document.getElementById('root');
if (root) {
  root.textContent = '';
  render(html`<${App} />`, root);
}
