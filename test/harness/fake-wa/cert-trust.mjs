// Makes the Baileys client trust the stand-in's certificate chain. Baileys 7 checks the noise
// intermediate certificate against WA_CERT_DETAILS.PUBLIC_KEY (Utils/noise-handler.js), an exported
// mutable object: replacing the key in the module instance the client uses is the only hook needed.
import { WA_CERT_DETAILS } from '@whiskeysockets/baileys';

const original = WA_CERT_DETAILS.PUBLIC_KEY;

/** key: Buffer/Uint8Array or base64 string of the stand-in's root public key (server.publicKeyBase64). */
export function trustRootKey(key) {
  WA_CERT_DETAILS.PUBLIC_KEY = typeof key === 'string' ? Buffer.from(key, 'base64') : Buffer.from(key);
}

/** Puts WhatsApp's own key back. */
export function restoreRootKey() {
  WA_CERT_DETAILS.PUBLIC_KEY = original;
}
