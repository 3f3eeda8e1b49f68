import { useState } from 'preact/hooks';
import { html } from './html.js';
import { api, errorText } from './api.js';
import { ago, Me } from './format.js';
import { usePoll } from './use-poll.js';

interface DeadLetter {
  id: string;
  event: { id: string; type: string; instanceId: string };
  url?: string;
  lastStatus?: number;
  lastError: string;
  attempts: number;
  deadAt: string;
}

interface ReplayAnswer {
  replayed: string[];
  alreadyQueued: string[];
  notFound: string[];
}

/** Webhook events the CRM never took, newest first; replay one or all (same event ids). */
export function DeadLettersView({ me }: { me: Me }) {
  const list = usePoll(() => api<{ total: number; items: DeadLetter[] }>('GET', '/webhooks/dead?limit=100'), 5000);
  const [message, setMessage] = useState('');
  const [confirmAll, setConfirmAll] = useState(false);
  const replay = async (ids?: string[]) => {
    setMessage('');
    setConfirmAll(false);
    try {
      const r = await api<ReplayAnswer>('POST', '/webhooks/replay', ids ? { ids } : {});
      setMessage(`Replayed ${r.replayed.length}${r.alreadyQueued.length ? `, ${r.alreadyQueued.length} already queued` : ''}${r.notFound.length ? `, ${r.notFound.length} not found` : ''}`);
    } catch (err) {
      setMessage(`Replay failed: ${errorText(err)}`);
    }
    list.refresh();
  };
  const items = list.data?.items ?? [];
  return html`
    <section aria-labelledby="dead-title">
      <h2 id="dead-title">Dead letters</h2>
      <p class="hint">Events to the edge functions that used up their attempts (or got a final 4xx). A replay queues each again with its own id, so the CRM can dedupe.</p>
      ${me.readOnly || !items.length ? null : confirmAll
        ? html`<p role="group" aria-label="Confirm replaying all"><button type="button" onClick=${() => replay()}>Yes, replay all ${list.data?.total}</button> <button type="button" onClick=${() => setConfirmAll(false)}>Cancel</button></p>`
        : html`<p><button type="button" onClick=${() => setConfirmAll(true)}>Replay all</button></p>`}
      <p class="status-line" role="status" aria-live="polite" data-testid="replay-result">${message}</p>
      ${list.error ? html`<p class="error" role="alert">${list.error}</p>` : null}
      <table>
        <caption>${list.data ? `${list.data.total} dead letter${list.data.total === 1 ? '' : 's'}` : 'Loading…'}</caption>
        <thead><tr><th scope="col">Event</th><th scope="col">Type</th><th scope="col">Instance</th><th scope="col">Last error</th><th scope="col">Attempts</th><th scope="col">Dead since</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>
          ${items.map((d) => html`<tr key=${d.id} data-dead=${d.id}>
            <th scope="row"><code>${d.id}</code></th>
            <td>${d.event.type}</td>
            <td>${d.event.instanceId}</td>
            <td class="wrap">${d.lastStatus ? `HTTP ${d.lastStatus}: ` : ''}${d.lastError}</td>
            <td>${d.attempts}</td>
            <td>${ago(d.deadAt)}</td>
            <td>${me.readOnly ? null : html`<button type="button" onClick=${() => replay([d.id])} aria-label=${`Replay ${d.id}`}>Replay</button>`}</td>
          </tr>`)}
        </tbody>
      </table>
    </section>
  `;
}
