import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The machine's PostgreSQL (.ci/run makes sure one answers): trust auth, database `test`. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

/** A schema no other test run shares (dropped by dropSchema). */
export function uniqueSchema(name: string): string {
  return `t_${name.replace(/[^a-z0-9]/g, '_')}_${randomBytes(4).toString('hex')}`;
}

export async function sql<T = Record<string, unknown>>(text: string, args: unknown[] = [], url = TEST_DATABASE_URL): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, args)).rows as T[];
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/** The environment a stack needs to log into its own schema. */
export function logEnv(schema: string, url = TEST_DATABASE_URL): Record<string, string | number> {
  return { MESSAGE_LOG: 'on', DATABASE_URL: url, MESSAGE_LOG_SCHEMA: schema, MESSAGE_LOG_FLUSH_MS: 200 };
}
