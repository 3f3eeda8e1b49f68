import type { InstanceView } from './instance-view';

/**
 * Why an instance has no QR code (or no pairing code) to show right now, in words an operator can
 * act on; undefined when it has one. The create, restart and QR answers carry it beside the null
 * code, so "null" never stands alone (WhatsApp unreachable looked the same as "not yet").
 */
export function missingCodeReason(view: Pick<InstanceView, 'status' | 'qr' | 'pairingCode' | 'lastError'>, kind: 'qr' | 'pairing'): string | undefined {
  const has = kind === 'qr' ? view.qr : view.pairingCode;
  if (has) return undefined;
  const code = kind === 'qr' ? 'QR code' : 'pairing code';
  const why = view.lastError ? ` (${view.lastError})` : '';
  switch (view.status) {
    case 'connected':
      return `the instance is connected: no ${code} is needed`;
    case 'created':
    case 'connecting':
      return `still connecting to WhatsApp${why}; the ${code} comes once WhatsApp answers`;
    case 'reconnecting':
      return `WhatsApp cannot be reached now${why}; the instance keeps trying and the ${code} comes once it answers`;
    case 'qr':
      return kind === 'pairing'
        ? `WhatsApp is ready to pair but the pairing code did not come${why}; POST /instance/:id/restart asks again`
        : `a QR code is on its way${why}`;
    case 'qr_expired':
      return `the ${code} expired without being used${why}; POST /instance/:id/restart for a new one`;
    case 'logged_out':
      return `the number was unlinked on the phone${why}; POST /instance/:id/restart to pair again`;
    case 'disconnected':
      return `the instance is disconnected${why}; POST /instance/:id/restart to connect it`;
    default:
      return `the instance is ${view.status}${why}; POST /instance/:id/restart to try again`;
  }
}

/** The code fields of an instance answer: qr, pairingCode and, when the one it pairs by is missing, why. */
export function codeFields(view: Pick<InstanceView, 'status' | 'qr' | 'pairingCode' | 'lastError' | 'pairingPhone'>): { qr: string | null; pairingCode: string | null; noCodeReason?: string } {
  const reason = missingCodeReason(view, view.pairingPhone ? 'pairing' : 'qr');
  return { qr: view.qr ?? null, pairingCode: view.pairingCode ?? null, ...(reason ? { noCodeReason: reason } : {}) };
}
