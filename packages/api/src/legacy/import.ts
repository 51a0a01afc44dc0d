import {
  PreconditionError,
  SecretError,
  StateError,
  nowIso,
  writeTransaction,
  type AuraDb,
  type SecretOptions,
} from '@aura/db';
import type { Context } from './context';
import { countRows, detectLegacySchema } from './detect';
import { importActionLogs, importExports } from './import-history';
import { importAssets, importCheckpoints, importProjects, importScenes } from './import-projects';
import {
  importConfigurations,
  importUserSetup,
  reportSystemConfiguration,
} from './import-settings';
import { importCustomTemplates, importTemplates } from './import-templates';
import { importVersions } from './import-versions';
import { ReportBuilder, type LegacyImportReport } from './report';
import { openLegacySnapshot } from './snapshot';

/**
 * Imports a .NET Aura database (`aura.db`) into this one: every row that maps onto our tables,
 * converted, in ONE write transaction (all or nothing). Ids are kept (Guids normalised), so a
 * second run of the same file finds every row present and imports nothing, and a different
 * legacy file imports beside it without collisions.
 *
 * Rows keep their own dates: CreatedAt/UpdatedAt/DeletedAt come from the legacy row, and the
 * `*By` fields the .NET app never filled become the importing owner. That is the one place a
 * service writes audit columns itself: an import restores history, it does not create it now.
 */

export interface LegacyImportOptions {
  /** The legacy database file (already checked by the caller: media guard or CLI). */
  source: string;
  dryRun?: boolean;
  /** Who imports: CreatedBy/ModifiedBy/DeletedBy where the legacy row has none. */
  owner: { id: string; email: string };
  secrets?: SecretOptions;
}

/** One import at a time per process: it also keeps this process's fs reads off a file in use. */
let importRunning = false;

class DryRunRollback extends Error {}

export async function importLegacyDatabase(
  db: AuraDb,
  options: LegacyImportOptions,
): Promise<LegacyImportReport> {
  if (importRunning) {
    throw new StateError(
      'Another legacy import is running in this process; try again when it ends',
    );
  }
  importRunning = true;
  const started = Date.now();
  try {
    const snapshot = await openLegacySnapshot(options.source);
    try {
      const schema = detectLegacySchema(snapshot.db, options.source);
      const report = new ReportBuilder();
      const dryRun = options.dryRun ?? false;
      const run = (tx: AuraDb) => {
        importAll({
          tx,
          legacy: snapshot.db,
          schema,
          owner: options.owner.id,
          now: nowIso(),
          dryRun,
          secrets: options.secrets ?? {},
          report,
          scenesByProject: new Map(),
          lastVersionByProject: new Map(),
          projectsPerTemplate: new Map(),
        });
        if (dryRun) throw new DryRunRollback();
      };
      try {
        writeTransaction(db, run);
      } catch (error) {
        if (!(error instanceof DryRunRollback)) {
          if (error instanceof SecretError) throw new PreconditionError(error.message);
          throw error;
        }
      }
      const tables = report.tables;
      // Legacy blobs are not rows of their own here: the new canonical blobs are counted instead.
      const importedRows =
        tables.reduce((n, t) => n + (t.legacyTable === 'ContentBlobs' ? 0 : t.imported), 0) +
        report.blobs.created;
      const nothingNew = importedRows === 0;
      const read = tables.reduce((n, t) => n + t.read, 0);
      const summary = nothingNew
        ? `Nothing new: all ${read} importable rows of this file are already here`
        : `${dryRun ? 'Would import' : 'Imported'} ${importedRows} rows (${importedRows - report.blobs.created} legacy rows and ${report.blobs.created} content blobs; ${read} legacy rows read, ${tables.reduce((n, t) => n + t.skipped, 0)} skipped)`;
      return {
        source: {
          path: options.source,
          sizeBytes: snapshot.sourceBytes,
          journalMode: snapshot.journalMode,
          snapshot: snapshot.method,
          migrations: schema.migrations.length,
          latestMigration: schema.latestMigration,
          productVersion: schema.productVersion,
          ignoredLeftovers: schema.leftovers,
        },
        dryRun,
        owner: options.owner,
        tables,
        conversions: report.conversions,
        legacyOnlyTables: report.legacyOnlyTables,
        legacyOnlyColumns: report.legacyOnlyColumns,
        secretsEncrypted: report.secretsEncrypted,
        contentBlobs: report.blobs,
        importedRows,
        nothingNew,
        summary,
        durationMs: Date.now() - started,
      };
    } finally {
      snapshot.close();
    }
  } finally {
    importRunning = false;
  }
}

/** The legacy tables this importer reads (every other table is reported as legacy-only). */
const HANDLED_TABLES = new Set([
  '__EFMigrationsHistory',
  'ProjectStates',
  'SceneStates',
  'AssetStates',
  'RenderCheckpoints',
  'ProjectVersions',
  'ContentBlobs',
  'templates',
  'custom_templates',
  'CustomTemplates',
  'export_history',
  'ActionLogs',
  'Configurations',
  'user_setup',
  'system_configuration',
]);

const LEGACY_ONLY_NOTES: Record<string, string> = {
  Settings:
    'ApiKeys are imported as sensitive Providers.<Name>.ApiKey settings when not already present; the rest of SettingsJson is not imported',
  users:
    'password_hash is one unsalted SHA-256 with a fixed salt, not importable as a credential; create users with pnpm aura users:create',
  roles: 'our roles are admin, editor and viewer on each user',
};

function importAll(ctx: Context): void {
  importProjects(ctx);
  importScenes(ctx);
  importAssets(ctx);
  importCheckpoints(ctx);
  importVersions(ctx);
  importTemplates(ctx);
  importCustomTemplates(ctx);
  importExports(ctx);
  importActionLogs(ctx);
  importConfigurations(ctx);
  importUserSetup(ctx);
  reportSystemConfiguration(ctx);
  for (const [table] of ctx.schema.tables) {
    if (HANDLED_TABLES.has(table)) continue;
    const note = LEGACY_ONLY_NOTES[table];
    ctx.report.legacyOnlyTables.push({
      table,
      rows: countRows(ctx.legacy, table),
      ...(note ? { note } : {}),
    });
  }
}
