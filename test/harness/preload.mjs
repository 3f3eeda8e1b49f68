// Test-only preload for a process that runs the real Baileys driver against the stand-in:
//   FAKE_WA_PUBLIC_KEY=<server.publicKeyBase64> node --import ./test/harness/preload.mjs dist/apps/whatsapp-server/main.js
// It resolves @whiskeysockets/baileys the way the app does (same file, so the same ESM module
// instance the app's import() gets later) and replaces WA_CERT_DETAILS.PUBLIC_KEY with the
// stand-in's root key. FAKE_WA_KEEPALIVE_MS (optional) lowers Baileys' default keep-alive interval
// so a silent server is noticed in seconds; it only applies when the app passes none itself.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const key = process.env.FAKE_WA_PUBLIC_KEY;
if (!key) throw new Error('preload.mjs: FAKE_WA_PUBLIC_KEY (base64 root key of the stand-in) is not set');

// resolve from the working directory (the app's root), not from this file's folder
const require = createRequire(pathToFileURL(`${process.cwd()}/package.json`));
const baileys = await import(pathToFileURL(require.resolve('@whiskeysockets/baileys')).href);
baileys.WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(key, 'base64');
const keepAlive = Number(process.env.FAKE_WA_KEEPALIVE_MS);
if (keepAlive > 0) baileys.DEFAULT_CONNECTION_CONFIG.keepAliveIntervalMs = keepAlive;
