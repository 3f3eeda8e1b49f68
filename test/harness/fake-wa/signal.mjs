// The stand-in's Signal side, server-wide: its own devices (signal-device.mjs) and what it knows of
// each client device's keys (client-keys.mjs), as WhatsApp's server does.
//
// Addresses: a stand-in device is one identity whichever address the client uses (PN or LID, the
// client migrates its sessions between them: Signal/libsignal.js:204-307). The stand-in keeps its
// side of every session under the client device's PN jid.
import { jidDecode, encodeWAMessage, unpadRandomMax16, proto } from '@whiskeysockets/baileys';
import { StandinDevice } from './signal-device.mjs';
import { ClientKeys } from './client-keys.mjs';

export class SignalNetwork {
  constructor(directory) {
    this.directory = directory;
    this.devices = new Map(); // device key -> StandinDevice
    this.clients = new ClientKeys(); // what each client device registered and uploaded
    this.groupHolders = new Map(); // group jid -> Set<StandinDevice> holding a client's sender key
    this.senderKeysGiven = new Set(); // 'group|device key|client key': that client has the device's sender key
    this.tail = Promise.resolve();
  }

  /** Runs Signal work one job at a time (session checks + encrypt must not interleave). */
  run(job) {
    const p = this.tail.then(job);
    this.tail = p.catch(() => {});
    return p;
  }

  // ---- client devices (client-keys.mjs) ----------------------------------------------------------

  /** From the pairing payload's devicePairingData (validate-connection.js:115-124). */
  registerClient(clientKey, pairing) {
    // a re-paired device has a new identity: the stand-in's sessions with the old one are gone
    if (this.clients.register(clientKey, pairing)) this.run(() => Promise.all([...this.devices.values()].map((d) => d.repo.deleteSession([clientJid(clientKey)]))));
  }

  /** The pre-key upload (signal.js:181-199) or signed pre-key rotation (socket.js:155-170) of a client. */
  recordKeys(clientKey, iq) {
    return this.clients.record(clientKey, iq);
  }

  /** One-time pre-keys the server still holds for a client device ('phone:device'); undefined if unknown. */
  preKeysLeft(clientKey) {
    return this.clients.preKeysLeft(clientKey);
  }

  /**
   * The <user jid> bundle answering an encrypt/get for `jid`: a stand-in device's (signal-device.mjs),
   * or, for another client device of the stand-in, the keys that client registered and uploaded.
   */
  bundleNode(jid) {
    const key = this.keyOf(jid);
    return this.clients.has(key) ? this.clients.bundleNode(key, jid) : this.device(jid).bundleNode(jid);
  }

  // ---- stand-in devices -----------------------------------------------------------------------

  /** 'user:device' of any PN / LID jid (LIDs the directory maps to a number become that number). */
  keyOf(jid) {
    const d = jidDecode(jid);
    if (!d?.user) throw new Error(`fake-wa: not a user jid: ${jid}`);
    const device = d.device ?? 0;
    if (d.server === 'lid') {
      const pn = this.directory.pnForLid(d.user);
      return pn ? `${jidDecode(pn).user}:${device}` : `lid:${d.user}:${device}`;
    }
    return `${d.user}:${device}`;
  }

  /** True when the jid is a client device (a real Baileys the stand-in cannot decrypt for). */
  isClient(jid) {
    return this.clients.has(this.keyOf(jid));
  }

  /** The stand-in device behind a jid, created (with a fresh identity) on first use. */
  device(jid) {
    const key = this.keyOf(jid);
    let d = this.devices.get(key);
    if (!d) {
      const parts = key.split(':');
      const lid = parts[0] === 'lid';
      const user = lid ? parts[1] : parts[0];
      const device = Number(parts[lid ? 2 : 1]);
      d = new StandinDevice(key, `${user}${device ? `:${device}` : ''}@${lid ? 'lid' : 's.whatsapp.net'}`);
      this.devices.set(key, d);
    }
    return d;
  }

  // ---- encrypt / decrypt ----------------------------------------------------------------------

