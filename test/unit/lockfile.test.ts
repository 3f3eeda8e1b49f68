import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm ci` refuses a lock file that does not match package.json or leaves out a package some
 * locked package asks for (typically other platforms' optional binaries: EUSAGE "Missing: ... from
 * lock file"). scripts/lib/install-deps.sh no longer falls back to `npm install` (which rewrites the
 * lock), so the lock file must be complete; this checks it without the network.
 */
const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  lockfileVersion: number;
  packages: Record<string, { version?: string; link?: boolean; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; devDependencies?: Record<string, string> }>;
};

/** Node's resolution inside the lock: the nearest node_modules/<name> up from `from`. */
function resolve(from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!base) return undefined;
    const i = base.lastIndexOf('/node_modules/');
    base = i >= 0 ? base.slice(0, i) : '';
  }
}

describe('package-lock.json', () => {
  it('is a v3 lock whose root matches package.json', () => {
    expect(lock.lockfileVersion).toBe(3);
    const root = lock.packages[''];
    for (const field of ['dependencies', 'devDependencies', 'optionalDependencies'] as const) expect({ field, deps: root[field] ?? {} }).toEqual({ field, deps: pkg[field] ?? {} });
  });

  it('holds every package a locked package depends on, optional platform packages included', () => {
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (entry.link) continue;
      const deps = { ...entry.dependencies, ...entry.optionalDependencies, ...(path === '' ? entry.devDependencies : {}) };
      for (const name of Object.keys(deps)) if (!resolve(path, name)) missing.push(`${path || '(root)'} -> ${name}`);
    }
    expect(missing).toEqual([]);
  });
});
