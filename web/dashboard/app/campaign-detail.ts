import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { api, apiUrl, errorText } from './api.js';
import { ago, Me, percent } from './format.js';
import type { Summary } from './campaigns.js';

const FINISHED = new Set(['completed', 'cancelled', 'failed']);

/** One campaign, live: the server's SSE stream (progress events) drives the numbers. */
export function CampaignDetail({ id, me }: { id: string; me: Me }) {
  const [summary, setSummary] = useState<Summary | undefined>(undefined);
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const path = `/broadcast-status/${encodeURIComponent(id)}`;
  useEffect(() => {
    api<Summary>('GET', path).then(setSummary, (err) => setError(errorText(err)));
    // EventSource reconnects by itself when a stream ends (the server closes each after 15 s)
    const source = new EventSource(apiUrl(`${path}/stream`));
    source.addEventListener('progress', (e) => setSummary(JSON.parse((e as MessageEvent).data) as Summary));
    source.addEventListener('end', () => source.close());
    return () => source.close();
  }, [path]);
  const control = async (action: 'pause' | 'resume' | 'cancel') => {
    setMessage('');
    try {
      const r = await api<Summary & { previousStatus: string }>('POST', `/broadcast/${encodeURIComponent(id)}/${action}`);
      setSummary(r);
      setMessage(`${action}: ${r.previousStatus} -> ${r.status}`);
    } catch (err) {
      setMessage(`${action} failed: ${errorText(err)}`);
    }
  };
  if (error) return html`<p class="error" role="alert">${error}</p><p><a href="#campaigns">All campaigns</a></p>`;
  if (!summary) return html`<p class="loading">Loading ${id}…</p>`;
  const s = summary;
  const pct = percent(s.sent + s.failed, s.total);
  const running = !FINISHED.has(s.status);
  return html`
    <section aria-labelledby="campaign-title">
      <p><a href="#campaigns">All campaigns</a></p>
      <h2 id="campaign-title">Campaign ${s.campaignId}</h2>
      <p>Instance <strong>${s.instanceId}</strong> · status <span class=${`badge s-${s.status}`} data-testid="campaign-status">${s.status}</span>${s.pauseReason ? ` (${s.pauseReason})` : ''}</p>
      <div class="progress">
        <progress max="100" value=${pct} aria-labelledby="campaign-pct"></progress>
        <output id="campaign-pct" aria-live="polite" data-testid="campaign-progress">${pct} %</output>
      </div>
      <dl class="counts">
        <div><dt>Sent</dt><dd>${s.sent}</dd></div><div><dt>Failed</dt><dd>${s.failed}</dd></div>
        <div><dt>Pending</dt><dd>${s.pending}</dd></div><div><dt>Total</dt><dd>${s.total}</dd></div>
        <div><dt>Delivered</dt><dd>${s.delivered}</dd></div><div><dt>Read</dt><dd>${s.read}</dd></div>
        <div><dt>Rate</dt><dd>${s.currentRate}/min</dd></div><div><dt>ETA</dt><dd>${s.etaSeconds === null ? '—' : `${s.etaSeconds} s`}</dd></div>
      </dl>
      ${s.error ? html`<p class="error">Stopped: ${s.error.code}: ${s.error.message}</p>` : null}
      <p><small>Created ${ago(s.createdAt)}${s.finishedAt ? `, finished ${ago(s.finishedAt)}` : ''}</small></p>
      ${me.readOnly || !running && s.status !== 'failed'
        ? null
        : html`<div class="actions" role="group" aria-label="Campaign controls">
            <button type="button" disabled=${!['scheduled', 'running'].includes(s.status)} onClick=${() => control('pause')}>Pause</button>
            <button type="button" disabled=${!['paused', 'failed'].includes(s.status)} onClick=${() => control('resume')}>Resume</button>
            <button type="button" class="danger" disabled=${!['scheduled', 'running', 'paused'].includes(s.status)} onClick=${() => control('cancel')}>Cancel</button>
          </div>`}
      <p class="status-line" role="status" aria-live="polite">${message}</p>
    </section>
  `;
}
