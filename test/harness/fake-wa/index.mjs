// Entry point of the WhatsApp Web stand-in (see README.md beside this file).
export { FakeWaServer } from './server.mjs';
export { FakeWaConnection } from './connection.mjs';
export { trustRootKey, restoreRootKey } from './cert-trust.mjs';
export { parseQr } from './pairing.mjs';
export { imageContent } from './stanzas.mjs';
export { MediaHost } from './media-host.mjs';
