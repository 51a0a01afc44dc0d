import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as schema from './schema';
import { loadMigrations } from './migrations';
import { migrationsDirectory } from './paths';

interface DrizzleKitApi {
  generateSQLiteDrizzleJson: (tables: Record<string, unknown>) => Promise<unknown>;
  generateSQLiteMigration: (previous: unknown, current: unknown) => Promise<string[]>;
}

/**
 * Compares schema.ts with the schema the committed migrations end at (drizzle-kit's latest
 * snapshot) and returns the SQL a new migration would need: empty when they agree. CI fails
 * otherwise, so nobody changes the schema without generating (and committing) its migration.
 * drizzle-kit is a development dependency, hence the dynamic import.
 */
export async function schemaDrift(
  dir: string = migrationsDirectory(),
  tables: Record<string, unknown> = schema,
): Promise<string[]> {
  // drizzle-kit/api's declarations pull in types that do not resolve outside drizzle-kit, so the
  // two functions used here are typed by hand.
  const { generateSQLiteDrizzleJson, generateSQLiteMigration } =
    (await import('drizzle-kit/api')) as unknown as DrizzleKitApi;
  const migrations = loadMigrations(dir);
  const last = migrations.at(-1);
  if (!last) return ['-- no migrations: run `pnpm --filter @aura/db generate`'];
  const snapshotFile = path.join(
    dir,
    'meta',
    `${String(last.index).padStart(4, '0')}_snapshot.json`,
  );
  const previous: unknown = JSON.parse(readFileSync(snapshotFile, 'utf8'));
  const current = await generateSQLiteDrizzleJson(tables);
  return generateSQLiteMigration(previous, current);
}
