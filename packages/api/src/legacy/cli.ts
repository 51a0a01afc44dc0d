import { writeFileSync } from 'node:fs';
import { databasePath, isLiveDatabaseFile, resolveFromRoot, type AuraDb } from '@aura/db';
import { importLegacyDatabase } from './import';
import { defaultOwner, ownerByEmail } from './owner';
import type { LegacyImportReport } from './report';

/**
 * `pnpm aura import:legacy <file> [--dry-run] [--report <file.json>] [--owner <email>]`.
 * Relative paths are taken from the repository root, like every path of the CLI.
 */
export const IMPORT_LEGACY_USAGE =
  'import:legacy <file> [--dry-run] [--report <file.json>] [--owner <email>]   import a .NET Aura database';

export class LegacyUsageError extends Error {}

export interface ImportLegacyArgs {
  file: string;
  dryRun: boolean;
  reportFile: string | null;
  ownerEmail: string | null;
}

export function parseImportLegacyArgs(args: readonly string[]): ImportLegacyArgs {
  const rest = [...args];
  const option = (name: string): string | null => {
    const i = rest.indexOf(`--${name}`);
    if (i === -1) return null;
    const value = rest[i + 1];
    if (value === undefined || value.startsWith('--')) {
      throw new LegacyUsageError(`--${name} needs a value.`);
    }
    rest.splice(i, 2);
    return value;
  };
  const reportFile = option('report');
  const ownerEmail = option('owner');
  const dryIndex = rest.indexOf('--dry-run');
  if (dryIndex !== -1) rest.splice(dryIndex, 1);
  const unknown = rest.find((a) => a.startsWith('--'));
  if (unknown) throw new LegacyUsageError(`Unknown option ${unknown}.`);
  if (rest.length !== 1 || rest[0] === undefined) {
    throw new LegacyUsageError('Name exactly one legacy database file.');
  }
  return { file: rest[0], dryRun: dryIndex !== -1, reportFile, ownerEmail };
}

/** The report as the terminal shows it (the JSON file has everything). */
export function formatReport(report: LegacyImportReport): string {
  const lines: string[] = [];
  const s = report.source;
  lines.push(
    `${report.dryRun ? 'Dry run of' : 'Imported'} ${s.path} (${s.sizeBytes} bytes, ${s.journalMode} journal, ${s.migrations} migrations up to ${s.latestMigration}) for ${report.owner.email}`,
  );
  lines.push('', 'Table                    → ours                  read  imported  skipped');
  for (const t of report.tables) {
    lines.push(
      `${t.legacyTable.padEnd(24)} → ${(t.targetTable ?? '-').padEnd(20)} ${String(t.read).padStart(5)}  ${String(t.imported).padStart(8)}  ${String(t.skipped).padStart(7)}`,
    );
    for (const skip of t.skips.slice(0, 20)) lines.push(`    skipped ${skip.id}: ${skip.reason}`);
    if (t.skips.length > 20) lines.push(`    … and ${t.skips.length - 20} more (see --report)`);
  }
  const b = report.contentBlobs;
  lines.push(
    '',
    `Content blobs: ${b.created} new, ${b.referencesAdded} references, ${b.hashMismatches} legacy hash mismatch(es)`,
  );
  lines.push(`Conversions applied: ${report.conversions.length} kinds (see --report)`);
  if (report.secretsEncrypted.length > 0) {
    lines.push(
      `${report.dryRun ? 'Secrets to encrypt' : 'Secrets encrypted'}: ${report.secretsEncrypted.map((x) => x.key).join(', ')}`,
    );
  }
  if (report.legacyOnlyTables.length > 0) {
    lines.push(
      `Not imported (no counterpart here): ${report.legacyOnlyTables.map((t) => `${t.table} (${t.rows})`).join(', ')}`,
    );
  }
  lines.push('', `${report.summary} in ${report.durationMs} ms.`);
  if (report.dryRun) lines.push('Dry run: nothing was written.');
  return lines.join('\n');
}

/** Runs the command on `db`; returns the exit code. */
export async function runImportLegacy(db: AuraDb, args: ImportLegacyArgs): Promise<number> {
  const source = resolveFromRoot(args.file);
  const ownDb = databasePath();
  if (isLiveDatabaseFile(source, ownDb)) {
    console.error(`Error: ${source} is this service's own database, not a legacy one.`);
    return 1;
  }
  const reportFile = args.reportFile === null ? null : resolveFromRoot(args.reportFile);
  if (reportFile !== null && (isLiveDatabaseFile(reportFile, ownDb) || reportFile === source)) {
    console.error(`Error: the report cannot be written over ${reportFile}.`);
    return 1;
  }
  const owner = args.ownerEmail ? ownerByEmail(db, args.ownerEmail) : defaultOwner(db);
  const report = await importLegacyDatabase(db, { source, dryRun: args.dryRun, owner });
  console.log(formatReport(report));
  if (reportFile !== null) {
    writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`Report written to ${reportFile}.`);
  }
  return 0;
}
