// How a stand-in connection's session begins and ends: pairing (QR scan or pairing code), login,
// and the endings (stream errors, failures, silence, a dropped socket). A mixin of FakeWaConnection
// (connection.mjs): the methods use its send / waitFor / drop and its server.
import { getBinaryNodeChild } from '@whiskeysockets/baileys';
import { parseQr, signedPairSuccess } from './pairing.mjs';
import { companionKeys, isCompanionHello, primaryHello } from './pairing-code.mjs';

const now = () => String(Math.floor(Date.now() / 1000));

/** @param {typeof import('node:events').EventEmitter} Base */
export const withLifecycle = (Base) =>
  class ConnectionLifecycle extends Base {
    // ---- pairing and login -------------------------------------------------------------------

    /** <pair-device> with QR refs: Baileys emits one connection.update { qr } per ref. */
    sendQrRefs(refs = ['REF1', 'REF2', 'REF3', 'REF4', 'REF5', 'REF6']) {
      const content = refs.map((r) => ({ tag: 'ref', attrs: {}, content: Buffer.from(r) }));
      this.send({ tag: 'iq', attrs: { from: 's.whatsapp.net', type: 'set', id: `pair-${this.index}`, xmlns: 'md' }, content: [{ tag: 'pair-device', attrs: {}, content }] });
    }

    /**
     * Plays the phone scanning `qr`: pair-success with a signed device identity, waits for the
     * client's pair-device-sign, then (restart: true) stream:error 515 as WhatsApp does.
     * phone: digits; device: companion device number; lid: the account's LID user (digits).
     */
    async scanQr(qr, options = {}) {
      return this.completePairing(parseQr(qr), options);
    }

    /**
     * Plays the user typing `code` (from requestPairingCode) on the phone: answers the client's
     * companion_hello with the primary's keys, derives the shared ADV secret from its
     * companion_finish, then pairs like scanQr (phone defaults to the number the client asked for).
     */
    async enterPairingCode(code, options = {}) {
      const hello = await this.waitFor(isCompanionHello);
      const { notification, state } = await primaryHello(hello, code);
      this.send(notification);
      const finish = await this.waitFor((n) => n.tag === 'iq' && getBinaryNodeChild(n, 'link_code_companion_reg')?.attrs.stage === 'companion_finish');
      const asked = getBinaryNodeChild(hello, 'link_code_companion_reg').attrs.jid.split('@')[0];
      return this.completePairing(companionKeys(finish, state), { phone: asked, ...options });
    }

    async completePairing(keys, { phone = this.server.phone, device = 1, lid, restart = true, platform } = {}) {
      lid = lid ?? this.server.lidFor(`${phone}@s.whatsapp.net`).split('@')[0];
      const jid = `${phone}:${device}@s.whatsapp.net`;
      const id = `pair-success-${this.index}`;
      this.server.registerDevice(phone, device, lid);
      // the Signal keys the client registered with (validate-connection.js:115-124), for sessions with it
      this.server.signal.registerClient(`${phone}:${device}`, this.payload?.devicePairingData);
      this.send(signedPairSuccess(keys, { id, jid, lid: `${lid}:${device}@lid`, platform }));
      const sign = await this.waitFor((n) => n.tag === 'iq' && n.attrs.id === id);
      if (restart) this.streamError(515);
      return sign;
    }

    /** <success> (login accepted) then <ib><offline count=0/> (nothing queued). */
    loginSuccess({ offline = true } = {}) {
      const lid = this.server.lidOfDevice(this.payload);
      this.send({ tag: 'success', attrs: { t: now(), props: '1', abprops: '1', location: 'fake', ...(lid ? { lid } : {}) } });
      if (offline) this.send({ tag: 'ib', attrs: {}, content: [{ tag: 'offline', attrs: { count: '0' } }] });
      this.loggedIn = true;
      this.server.afterLogin?.(this); // first login after pairing: the phone's history sync (history-sync.mjs)
    }

    // ---- endings -----------------------------------------------------------------------------

    /** 515 restart, 440 replaced, 401 logged out, 405 version refused, 403/500/503 and others. */
    closeWith(code) {
      if (code === 440) this.send({ tag: 'stream:error', attrs: {}, content: [{ tag: 'conflict', attrs: { type: 'replaced' } }] });
      else if (code === 401 || code === 403 || code === 405) this.send({ tag: 'failure', attrs: { reason: String(code), location: 'fake' } });
      else this.streamError(code);
      setTimeout(() => this.drop(), 200).unref();
    }

    streamError(code) {
      this.send({ tag: 'stream:error', attrs: { code: String(code) } });
    }

    /** Stops answering anything (pings included): Baileys ends with 408 after its keep-alive window. */
    goSilent() {
      this.silent = true;
    }

    /** Closes the TCP connection without a word (client sees 428). */
    drop() {
      if (!this.isClosed) this.ws.terminate();
    }
  };
