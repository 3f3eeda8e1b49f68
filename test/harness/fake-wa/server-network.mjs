// The stand-in server's view of its network state, for tests and for the connections: outgoing
// messages (outgoing.mjs), the directory of accounts, LIDs and devices (directory.mjs), groups
// (groups.mjs) and profile pictures (profile.mjs). A mixin of FakeWaServer (server.mjs), which
// builds this.outbox, this.directory, this.groups and this.profiles.

/** @param {typeof import('node:events').EventEmitter} Base */
export const withNetwork = (Base) =>
  class ServerNetwork extends Base {
    // ---- outgoing messages (outgoing.mjs) --------------------------------------------------------

    captureOutgoing(conn, node) {
      return this.outbox.capture(conn, node);
    }

    /** First <message> a client sent matching pred({ to, id, type, addressing, participants, node }). */
    waitForOutgoing(pred = () => true, timeoutMs = 10000) {
      return this.outbox.waitFor(pred, timeoutMs);
    }

    /** Matching outgoing messages end with an error ack (463, 479…): see Outbox.fail in outgoing.mjs. */
    failOutgoing(rule) {
      return this.outbox.fail(rule);
    }

    clearFailures() {
      this.outbox.clearFailures();
    }

    // ---- directory: who is on WhatsApp, LIDs, devices (directory.mjs) -----------------------------

    /** Registers a WhatsApp account (phone, optional lid and devices: [0, 1…]); returns { phone, pnJid, lid, devices }. */
    addContact(phone, options) {
      return this.directory.addContact(phone, options);
    }

    /** Fixes the LID of a phone number (digits or jid); otherwise one is derived from the number. */
    setLid(phone, lid) {
      this.directory.setLid(phone, lid);
    }

    /** LID jid (no device) of a PN jid. */
    lidFor(pnJid) {
      return this.directory.lidFor(pnJid);
    }

    isOnWhatsApp(jid) {
      return this.directory.isOnWhatsApp(jid);
    }

    devicesOf(jid) {
      return this.directory.devicesOf(jid);
    }

    registerDevice(phone, device, lid) {
      this.directory.registerDevice(phone, device, lid);
    }

    lidOfDevice(payload) {
      return this.directory.lidOfDevice(payload);
    }

    preKeyCountOf(conn) {
      return this.options.preKeyCount ?? this.directory.devices.get(conn.device)?.preKeys ?? 50;
    }

    recordPreKeys(conn, count) {
      const d = this.directory.devices.get(conn.device);
      if (d) d.preKeys += count;
    }

    // ---- groups (groups.mjs) ------------------------------------------------------------------------

    /** A group the account is in: { id, subject?, participants?: [{ jid, lid?, admin? }], owner? }. */
    addGroup(group) {
      return this.groups.add(group);
    }

    /** The account is no longer in the group: its metadata IQ answers 403 forbidden. */
    leaveGroup(id) {
      this.groups.leave(id);
    }

    /**
     * Changes a group and tells the current connection (<notification type=w:gp2>, group-list.mjs):
     * { subject } | { announce } | { restrict } | { add | remove | promote | demote: [jid | { jid, lid?, phoneNumber? }] }.
     */
    changeGroup(id, change, { by } = {}) {
      const node = this.groups.change(id, change, by);
      this.current?.send(node);
      return node;
    }

    // ---- profile pictures (profile.mjs) -----------------------------------------------------------

    /** A contact's picture URL; null: hidden by their privacy settings (401). Never set: none (404). */
    setProfilePicture(phone, url) {
      this.profiles.set(phone, url);
    }
  };
