import { useState } from 'preact/hooks';
import { html } from './html.js';
import { api, errorText } from './api.js';
import { ago, Me } from './format.js';
import { usePoll } from './use-poll.js';
import { useSubmit } from './use-submit.js';
import { QrPanel } from './qr-panel.js';

export interface Instance {
  instanceId: string;
  status: string;
  connected: boolean;
  me?: { id?: string; lid?: string; name?: string };
  lastError?: string;
  updatedAt?: number;
  pairingPhone?: string;
  restriction?: { active?: boolean; reason?: string };
}

/** Instances with their live status (polled), create (QR or pairing code), restart and delete. */
export function InstancesView({ me }: { me: Me }) {
  const list = usePoll(() => api<{ instances: Instance[] }>('GET', '/instances'), 2000);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [confirming, setConfirming] = useState<string | undefined>(undefined);
  const [message, setMessage] = useState('');
  const act = async (what: string, run: () => Promise<unknown>) => {
    setMessage('');
    try {
      await run();
      setMessage(what);
    } catch (err) {
      setMessage(`${what} failed: ${errorText(err)}`);
    }
    list.refresh();
  };
  const instances = list.data?.instances ?? [];
  return html`
    <section aria-labelledby="instances-title">
      <h2 id="instances-title">Instances</h2>
      ${me.readOnly ? null : html`<${CreateForm} onCreated=${(id: string) => { setSelected(id); list.refresh(); }} />`}
      <p class="status-line" role="status" aria-live="polite">${message}</p>
      ${list.error ? html`<p class="error" role="alert">${list.error}</p>` : null}
      ${selected ? html`<${QrPanel} instanceId=${selected} onClose=${() => setSelected(undefined)} />` : null}
      <table>
        <caption>${instances.length} instance${instances.length === 1 ? '' : 's'}, refreshed every 2 s</caption>
        <thead><tr><th scope="col">Instance</th><th scope="col">Status</th><th scope="col">Number</th><th scope="col">Last error</th><th scope="col">Actions</th></tr></thead>
        <tbody>
          ${instances.map((i) => html`
            <tr key=${i.instanceId} data-instance=${i.instanceId}>
              <th scope="row">${i.instanceId}</th>
              <td><span class=${`badge s-${i.status}`} data-testid="instance-status">${i.status}</span>${i.restriction?.active ? html` <span class="badge s-failed">restricted</span>` : null}</td>
              <td>${i.me?.id?.split('@')[0] ?? ''}</td>
              <td class="wrap">${i.lastError ?? ''} ${i.updatedAt ? html`<small>${ago(i.updatedAt)}</small>` : null}</td>
              <td class="actions">
                <button type="button" onClick=${() => setSelected(i.instanceId)} aria-label=${`Show the QR code or pairing state of ${i.instanceId}`}>QR</button>
                ${me.readOnly ? null : html`
                  <button type="button" onClick=${() => act(`Restarted ${i.instanceId}`, () => api('POST', `/instance/${encodeURIComponent(i.instanceId)}/restart`))} aria-label=${`Restart ${i.instanceId}`}>Restart</button>
                  ${confirming === i.instanceId
                    ? html`<span role="group" aria-label=${`Confirm deleting ${i.instanceId}`}>
                        <button type="button" class="danger" onClick=${() => { setConfirming(undefined); if (selected === i.instanceId) setSelected(undefined); void act(`Deleted ${i.instanceId}`, () => api('POST', '/instance/delete', { instanceId: i.instanceId })); }}>Yes, delete ${i.instanceId}</button>
                        <button type="button" onClick=${() => setConfirming(undefined)}>Cancel</button>
                      </span>`
                    : html`<button type="button" class="danger" onClick=${() => setConfirming(i.instanceId)} aria-label=${`Delete ${i.instanceId}`}>Delete</button>`}
                `}
              </td>
            </tr>`)}
        </tbody>
      </table>
      ${confirming ? html`<p class="hint">Deleting logs the number out on the phone and removes its credentials.</p>` : null}
    </section>
  `;
}

function CreateForm({ onCreated }: { onCreated: (id: string) => void }) {
  const [id, setId] = useState('');
  const [phone, setPhone] = useState('');
  const { busy, error, submit } = useSubmit(async () => {
    await api('POST', '/instance/create', { instanceId: id.trim(), ...(phone.trim() ? { phone: phone.trim() } : {}) });
    onCreated(id.trim());
    setId('');
    setPhone('');
  });
  return html`
    <form class="inline" onSubmit=${submit} aria-label="Create an instance">
      <div><label for="new-instance">New instance id</label>
        <input id="new-instance" required pattern="[A-Za-z0-9_\\-]{1,64}" value=${id} onInput=${(e: Event) => setId((e.target as HTMLInputElement).value)} /></div>
      <div><label for="new-phone">Phone for a pairing code (optional)</label>
        <input id="new-phone" inputmode="tel" placeholder="5511999990000" value=${phone} onInput=${(e: Event) => setPhone((e.target as HTMLInputElement).value)} /></div>
      <button type="submit" disabled=${busy}>Create instance</button>
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    </form>
  `;
}
