/**
 * What Baileys rc14 tells a session about people's names, kept per session (bounded, in memory:
 * names come back with the next sync or message after a restart). Sources:
 * - contacts.upsert: the address book from app-state sync (Utils/sync-action-utils.js:7-29
 *   processContactAction: id PN or LID, name = fullName || firstName || username, lid,
 *   phoneNumber; Utils/chat-utils.js:834-845 lidContactAction) and history sync contacts;
 * - contacts.update: a push name from each incoming message (Socket/chats.js:917-924:
 *   { id: participant || remoteJid, notify: pushName, verifiedName: verifiedBizName });
 * - messaging-history.set: the PUSH_NAME sync's { id, notify } (Utils/history.js:103-106).
 */
import type { BaileysEventMap, Contact } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };
import type { BoundedCache } from './bounded-cache';
import type { Baileys } from './loader';

export interface ContactNames {
  name?: string;
  notify?: string;
  verifiedName?: string;
  lid?: string;
  pnJid?: string;
}

export type ContactBook = BoundedCache<ContactNames>;

/** Folds the contact events of one Baileys event batch into the book. Never throws. */
export function noteContacts(baileys: Baileys, book: ContactBook, events: Partial<BaileysEventMap>): void {
  const all: Array<Partial<Contact>> = [...(events['contacts.upsert'] ?? []), ...(events['contacts.update'] ?? []), ...(events['messaging-history.set']?.contacts ?? [])];
  for (const c of all) {
    if (!c?.id) continue;
    const id = baileys.jidNormalizedUser(c.id) || c.id;
    const lid = c.lid && baileys.isLidUser(c.lid) ? baileys.jidNormalizedUser(c.lid) : baileys.isLidUser(id) ? id : undefined;
    const pnJid = c.phoneNumber && baileys.isPnUser(c.phoneNumber) ? baileys.jidNormalizedUser(c.phoneNumber) : baileys.isPnUser(id) ? id : undefined;
    const entry: ContactNames = { ...(book.get(id) ?? {}) };
    if (c.name) entry.name = c.name;
    if (c.notify) entry.notify = c.notify;
    if (c.verifiedName) entry.verifiedName = c.verifiedName;
    if (lid) entry.lid = lid;
    if (pnJid) entry.pnJid = pnJid;
    book.set(id, entry);
  }
}

/** What the book knows under any of the given jids (first non-empty value of each field wins). */
export function namesOf(book: ContactBook, jids: Array<string | null | undefined>): { name: string | null; notify: string | null; verifiedName: string | null; lid: string | null; pnJid: string | null } {
  const entries = jids.filter((j): j is string => !!j).map((j) => book.get(j)).filter((e): e is ContactNames => !!e);
  // an entry found under one identity may name the other: look that one up too
  for (const e of [...entries]) {
    for (const other of [e.lid, e.pnJid]) {
      const more = other && !jids.includes(other) ? book.get(other) : undefined;
      if (more) entries.push(more);
    }
  }
  const pick = (k: keyof ContactNames) => entries.map((e) => e[k]).find((v) => !!v) ?? null;
  return { name: pick('name'), notify: pick('notify'), verifiedName: pick('verifiedName'), lid: pick('lid'), pnJid: pick('pnJid') };
}
