#!/usr/bin/env node
// Second half of `npm run build` for the dashboard (the first is `tsc -p tsconfig.dashboard.json`,
// which compiles web/dashboard/app/*.ts to dist/dashboard/app/*.js): copies the page, its styles
// and the front-end libraries (Preact, htm) into dist/dashboard. The browser loads plain ES
// modules, so the bare names the code imports ('preact', 'preact/hooks', 'htm') are rewritten to
// the copied files: no bundler, no import map (an inline script the page's CSP would refuse).
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const out = path.join(root, 'dist', 'dashboard');
const web = path.join(root, 'web', 'dashboard');
const vendor = [
  ['preact/dist/preact.mjs', 'preact.mjs'],
  ['preact/hooks/dist/hooks.mjs', 'hooks.mjs'],
  ['htm/dist/htm.module.js', 'htm.mjs'],
];
const names = { preact: 'preact.mjs', 'preact/hooks': 'hooks.mjs', htm: 'htm.mjs' };

function rewrite(file, toVendor) {
  const text = fs.readFileSync(file, 'utf8');
  const next = text.replace(/(\bfrom\s*|\bimport\s*)(["'])(preact|preact\/hooks|htm)\2/g, (_m, kw, q, name) => `${kw}${q}${toVendor}${names[name]}${q}`);
  if (/\bfrom\s*["'](?!\.{1,2}\/)[^"']+["']/.test(next)) throw new Error(`${file}: a bare import is left that the browser cannot load`);
  fs.writeFileSync(file, next);
}

fs.mkdirSync(path.join(out, 'vendor'), { recursive: true });
for (const name of ['index.html', 'style.css']) fs.copyFileSync(path.join(web, name), path.join(out, name));
for (const [from, to] of vendor) {
  const text = fs.readFileSync(require.resolve(path.join(root, 'node_modules', from)), 'utf8').replace(/\n\/\/# sourceMappingURL=.*$/m, '\n');
  fs.writeFileSync(path.join(out, 'vendor', to), text);
  rewrite(path.join(out, 'vendor', to), './');
}
const app = path.join(out, 'app');
if (!fs.existsSync(app)) throw new Error('dist/dashboard/app is missing: run tsc -p tsconfig.dashboard.json first');
for (const file of fs.readdirSync(app)) if (file.endsWith('.js')) rewrite(path.join(app, file), '../vendor/');
console.log(`[build] dashboard: ${path.relative(root, out)}`);
