#!/usr/bin/env node
/**
 * Compares two V8 heap snapshots (bench/baileys-sessions.js HEAP_SNAPSHOTS=1): self size and count by
 * constructor (node type + name), largest growth first, and for the top grown constructors one
 * retainer path of a sample object (edges walked back to a GC root), to see who holds them.
 *
 *   node --max-old-space-size=4096 bench/lib/heap-summary.js early.heapsnapshot late.heapsnapshot [top]
 */
const fs = require('node:fs');

function load(file) {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8'));
  const m = snap.snapshot.meta;
  const nf = m.node_fields;
  const ef = m.edge_fields;
  const nodeTypes = m.node_types[0];
  const edgeTypes = m.edge_types[0];
  const N = nf.length;
  const E = ef.length;
  const iType = nf.indexOf('type');
  const iName = nf.indexOf('name');
  const iSize = nf.indexOf('self_size');
  const iEdges = nf.indexOf('edge_count');
  const eType = ef.indexOf('type');
  const eName = ef.indexOf('name_or_index');
  const eTo = ef.indexOf('to_node');
  const { nodes, edges, strings } = snap;
  const count = nodes.length / N;
  const label = (n) => {
    const t = nodeTypes[nodes[n * N + iType]];
    const name = strings[nodes[n * N + iName]];
    return t === 'object' || t === 'closure' ? `${t}:${name}` : t === 'string' || t === 'concatenated string' || t === 'sliced string' ? 'string' : `${t}:${t === 'hidden' || t === 'code' || t === 'array' ? name.slice(0, 40) : ''}`;
  };
  const by = new Map();
  const firstEdge = new Uint32Array(count + 1);
  for (let n = 0, e = 0; n < count; n++) {
    firstEdge[n] = e;
    e += nodes[n * N + iEdges] * E;
    const k = label(n);
    const v = by.get(k) ?? { count: 0, size: 0, sample: n };
    v.count++;
    v.size += nodes[n * N + iSize];
    by.set(k, v);
  }
  firstEdge[count] = edges.length;
  return { by, count, label, nodes, edges, strings, N, E, eType, eName, eTo, edgeTypes, firstEdge };
}

/** One path from the sample node back to the root (BFS over reversed edges, weak edges skipped). */
function retainerPath(h, target) {
  const parents = new Map();
  // reversed adjacency built lazily: scan all edges once
  const rev = new Map();
  for (let n = 0; n < h.count; n++) {
    for (let e = h.firstEdge[n]; e < h.firstEdge[n + 1]; e += h.E) {
      if (h.edgeTypes[h.edges[e + h.eType]] === 'weak') continue;
      const to = h.edges[e + h.eTo] / h.N;
      if (!rev.has(to)) rev.set(to, []);
      rev.get(to).push([n, e]);
    }
  }
  const queue = [target];
  parents.set(target, null);
  while (queue.length) {
    const n = queue.shift();
    if (n === 0) break;
    for (const [from, e] of rev.get(n) ?? []) {
      if (parents.has(from)) continue;
      parents.set(from, [n, e]);
      queue.push(from);
    }
  }
  // walk from the root (node 0) down to the target
  const path = [];
  let n = 0;
  if (!parents.has(0)) return '(no path)';
  while (n !== target && path.length < 30) {
    const [child, e] = parents.get(n);
    const t = h.edgeTypes[h.edges[e + h.eType]];
    const nm = t === 'element' || t === 'hidden' ? `[${h.edges[e + h.eName]}]` : h.strings[h.edges[e + h.eName]];
    path.push(`${h.label(n)} -${nm}->`);
    n = child;
  }
  path.push(h.label(target));
  return path.join('\n    ');
}

const [a, b, topArg] = process.argv.slice(2);
const top = Number(topArg ?? 25);
const A = load(a);
const B = load(b);
const rows = [...B.by.entries()].map(([k, v]) => {
  const o = A.by.get(k) ?? { count: 0, size: 0 };
  return { k, count: v.count, dCount: v.count - o.count, sizeMb: v.size / 1048576, dSizeMb: (v.size - o.size) / 1048576, sample: v.sample };
});
rows.sort((x, y) => y.dSizeMb - x.dSizeMb);
const total = (h) => [...h.by.values()].reduce((s, v) => s + v.size, 0) / 1048576;
console.log(`total self size: ${total(A).toFixed(1)} MB -> ${total(B).toFixed(1)} MB; nodes ${A.count} -> ${B.count}`);
console.log('constructor\tcount\tΔcount\tsize MB\tΔsize MB');
for (const r of rows.slice(0, top)) console.log(`${r.k}\t${r.count}\t${r.dCount}\t${r.sizeMb.toFixed(2)}\t${r.dSizeMb.toFixed(2)}`);
// PATHS=k: a retainer path for the k most grown constructors; PATH_OF=name: for that one (a late sample)
if (process.env.PATHS || process.env.PATH_OF) {
  const picked = process.env.PATH_OF ? rows.filter((r) => r.k === process.env.PATH_OF) : rows.slice(0, Number(process.env.PATHS));
  for (const r of picked) {
    let sample = r.sample;
    for (let n = B.count - 1; n >= 0; n--) if (B.label(n) === r.k) { sample = n; break; }
    console.log(`\n${r.k}:\n    ${retainerPath(B, sample)}`);
  }
}
