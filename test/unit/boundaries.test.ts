import { join } from 'node:path';
import { checkFile, checkTree, sourceFiles, specifiers } from '../helpers/boundaries';

const SRC = join(__dirname, '..', '..', 'src');

describe('import boundaries of src/', () => {
  it('no file imports across a forbidden line', () => {
    const violations = checkTree(SRC);
    expect(violations.map((v) => `${v.file} -> ${v.imports}: ${v.rule}`)).toEqual([]);
  });

  it('reads the whole tree (the check above is not vacuous)', () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain('queues/factory.ts');
    expect(files).toContain('whatsapp/baileys/loader.ts');
  });

  it('finds every kind of import', () => {
    const src = [
      "import type { A } from '../a';",
      "import { B,\n  C } from './b';",
      "export { D } from '../d';",
      "import '../side-effect';",
      "const m = await import('@whiskeysockets/baileys');",
      "type Baileys = typeof import('pg', { with: { 'resolution-mode': 'import' } });",
      "const x = require('bull');",
      "import type { E } from '@whiskeysockets/baileys' with { 'resolution-mode': 'import' };",
    ].join('\n');
    expect(specifiers(src)).toEqual(expect.arrayContaining(['../a', './b', '../d', '../side-effect', '@whiskeysockets/baileys', 'bull', 'pg']));
  });

  it('refuses an import up the floors, and packages outside their home', () => {
    expect(checkFile('shared/x.ts', "import { Queue } from '../queues/factory';")).toEqual([expect.objectContaining({ rule: expect.stringContaining('higher floor') })]);
    expect(checkFile('events/x.ts', "import type { SendContent } from '../whatsapp/types';")).toHaveLength(1);
    expect(checkFile('messages/x.ts', "import { parseInput } from '../http/validate';")).toHaveLength(1);
    expect(checkFile('campaigns/x.ts', "import type { WorkerContext } from '../apps/_runtime/worker-process';")).toHaveLength(1);
    expect(checkFile('messages/x.ts', "import Queue from 'bull';")).toEqual([expect.objectContaining({ rule: expect.stringContaining('bull only in queues/') })]);
    expect(checkFile('whatsapp/session-manager.ts', "import type { WAMessage } from '@whiskeysockets/baileys';")).toHaveLength(1);
    expect(checkFile('campaigns/x.ts', "import { Pool } from 'pg';")).toHaveLength(1);
    expect(checkFile('messages/x.ts', "import type { Request } from 'express';")).toHaveLength(1);
    expect(checkFile('newthing/x.ts', "import { a } from '../shared/a';")).toEqual([expect.objectContaining({ rule: expect.stringContaining('on no floor') })]);
  });

  it('allows imports down the floors, within a floor, and packages in their home', () => {
    expect(checkFile('apps/whatsapp-server/wiring.ts', "import { createQueues } from '../../queues/factory';")).toEqual([]);
    expect(checkFile('queues/contract.ts', "import type { AnyEvent } from '../events/envelope';")).toEqual([]);
    expect(checkFile('pacing/pacer.ts', "import type { InstanceSettings } from '../whatsapp/types';")).toEqual([]);
    expect(checkFile('queues/factory.ts', "import Queue from 'bull';")).toEqual([]);
    expect(checkFile('whatsapp/baileys/loader.ts', "const b = await import('@whiskeysockets/baileys');")).toEqual([]);
  });
});
