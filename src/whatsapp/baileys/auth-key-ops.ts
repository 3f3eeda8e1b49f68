import type { SignalDataSet } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import type { HashOp } from '../host/fence';

/** A Baileys key set as fenced hash operations (the same puts and deletes the MULTI path sends). */
export function hashOps(data: SignalDataSet, typeKey: (type: string) => string, enc: (v: unknown) => string): HashOp[] {
  const ops: HashOp[] = [];
  for (const [type, entries] of Object.entries(data)) {
    if (!entries) continue;
    const op: HashOp = { key: typeKey(type), put: {}, del: [] };
    for (const [id, value] of Object.entries(entries)) {
      if (value) op.put![id] = enc(value);
      else op.del!.push(id);
    }
    ops.push(op);
  }
  return ops;
}

