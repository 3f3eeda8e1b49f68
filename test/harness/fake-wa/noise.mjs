// Server half of the Noise XX handshake WhatsApp Web speaks, built only from Baileys' exported
// primitives, plus the certificate chain Baileys 7 verifies against WA_CERT_DETAILS.PUBLIC_KEY.
// The stand-in signs its chain with its own root key; the client side is made to trust it by
// replacing WA_CERT_DETAILS.PUBLIC_KEY (trustRootKey in cert-trust.mjs, ../preload.mjs).
import { Curve, proto, WA_CERT_DETAILS, sha256, hkdf, aesEncryptGCM, aesDecryptGCM, NOISE_MODE } from '@whiskeysockets/baileys';

const iv = (n) => {
  const b = Buffer.alloc(12);
  b.writeUInt32BE(n, 8);
  return b;
};

/** Root key of the stand-in: give the same one to the client's WA_CERT_DETAILS. */
export function makeRootKey() {
  return Curve.generateKeyPair();
}

/** CertChain whose intermediate is signed by `root` and whose leaf is signed by the intermediate. */
export function makeCertChain(root, staticPublic) {
  const Details = proto.CertChain.NoiseCertificate.Details;
  const inter = Curve.generateKeyPair();
  const interDetails = Details.encode({ serial: 1, issuerSerial: WA_CERT_DETAILS.SERIAL, key: inter.public }).finish();
  const leafDetails = Details.encode({ serial: 2, issuerSerial: 1, key: staticPublic }).finish();
  return proto.CertChain.encode({
    leaf: { details: leafDetails, signature: Curve.sign(inter.private, leafDetails) },
    intermediate: { details: interDetails, signature: Curve.sign(root.private, interDetails) },
  }).finish();
}

/** Symmetric state of the server during and after the handshake (mirror of Utils/noise-handler.js). */
export function makeServerNoise(rootKey) {
  const ephemeral = Curve.generateKeyPair();
  const stat = Curve.generateKeyPair();
  let hash = Buffer.from(NOISE_MODE); // exactly 32 bytes: used as is, like the client does
  let salt = hash;
  let key = hash;
  let counter = 0;
  let encKey;
  let decKey;
  let readCounter = 0;
  let writeCounter = 0;
  const auth = (d) => {
    hash = sha256(Buffer.concat([hash, d]));
  };
  const mix = async (d) => {
    const k = Buffer.from(await hkdf(Buffer.from(d), 64, { salt, info: '' }));
    salt = k.subarray(0, 32);
    key = k.subarray(32);
    counter = 0;
  };
  const enc = (p) => {
    const r = aesEncryptGCM(p, key, iv(counter++), hash);
    auth(r);
    return r;
  };
  const dec = (c) => {
    const r = aesDecryptGCM(c, key, iv(counter++), hash);
    auth(c);
    return r;
  };
  return {
    /** the 4-byte intro ('WA', 6, dict version) is hashed by both sides */
    auth,
    /** client hello -> server hello (ephemeral, encrypted static key, encrypted certificate chain) */
    async hello(body) {
      const clientEph = proto.HandshakeMessage.decode(body).clientHello.ephemeral;
      auth(clientEph);
      auth(ephemeral.public);
      await mix(Curve.sharedKey(ephemeral.private, clientEph));
      const staticEnc = enc(stat.public);
      await mix(Curve.sharedKey(stat.private, clientEph));
      const payload = enc(makeCertChain(rootKey, stat.public));
      return proto.HandshakeMessage.encode({ serverHello: { ephemeral: ephemeral.public, static: staticEnc, payload } }).finish();
    },
    /** client finish -> the client's noise key and its ClientPayload; transport keys are ready */
    async finishHandshake(body) {
      const { clientFinish } = proto.HandshakeMessage.decode(body);
      const noiseKey = dec(clientFinish.static);
      await mix(Curve.sharedKey(ephemeral.private, noiseKey));
      const payload = proto.ClientPayload.decode(dec(clientFinish.payload));
      const k = Buffer.from(await hkdf(Buffer.alloc(0), 64, { salt, info: '' }));
      decKey = k.subarray(0, 32); // the client's write key
      encKey = k.subarray(32);
      return { noiseKey, payload };
    },
    seal: (p) => aesEncryptGCM(p, encKey, iv(writeCounter++), Buffer.alloc(0)),
    open: (c) => aesDecryptGCM(c, decKey, iv(readCounter++), Buffer.alloc(0)),
  };
}

/** 3-byte big-endian length prefix, as WhatsApp frames every message. */
export function frame(data) {
  const f = Buffer.alloc(3 + data.length);
  f.writeUInt8(data.length >> 16, 0);
  f.writeUInt16BE(data.length & 0xffff, 1);
  Buffer.from(data).copy(f, 3);
  return f;
}