  /**
   * <enc v=2 type=pkmsg|msg> from a stand-in device to a client device. The plaintext is padded as
   * Baileys pads (Utils/generics.js:59 encodeWAMessage = writeRandomPadMax16(proto.Message.encode)).
   * pkmsg while the device's session is still pending a pre-key (libsignal session_cipher.js:107-125),
   * i.e. until the client has sent this device something (session_cipher.js:252 drops pendingPreKey).
   */
  encrypt(senderJid, clientKey, message) {
    return this.run(async () => {
      const device = this.device(senderJid);
      const to = clientJid(clientKey);
      if (!(await device.repo.validateSession(to)).exists) {
        await device.repo.injectE2ESession({ jid: to, session: this.clients.takeSession(clientKey) });
      }
      const { type, ciphertext } = await device.repo.encryptMessage({ jid: to, data: encodeWAMessage(message) });
      return { tag: 'enc', attrs: { v: '2', type }, content: ciphertext };
    });
  }

  /**
   * A group message from a stand-in device: the skmsg (libsignal.js:124-130 encryptGroupMessage, the
   * sender key named after group + sender device) and, the first time this client device gets that
   * sender key, its distribution message to wrap in a pkmsg/msg (as messages-send.js:547-577 does).
   */
  encryptGroup(senderJid, group, clientKey, message) {
    return this.run(async () => {
      const device = this.device(senderJid);
      const { ciphertext, senderKeyDistributionMessage } = await device.repo.encryptGroupMessage({ group, meId: senderJid, data: encodeWAMessage(message) });
      const k = `${group}|${device.key}|${clientKey}`;
      const first = !this.senderKeysGiven.has(k);
      this.senderKeysGiven.add(k);
      return { skmsg: { tag: 'enc', attrs: { v: '2', type: 'skmsg' }, content: ciphertext }, skdm: first ? senderKeyDistributionMessage : undefined };
    });
  }

  /**
   * A new session of a stand-in device with a client device, as a sender answering a retry receipt
   * sets one up: from the receipt's bundle, else from the client's published keys (retry-resend.mjs).
   */
  renewSession(senderJid, clientKey, bundle) {
    return this.run(async () => {
      const device = this.device(senderJid);
      await device.repo.injectE2ESession({ jid: clientJid(clientKey), session: bundle ?? this.clients.takeSession(clientKey) });
    });
  }

  /** The sender key distribution message of a stand-in device in a group (libsignal.js:131-136). */
  senderKeyDistribution(senderJid, group) {
    return this.run(() => this.device(senderJid).repo.getSenderKeyDistributionMessage({ group, meId: senderJid }));
  }

  /** Decrypts a pkmsg/msg a client device sent to a stand-in device: the proto.Message. */
  decrypt(recipientJid, clientKey, type, ciphertext) {
    return this.run(async () => {
      const device = this.device(recipientJid);
      const plain = await device.repo.decryptMessage({ jid: clientJid(clientKey), type, ciphertext: Buffer.from(ciphertext) });
      const message = proto.Message.decode(unpadRandomMax16(plain));
      // messages-send.js:547-575: the sender key of a group send travels inside the per-device enc
      if (message.senderKeyDistributionMessage?.groupId) {
        await device.repo.processSenderKeyDistributionMessage({ item: message.senderKeyDistributionMessage, authorJid: clientJid(clientKey) });
        const group = message.senderKeyDistributionMessage.groupId;
        if (!this.groupHolders.has(group)) this.groupHolders.set(group, new Set());
        this.groupHolders.get(group).add(device);
      }
      return message;
    });
  }

  /** Decrypts a group skmsg with the sender key a participant device got (Group/group_cipher.js). */
  decryptGroup(group, clientKey, ciphertext) {
    return this.run(async () => {
      let lastError;
      for (const device of this.groupHolders.get(group) ?? []) {
        try {
          const plain = await device.repo.decryptGroupMessage({ group, authorJid: clientJid(clientKey), msg: Buffer.from(ciphertext) });
          return proto.Message.decode(unpadRandomMax16(plain));
        } catch (err) {
          lastError = err;
        }
      }
      throw lastError ?? new Error(`fake-wa: no stand-in device holds the sender key of ${clientKey} in ${group}`);
    });
  }
}

/** 'phone:device' -> the client device's PN jid. */
export function clientJid(clientKey) {
  const [user, device] = clientKey.split(':');
  return `${user}${device && device !== '0' ? `:${device}` : ''}@s.whatsapp.net`;
}
