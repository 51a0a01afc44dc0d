import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  applyMigrations,
  createDb,
  insertAudited,
  openSqlite,
  projectStates,
  type AuraDb,
  type NewProjectState,
} from '@aura/db';
import { createCaller, createContext } from '../src';

export interface TestDb {
  db: AuraDb;
  file: string;
  caller: ReturnType<typeof createCaller>;
  close: () => void;
}

/** A fresh database file in a temporary directory, migrated unless `migrate: false`. */
export function openTestDb({ migrate = true }: { migrate?: boolean } = {}): TestDb {
  const dir = mkdtempSync(path.join(tmpdir(), 'aura-api-'));
  const file = path.join(dir, 'aura.db');
  const sqlite = openSqlite(file);
  if (migrate) applyMigrations(sqlite);
  const db = createDb(sqlite);
  return {
    db,
    file,
    caller: createCaller(createContext({ db })),
    close: () => {
      sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Inserts a project through the audited helper, then pins its timestamps for deterministic order. */
export function insertProject(
  db: AuraDb,
  values: Partial<NewProjectState> & { title: string },
  at?: { createdAt?: string; updatedAt?: string },
) {
  const row = insertAudited(db, projectStates, values, 'tester');
  if (at) {
    if (at.createdAt) row.createdAt = at.createdAt;
    if (at.updatedAt) row.updatedAt = at.updatedAt;
    db.$client
      .prepare(
        'UPDATE ProjectStates SET CreatedAt = coalesce(?, CreatedAt), UpdatedAt = coalesce(?, UpdatedAt) WHERE Id = ?',
      )
      .run(at.createdAt ?? null, at.updatedAt ?? null, row.id);
  }
  return row;
}
