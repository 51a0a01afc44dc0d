import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { applyMigrations, createDb, openSqlite, type AuraDb, type Sqlite } from '../src';

const cleanups: (() => void)[] = [];

afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

/** A fresh temporary folder, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aura-db-test-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestDatabase {
  file: string;
  dir: string;
  sqlite: Sqlite;
  db: AuraDb;
}

/** A temporary database file with the real migrations applied; closed and removed after the test. */
export function migratedDatabase(): TestDatabase {
  const dir = tempDir();
  const file = path.join(dir, 'aura.db');
  const sqlite = openSqlite(file);
  applyMigrations(sqlite);
  cleanups.push(() => sqlite.open && sqlite.close());
  return { file, dir, sqlite, db: createDb(sqlite) };
}

export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
