#!/usr/bin/env node
/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): the top functions by self time, and self time
 * grouped by package (node_modules/<name>, our dist/ tree, node: internals, GC, idle), so the
 * profile of each bench process can be written down in BENCHMARKS.md.
 *
 *   node bench/lib/profile-summary.js CPU.*.cpuprofile [TOP]
 */
const fs = require('node:fs');

function summarise(file, top = 25) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  // time per sample: timeDeltas[i] belongs to samples[i]
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const total = [...self.values()].reduce((s, x) => s + x, 0);
  const fn = new Map();
  const pkg = new Map();
  for (const [id, us] of self) {
    const { callFrame: f } = byId.get(id);
    const where = f.url.replace(/^file:\/\//, '');
    const key = `${f.functionName || '(anonymous)'} ${short(where)}:${f.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const group = groupOf(f.functionName, where);
    pkg.set(group, (pkg.get(group) ?? 0) + us);
  }
  // shares of the busy time (idle left out): what the process spent its CPU on
  const busy = total - (pkg.get('(idle)') ?? 0);
  pkg.delete('(idle)');
  fn.delete('(idle) :0');
  const pct = (us) => ((100 * us) / busy).toFixed(1).padStart(5);
  const lines = [`${file}: ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy; shares of the busy time`, '', 'by package / area (self time):'];
  for (const [k, us] of [...pkg].sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`${pct(us)} %  ${k}`);
  lines.push('', `top ${top} functions (self time):`);
  for (const [k, us] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${pct(us)} %  ${k}`);
  return lines.join('\n');
}

function short(where) {
  const nm = where.lastIndexOf('node_modules/');
  if (nm >= 0) return where.slice(nm + 13);
  const d = where.indexOf('/dist/');
  if (d >= 0) return where.slice(d + 1);
  return where;
}

function groupOf(name, where) {
  if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') return name;
  const nm = where.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = where.slice(nm + 13).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (where.includes('/dist/')) return `ours: ${where.split('/dist/')[1].split('/').slice(0, 2).join('/')}`;
  if (where.startsWith('node:')) return `node: ${where.slice(5).split('/')[0]}`;
  return where ? where : '(native / builtins)';
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const top = /^\d+$/.test(args[args.length - 1] ?? '') ? Number(args.pop()) : 25;
  for (const f of args) console.log(`${summarise(f, top)}\n`);
}

module.exports = { summarise };

/** Self time of functions named `name`, split by the chain of callers above them (depth frames). */
function callers(file, name, depth = 4) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8'));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const chains = new Map();
  for (const [id, us] of self) {
    let n = byId.get(id);
    if (n.callFrame.functionName !== name) continue;
    const chain = [];
    for (let k = 0; k < depth && (n = parent.get(n.id)); ) {
      // node's own stream frames say little about who wrote: SKIP_NODE=1 leaves them out
      if (process.env.SKIP_NODE && (n.callFrame.url.startsWith('node:') || !n.callFrame.url)) continue;
      k++;
      chain.push(`${n.callFrame.functionName || '(anon)'}@${short(n.callFrame.url.replace(/^file:\/\//, ''))}:${n.callFrame.lineNumber + 1}`);
    }
    const key = chain.join(' < ');
    chains.set(key, (chains.get(key) ?? 0) + us);
  }
  return [...chains].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, us]) => `${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`).join('\n');
}
module.exports.callers = callers;
if (require.main === module && process.env.CALLERS) for (const f of process.argv.slice(2).filter((a) => a.endsWith('.cpuprofile'))) console.log(callers(f, process.env.CALLERS, Number(process.env.DEPTH ?? 4)));
