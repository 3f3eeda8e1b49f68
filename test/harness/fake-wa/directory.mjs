// Who is on WhatsApp in the stand-in: contacts (phone number + LID), paired devices, pre-key counts.
// What Baileys 7.0.0-rc14 reads from it is built by usync.mjs (usync answers) and stanzas.mjs
// (the LID / PN attributes of incoming stanzas).
import { createHash } from 'node:crypto';
import { jidDecode } from '@whiskeysockets/baileys';

/** '5511…', '+55 11 …', '5511…@s.whatsapp.net', '5511…:3@s.whatsapp.net' -> '5511…' */
export const pnUser = (phone) => (String(phone).includes('@') ? jidDecode(phone).user : String(phone).replace(/\D/g, ''));
/** '2040…', '2040…@lid', '2040…:3@lid' -> '2040…' */
export const lidUser = (lid) => (String(lid).includes('@') ? jidDecode(lid).user : String(lid));

export class Directory {
  /**
   * mode 'everyone' (default): every number is on WhatsApp except notOnWhatsApp;
   * mode 'registered': only numbers added with addContact (or paired through the stand-in).
   */
  constructor({ mode = 'everyone', notOnWhatsApp = [] } = {}) {
    this.mode = mode;
    this.notOnWhatsApp = new Set(notOnWhatsApp.map(pnUser));
    this.contacts = new Map(); // PN user -> { phone, lid }
    this.lids = new Map(); // PN user -> LID user (configured or derived)
    this.devices = new Map(); // 'user:device' -> { lid, preKeys }
  }

  /**
   * Registers a WhatsApp account: phone (digits or PN jid), lid (LID user digits or `<digits>@lid`;
   * default: derived from the number). Exact match only: the stand-in does not rewrite numbers
   * (Brazil's 8/9-digit forms are two different numbers to it), and neither does Baileys:
   * Socket/socket.js:233 onWhatsApp only strips '+' and the device before querying.
   * devices: the account's device numbers (default [0]: the phone only; e.g. [0, 1] adds a companion).
   */
  addContact(phone, { lid, devices = [0] } = {}) {
    const user = pnUser(phone);
    this.notOnWhatsApp.delete(user);
    if (lid !== undefined) this.lids.set(user, lidUser(lid));
    const contact = { phone: user, pnJid: `${user}@s.whatsapp.net`, lid: this.lidFor(`${user}@s.whatsapp.net`), devices: [...devices] };
    this.contacts.set(user, contact);
    return contact;
  }

  /** Fixes the LID of a phone number (digits or jid) without registering it. */
  setLid(phone, lid) {
    this.lids.set(pnUser(phone), lidUser(lid));
  }

  /** LID jid (no device) of a PN jid: the configured one, else one derived from the number. */
  lidFor(pnJid) {
    const user = pnUser(pnJid);
    if (!this.lids.has(user)) {
      const n = BigInt('0x' + createHash('sha256').update(user).digest('hex').slice(0, 12)) % 10n ** 14n;
      this.lids.set(user, String(100000000000000n + n));
    }
    return `${this.lids.get(user)}@lid`;
  }

  /** PN jid of a LID (any form), if the stand-in knows that LID. */
  pnForLid(lid) {
    const user = lidUser(lid);
    for (const [pn, l] of this.lids) if (l === user) return `${pn}@s.whatsapp.net`;
    return undefined;
  }

  /** Both addresses of a contact given either one (phone digits, PN jid or LID jid). */
  addressesOf(who) {
    const s = String(who);
    const pn = s.endsWith('@lid') ? this.pnForLid(s) : `${pnUser(s)}@s.whatsapp.net`;
    return pn ? [pn, this.lidFor(pn)] : [`${lidUser(s)}@lid`];
  }

  isOnWhatsApp(jid) {
    const user = pnUser(jid);
    if (this.notOnWhatsApp.has(user)) return false;
    return this.mode !== 'registered' || this.contacts.has(user) || [...this.devices.keys()].some((k) => k.startsWith(`${user}:`));
  }

  /** Device numbers of a user (PN or LID jid): its contact's devices, else 0 (the phone) only. */
  devicesOf(jid) {
    const s = String(jid);
    const pn = s.endsWith('@lid') ? this.pnForLid(s) : s;
    return (pn && this.contacts.get(pnUser(pn))?.devices) ?? [0];
  }

  registerDevice(phone, device, lid) {
    this.setLid(phone, lid);
    this.devices.set(`${phone}:${device}`, { lid: String(lid), preKeys: 0 });
  }

  /** The `lid` of <success> for a login's ClientPayload (username + device). */
  lidOfDevice(payload) {
    if (!payload?.username) return undefined;
    const user = String(payload.username);
    const lid = this.devices.get(`${user}:${payload.device ?? 0}`)?.lid ?? lidUser(this.lidFor(user));
    return `${lid}:${payload.device ?? 0}@lid`;
  }
}
