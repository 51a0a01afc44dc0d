import { projectStates, type AuraDb, type SecretOptions, type Sqlite } from '@aura/db';
import { eq } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { SceneContent } from '../versions/snapshot';
import { normalizeId, numberOf, textOf, type Notes } from './convert';
import type { LegacySchema } from './detect';
import type { ReportBuilder } from './report';

// What every table importer shares: the transaction, the legacy snapshot, the report.

export type Row = Record<string, unknown>;

export interface Context {
  tx: AuraDb;
  legacy: Sqlite;
  schema: LegacySchema;
  owner: string;
  now: string;
  dryRun: boolean;
  secrets: SecretOptions;
  report: ReportBuilder;
  /** Legacy scenes by (normalised) project id, for the versions' timelines. */
  scenesByProject: Map<string, { createdAt: string; sceneIndex: number; content: SceneContent }[]>;
  /** Highest legacy VersionNumber by project (deleted rows included). */
  lastVersionByProject: Map<string, number>;
  /** Legacy projects per template id (templates.usage_count was never maintained). */
  projectsPerTemplate: Map<string, number>;
}

export function exists(tx: AuraDb, table: SQLiteTable, column: SQLiteColumn, id: string): boolean {
  return tx.select({ id: column }).from(table).where(eq(column, id)).get() !== undefined;
}

/** The audit fields of an imported row: its own dates, the owner where it names no one. */
export function legacyAudit(
  notes: Notes,
  dates: { createdAt: string | null; updatedAt: string | null },
  by: { createdBy?: unknown; modifiedBy?: unknown },
  owner: string,
  now: string,
) {
  const createdAt = dates.createdAt ?? now;
  if (dates.createdAt === null) notes.note('CreatedAt', 'missing → time of the import');
  const createdBy = textOf(by.createdBy);
  const modifiedBy = textOf(by.modifiedBy);
  if (createdBy === null) notes.note('CreatedBy', 'null → importing owner');
  if (modifiedBy === null) notes.note('ModifiedBy', 'null → importing owner');
  return {
    createdAt,
    updatedAt: dates.updatedAt ?? createdAt,
    createdBy: createdBy ?? owner,
    modifiedBy: modifiedBy ?? owner,
  };
}

export function reportLegacyColumns(
  ctx: Context,
  table: string,
  rows: Row[],
  columns: string[],
): void {
  const present = ctx.schema.tables.get(table);
  for (const column of columns) {
    if (!present?.has(column)) continue;
    const rowsWithValue = rows.filter((r) => {
      const v = r[column];
      return v !== null && v !== undefined && v !== '';
    }).length;
    ctx.report.legacyOnlyColumns.push({ table, column, rowsWithValue });
  }
}

export function clampInt(value: unknown, min: number, max: number): number {
  const n = Math.trunc(numberOf(value) ?? 0);
  return Math.min(max, Math.max(min, n));
}

export function capText(value: string, max: number, column: string, notes: Notes): string {
  if (value.length <= max) return value;
  notes.note(column, `longer than ${max} characters → cut`);
  return value.slice(0, max);
}

/** The project of a child row: its normalised id when present here, else the reason to skip. */
export function parentProject(
  ctx: Context,
  raw: unknown,
  notes: Notes,
): { id: string } | { reason: string } {
  const text = textOf(raw);
  if (text === null) return { reason: 'no ProjectId' };
  const id = normalizeId(text, 'ProjectId', notes);
  return exists(ctx.tx, projectStates, projectStates.id, id)
    ? { id }
    : { reason: `its project ${text} was not imported` };
}

/** Legacy column names written as one block of text (one list per legacy table). */
export function columns(text: string): string[] {
  return text.trim().split(/\s+/);
}
