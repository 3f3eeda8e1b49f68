import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_FAMILIES, EVENT_TYPES, EventType, isEventType } from '../../src/events/catalog';
import { eventFields } from '../../src/events/fields';

const DOC = readFileSync(join(__dirname, '..', '..', 'docs', 'events.md'), 'utf8');
const FAMILY_OF_FUNCTION: Record<string, string> = { qr: 'qr', status: 'status', messages: 'messages', campaign: 'campaign' };

/** `name` tokens of a markdown cell. */
const names = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

/** The type table at the top of the page: type -> family as documented. */
function documentedFamilies(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of DOC.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 5 || !cells[1].startsWith('`')) continue;
    const family = /^(\w+)/.exec(cells[2])?.[1];
    if (!family || !(family in FAMILY_OF_FUNCTION)) continue;
    for (const t of names(cells[1])) rows.set(t, family);
  }
  return rows;
}

/** Each `## \`type\`` section's field tables (header `| field | meaning |`): type -> field names. */
function documentedFields(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const sections = DOC.split(/^## /m).slice(1);
  for (const section of sections) {
    const [heading, ...body] = section.split('\n');
    const types = names(heading).filter(isEventType);
    if (!types.length) continue;
    const fields = new Set<string>();
    let inTable = false;
    for (const line of body) {
      if (/^\|\s*field\s*\|\s*meaning\s*\|/.test(line)) inTable = true;
      else if (!line.startsWith('|')) inTable = false;
      else if (inTable) {
        const first = line.split('|')[1].trim();
        // "the fields of `campaign.progress`" imports another section's rows
        const ref = /^the fields of `([^`]+)`/.exec(first)?.[1];
        if (ref) fields.add(`@${ref}`);
        else for (const n of names(first)) fields.add(n);
      }
    }
    for (const t of types) out.set(t, fields);
  }
  for (const fields of out.values()) {
    for (const f of [...fields]) {
      if (!f.startsWith('@')) continue;
      fields.delete(f);
      for (const g of out.get(f.slice(1)) ?? []) fields.add(g);
    }
  }
  return out;
}

describe('event catalog and docs/events.md', () => {
  it('list the same event types, each in the same family', () => {
    const documented = documentedFamilies();
    expect([...documented.keys()].sort()).toEqual([...EVENT_TYPES].sort());
    for (const type of EVENT_TYPES) expect([type, documented.get(type)]).toEqual([type, EVENT_FAMILIES[type]]);
  });

  it.each(EVENT_TYPES)('%s: every data field of the catalog is documented, and nothing else', (type: EventType) => {
    const documented = documentedFields().get(type);
    expect(documented).toBeDefined();
    // `sandbox: true` is documented once for all types (the sandbox paragraph), not per table
    const catalog = eventFields(type).filter((f) => f !== 'sandbox');
    expect([...(documented ?? [])].sort()).toEqual(catalog.sort());
  });

  it("openapi.json's event schema (WaEvent.type) lists exactly the catalog's types", () => {
    const spec = JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8'));
    expect([...spec.components.schemas.WaEvent.properties.type.enum].sort()).toEqual([...EVENT_TYPES].sort());
  });

  it('catches a field missing from the docs (the parser sees tables)', () => {
    const fields = documentedFields().get('message.status');
    expect(fields?.has('status')).toBe(true);
    expect(fields?.has('notAField')).toBe(false);
  });
});
