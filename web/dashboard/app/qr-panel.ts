import { html } from './html.js';
import { api, apiUrl } from './api.js';
import { fingerprint } from './format.js';
import { usePoll } from './use-poll.js';

interface Restriction {
  reachoutTimelock?: { active: boolean; until?: string | number | null };
  newChatCap?: { used: number | null; total: number | null };
}

interface QrAnswer {
  status: string;
  qr: string | null;
  pairingCode: string | null;
  noCodeReason?: string;
}

/**
 * One instance's way to pair, live: the QR as an image (a new image each time WhatsApp rotates
 * the QR: its URL carries the QR's fingerprint), or the pairing code, or why there is none; and
 * "connected" once it is.
 */
export function QrPanel({ instanceId, onClose }: { instanceId: string; onClose: () => void }) {
  const id = encodeURIComponent(instanceId);
  const polled = usePoll(() => api<QrAnswer>('GET', `/instance/${id}/qr`), 1500, instanceId);
  // restriction state (reachout timelock, new-chat cap) when WhatsApp reported one
  const status = usePoll(() => api<{ restriction?: Restriction }>('GET', `/instance/${id}/status`), 5000, instanceId);
  const a = polled.data;
  const lock = status.data?.restriction?.reachoutTimelock;
  const cap = status.data?.restriction?.newChatCap;
  return html`
    <section class="panel" aria-labelledby="qr-title">
      <h3 id="qr-title">Pairing ${instanceId}</h3>
      <div role="status" aria-live="polite" data-testid="qr-state">
        ${!a ? html`<p>Loading…</p>` : a.status === 'connected'
          ? html`<p class="ok">${instanceId} is connected.</p>`
          : html`
            ${a.qr ? html`<img class="qr" src=${apiUrl(`/instance/${id}/qr?format=png&v=${fingerprint(a.qr)}`)} width="320" height="320" alt=${`QR code for ${instanceId}: scan it in WhatsApp, Linked devices`} />` : null}
            ${a.pairingCode ? html`<p>Pairing code: <strong class="code">${a.pairingCode}</strong> (WhatsApp, Linked devices, Link with phone number)</p>` : null}
            ${a.noCodeReason ? html`<p class="hint">${a.noCodeReason}</p>` : null}
            <p><small>Status ${a.status}</small></p>`}
      </div>
      ${lock?.active ? html`<p class="error">Restricted by WhatsApp: no new chats${lock.until ? ` until ${new Date(lock.until).toLocaleString()}` : ''} (replies still go out).</p>` : null}
      ${cap && cap.total !== null ? html`<p><small>New chats this cycle: ${cap.used ?? 0} of ${cap.total}</small></p>` : null}
      ${polled.error ? html`<p class="error" role="alert">${polled.error}</p>` : null}
      <button type="button" onClick=${onClose}>Close</button>
    </section>
  `;
}
