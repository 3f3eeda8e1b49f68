import { useState } from 'preact/hooks';
import { html } from './html.js';
import { api } from './api.js';
import { ago, go, Me, percent } from './format.js';
import { usePoll } from './use-poll.js';
import { useSubmit } from './use-submit.js';
import type { Instance } from './instances.js';

export interface Summary {
  campaignId: string;
  instanceId: string;
  status: string;
  pauseReason?: string;
  total: number;
  pending: number;
  sent: number;
  failed: number;
  delivered: number;
  read: number;
  currentRate: number;
  etaSeconds: number | null;
  createdAt: string;
  finishedAt: string | null;
  error?: { code: string; message: string };
}

/** Campaigns newest first (polled), and a form to start one. */
export function CampaignsView({ me }: { me: Me }) {
  const list = usePoll(() => api<{ campaigns: Summary[]; total: number }>('GET', '/broadcasts?limit=50'), 3000);
  const campaigns = list.data?.campaigns ?? [];
  return html`
    <section aria-labelledby="campaigns-title">
      <h2 id="campaigns-title">Campaigns</h2>
      ${me.readOnly ? null : html`<${NewCampaign} />`}
      ${list.error ? html`<p class="error" role="alert">${list.error}</p>` : null}
      <table>
        <caption>${list.data ? `${list.data.total} campaign${list.data.total === 1 ? '' : 's'}` : 'Loading…'}, newest first</caption>
        <thead><tr><th scope="col">Campaign</th><th scope="col">Instance</th><th scope="col">Status</th><th scope="col">Progress</th><th scope="col">Sent / failed / total</th><th scope="col">Created</th></tr></thead>
        <tbody>
          ${campaigns.map((c) => {
            const pct = percent(c.sent + c.failed, c.total);
            return html`<tr key=${c.campaignId}>
              <th scope="row"><a href=${`#campaign/${encodeURIComponent(c.campaignId)}`}>${c.campaignId}</a></th>
              <td>${c.instanceId}</td>
              <td><span class=${`badge s-${c.status}`}>${c.status}</span>${c.pauseReason ? html` <small>${c.pauseReason}</small>` : null}</td>
              <td><progress max="100" value=${pct} aria-label=${`${c.campaignId} progress`}></progress> ${pct} %</td>
              <td>${c.sent} / ${c.failed} / ${c.total}</td>
              <td>${ago(c.createdAt)}</td>
            </tr>`;
          })}
        </tbody>
      </table>
    </section>
  `;
}

function NewCampaign() {
  const instances = usePoll(() => api<{ instances: Instance[] }>('GET', '/instances'), 10_000);
  const [form, setForm] = useState({ instanceId: '', campaignId: '', phones: '', message: '', rateLimitMs: '' });
  const field = (name: keyof typeof form) => (e: Event) => setForm({ ...form, [name]: (e.target as HTMLInputElement).value });
  const options = (instances.data?.instances ?? []).slice().sort((a, b) => Number(b.connected) - Number(a.connected));
  const instanceId = form.instanceId || options[0]?.instanceId || '';
  const { busy, error, submit } = useSubmit(async () => {
    const contacts = form.phones.split(/[\n,;]+/).map((p) => p.trim()).filter(Boolean);
    const body: Record<string, unknown> = { instanceId, contacts, message: form.message };
    if (form.campaignId.trim()) body.campaignId = form.campaignId.trim();
    if (form.rateLimitMs.trim()) body.rateLimitMs = Number(form.rateLimitMs);
    const r = await api<{ campaignId: string }>('POST', '/queue/add-broadcast', body);
    go(`campaign/${encodeURIComponent(r.campaignId)}`);
  });
  return html`
    <details class="panel">
      <summary>Start a campaign</summary>
      <form onSubmit=${submit} aria-label="Start a campaign">
        <label for="c-instance">Instance</label>
        <select id="c-instance" required value=${instanceId} onChange=${field('instanceId')}>
          ${options.map((i) => html`<option value=${i.instanceId}>${i.instanceId} (${i.status})</option>`)}
        </select>
        <label for="c-id">Campaign id (optional)</label>
        <input id="c-id" value=${form.campaignId} onInput=${field('campaignId')} />
        <label for="c-phones">Phone numbers, one per line</label>
        <textarea id="c-phones" rows="4" required value=${form.phones} onInput=${field('phones')}></textarea>
        <label for="c-message">Message ({{name}} and other variables work as in the API)</label>
        <textarea id="c-message" rows="3" required value=${form.message} onInput=${field('message')}></textarea>
        <label for="c-gap">Gap between sends in ms (optional)</label>
        <input id="c-gap" type="number" min="0" value=${form.rateLimitMs} onInput=${field('rateLimitMs')} />
        <button type="submit" disabled=${busy || !instanceId}>Start campaign</button>
        ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      </form>
    </details>
  `;
}
