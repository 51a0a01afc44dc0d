import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqlite } from '@aura/db';
import { z } from 'zod';

/**
 * The legacy rows a test checks the import against, read from a byte copy of the fixture (never
 * through a connection to the file under test, which would leave -wal/-shm beside it).
 */
export type LegacyRows = Record<string, Record<string, unknown>[]>;

const TABLES = [
  'ProjectStates',
  'SceneStates',
  'AssetStates',
  'RenderCheckpoints',
  'ProjectVersions',
  'ContentBlobs',
  'templates',
  'custom_templates',
  'export_history',
  'ActionLogs',
  'Configurations',
  'Settings',
  'user_setup',
] as const;

export function readLegacy(file: string): LegacyRows {
  const dir = mkdtempSync(path.join(tmpdir(), 'aura-legacy-read-'));
  try {
    const copy = path.join(dir, 'copy.db');
    copyFileSync(file, copy);
    const sqlite = openSqlite(copy, { readonly: true });
    try {
      const out: LegacyRows = {};
      for (const table of TABLES) {
        out[table] = z
          .array(z.record(z.string(), z.unknown()))
          .parse(sqlite.prepare(`SELECT * FROM "${table}"`).all());
      }
      return out;
    } finally {
      sqlite.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The plaintext secrets a legacy file holds: sensitive settings and Settings.ApiKeys. */
export function legacySecrets(rows: LegacyRows): string[] {
  const secrets = new Set<string>();
  for (const row of rows.Configurations ?? []) {
    if (row.IsSensitive === 1 && typeof row.Value === 'string' && row.Value !== '')
      secrets.add(row.Value);
  }
  for (const row of rows.Settings ?? []) {
    const parsed = z
      .object({ ApiKeys: z.record(z.string(), z.string()).optional() })
      .safeParse(JSON.parse(String(row.SettingsJson)));
    for (const value of Object.values(parsed.data?.ApiKeys ?? {})) if (value) secrets.add(value);
  }
  return [...secrets];
}

/** The EF date text as our ISO form (the conversion under test, written independently). */
export function iso(value: unknown): string | null {
  if (typeof value !== 'string' || value.startsWith('0001-01-01')) return null;
  const [date, time = '00:00:00'] = value.split(' ');
  const [hms, fraction = ''] = time.split('.');
  return `${date}T${hms}.${fraction.padEnd(3, '0').slice(0, 3)}Z`;
}

export const lower = (value: unknown) => String(value).toLowerCase();
