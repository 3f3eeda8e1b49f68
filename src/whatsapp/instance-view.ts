import { AppError } from '../shared/errors';
import { INSTANCE_ID_RE } from './types';
import type { InstanceRecord, WhatsAppSession } from './types';

/** A registry entry with the live session's view on top (status, QR, pairing code). */
export interface InstanceView extends InstanceRecord {
  /** a session object exists in this process */
  live: boolean;
  qr?: string;
  pairingCode?: string;
}

/** The live session knows better than the registry (which follows it a moment later). */
export function mergeView(record: InstanceRecord, session: WhatsAppSession | undefined): InstanceView {
  if (!session) return { ...record, live: false };
  const snap = session.snapshot();
  const view: InstanceView = { ...record, status: snap.status, live: true };
  if (snap.me) view.me = snap.me;
  if (snap.qr) view.qr = snap.qr;
  if (snap.pairingCode) view.pairingCode = snap.pairingCode;
  if (snap.lastError) view.lastError = snap.lastError;
  return view;
}

/** 400 unless the id is 1 to 64 letters, digits, _ or - (safe in Redis keys, URLs and logs). */
export function assertInstanceId(instanceId: unknown): asserts instanceId is string {
  if (typeof instanceId !== 'string' || !INSTANCE_ID_RE.test(instanceId)) {
    throw new AppError('bad_request', 'instanceId must be 1 to 64 letters, digits, _ or -', { field: 'instanceId' });
  }
}
