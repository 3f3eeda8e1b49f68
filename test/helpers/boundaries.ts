/**
 * The import rules of src/, checked by test/unit/boundaries.test.ts. The layout is a stack of
 * floors: a module imports only from its own floor or lower ones, never up. Some packages have one
 * home each (bull, Baileys, pg), so a change of library touches one folder.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** Top-level folders of src/ by floor, lowest first. */
export const FLOORS: ReadonlyArray<readonly string[]> = [
  ['shared'], // config, logger, errors, keys, Redis, lifecycle, input parsing
  ['events', 'channels'], // domain types: the event catalog and envelope, channels, content, ports
  ['queues'], // the queue contract: the only importer of bull
  ['whatsapp', 'messenger', 'pacing', 'budget', 'metrics', 'webhooks', 'cluster', 'message-log'], // drivers and stores
  ['messages', 'campaigns', 'maintenance'], // use cases: they combine the floor below
  ['http'], // rooms and routes
  ['apps'], // one folder per PM2 process: entry points and wiring
];

/** Packages with one home: the folder (prefix of the path under src/) that may import them. */
export const PACKAGE_HOMES: Record<string, { home: string[]; why: string }> = {
  bull: { home: ['queues/'], why: 'the queue contract is the only code that knows bull' },
  '@bull-board/api': { home: ['queues/'], why: 'Bull Board reads the queues' },
  '@bull-board/express': { home: ['queues/'], why: 'Bull Board reads the queues' },
  '@whiskeysockets/baileys': { home: ['whatsapp/baileys/'], why: 'only the Baileys adapter knows Baileys' },
  pg: { home: ['message-log/'], why: 'only the message log writer knows PostgreSQL' },
  express: {
    home: ['http/', 'apps/', 'queues/board.ts', 'metrics/http.ts', 'shared/lifecycle.ts'],
    why: 'requests and responses stay in the HTTP layer; services return results the routes write',
  },
};

export interface Violation {
  file: string;
  imports: string;
  rule: string;
}

function floorOf(moduleName: string): number {
  return FLOORS.findIndex((f) => f.includes(moduleName));
}

/** Every import, export-from, dynamic import() and require() specifier of a source text. */
export function specifiers(source: string): string[] {
  const out: string[] = [];
  const re = /(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  return out;
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The violations of one file (path relative to src/, with '/' separators). */
export function checkFile(file: string, source: string): Violation[] {
  const violations: Violation[] = [];
  const from = file.split('/')[0];
  const fromFloor = floorOf(from);
  if (fromFloor < 0) violations.push({ file, imports: '', rule: `src/${from}/ is on no floor: add it to FLOORS` });
  for (const spec of specifiers(source)) {
    if (spec.startsWith('.')) {
      const target = relative('/src', resolve('/src', dirname(file), spec)).split(sep).join('/');
      if (target.startsWith('..')) {
        violations.push({ file, imports: spec, rule: 'imports from outside src/' });
        continue;
      }
      const to = target.split('/')[0];
      const toFloor = floorOf(to);
      if (fromFloor >= 0 && toFloor > fromFloor) violations.push({ file, imports: spec, rule: `${from} (floor ${fromFloor}) imports ${to} (floor ${toFloor}), a higher floor` });
      continue;
    }
    if (spec.startsWith('node:')) continue;
    const pkg = packageName(spec);
    const home = PACKAGE_HOMES[pkg];
    if (home && !home.home.some((h) => file === h || file.startsWith(h))) violations.push({ file, imports: spec, rule: `${pkg} only in ${home.home.join(', ')}: ${home.why}` });
  }
  return violations;
}

export function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|mts|cts|js|mjs)$/.test(name)) out.push(relative(root, path).split(sep).join('/'));
    }
  };
  walk(root);
  return out.sort();
}

export function checkTree(root: string): Violation[] {
  return sourceFiles(root).flatMap((f) => checkFile(f, readFileSync(join(root, f), 'utf8')));
}
