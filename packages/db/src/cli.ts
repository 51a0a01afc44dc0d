import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openSqlite } from './client';
import { schemaDrift } from './drift';
import { DataError } from './errors';
import { backupDatabase, formatVerifyReport, restoreDatabase, verifyDatabase } from './maintenance';
import {
  loadMigrations,
  migrationScript,
  migrationStatus,
  unknownAppliedMigrations,
} from './migrations';
import { backupDirectory, databasePath, resolveFromRoot } from './paths';
import { migrateDatabase, rollbackDatabase } from './setup';

/**
 * The db CLI behind `pnpm db:*` (mirrors the seed's run-migrations/backup/restore scripts).
 * Relative paths are resolved against the workspace root, whichever directory runs it.
 * Exit codes: 0 done, 1 refused or failed (nothing changed), 2 bad usage.
 */

const USAGE = `Usage: pnpm db:<command> [arguments]

  db:migrate                 apply pending migrations (safety backup first when data exists), seed
  db:status                  list every migration: applied (with when) or pending
  db:rollback <migration>    revert every migration newer than <migration> (0 reverts all)
  db:script <file>           write the SQL of all migrations to <file>
  db:backup [dir] [--keep N] online backup to [dir] (default ${path.relative(process.cwd(), backupDirectory()) || '.'}), keep newest N (10)
  db:restore <file>          restore a backup (stop the web server and worker first)
  db:verify                  integrity, foreign keys, migrations and schema check

Database: AURA_DB_PATH (default data/aura.db under the workspace root).`;

class UsageError extends Error {}

function requireArg(args: string[], what: string): string {
  const value = args.find((a) => !a.startsWith('--'));
  if (!value) throw new UsageError(`Missing ${what}.`);
  return value;
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i === -1) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--'))
    throw new UsageError(`--${name} needs a value.`);
  args.splice(i, 2);
  return value;
}

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${name} must be a whole number ≥ 1, got "${value}".`);
  return n;
}

async function run(command: string | undefined, args: string[]): Promise<number> {
  const dbPath = databasePath();
  switch (command) {
    case 'migrate': {
      const result = migrateDatabase({ dbPath });
      console.log(`Database: ${result.dbPath}`);
      if (result.safetyBackup) console.log(`Safety backup: ${result.safetyBackup}`);
      if (result.applied.length === 0) console.log('Nothing to migrate: the schema is up to date.');
      else for (const tag of result.applied) console.log(`Applied ${tag}`);
      if (result.seed.systemConfigurationCreated) console.log('Seeded SystemConfiguration.');
      if (result.seed.templatesCreated > 0)
        console.log(`Seeded ${result.seed.templatesCreated} system template(s).`);
      if (result.seed.settingsCreated > 0)
        console.log(`Seeded ${result.seed.settingsCreated} retention and backup setting(s).`);
      return 0;
    }
    case 'status': {
      const migrations = loadMigrations();
      console.log(`Database: ${dbPath}`);
      if (!existsSync(dbPath)) {
        console.log('The database does not exist yet; every migration is pending.');
        for (const m of migrations) console.log(`  pending   ${m.tag}`);
        return 0;
      }
      const sqlite = openSqlite(dbPath, { readonly: true });
      try {
        for (const s of migrationStatus(sqlite, migrations)) {
          const state = s.applied ? `applied   ${s.tag}  (${s.appliedAt})` : `pending   ${s.tag}`;
          console.log(`  ${state}${s.modified ? '  MODIFIED since it was applied' : ''}`);
        }
        for (const tag of unknownAppliedMigrations(sqlite, migrations))
          console.log(`  unknown   ${tag}  (applied by a newer version of Aura Data)`);
      } finally {
        sqlite.close();
      }
      return 0;
    }
    case 'rollback': {
      const target = requireArg(args, 'migration name (see db:status; 0 reverts everything)');
      const result = rollbackDatabase(target, { dbPath });
      console.log(`Database: ${result.dbPath}`);
      if (result.safetyBackup) console.log(`Safety backup: ${result.safetyBackup}`);
      if (result.reverted.length === 0)
        console.log(`Nothing to roll back: ${target} is the newest applied migration.`);
      else for (const tag of result.reverted) console.log(`Reverted ${tag}`);
      return 0;
    }
    case 'script': {
      const file = resolveFromRoot(requireArg(args, 'output file'));
      const dir = path.dirname(file);
      if (!existsSync(dir) || !statSync(dir).isDirectory())
        throw new UsageError(`The folder ${dir} does not exist.`);
      if (existsSync(file) && statSync(file).isDirectory())
        throw new UsageError(`${file} is a folder; name a file.`);
      writeFileSync(file, migrationScript(loadMigrations()));
      console.log(`Wrote the SQL of all migrations to ${file}`);
      return 0;
    }
    case 'backup': {
      const keep = positiveInt(option(args, 'keep'), 'keep');
      const dirArg = args.find((a) => !a.startsWith('--'));
      const result = backupDatabase({
        dbPath,
        dir: dirArg ? resolveFromRoot(dirArg) : undefined,
        keep,
      });
      console.log(`Backup written: ${result.file} (${result.sizeBytes} bytes, integrity ok)`);
      for (const file of result.pruned) console.log(`Removed old backup ${file}`);
      return 0;
    }
    case 'restore': {
      const file = resolveFromRoot(requireArg(args, 'backup file to restore'));
      const result = restoreDatabase({ file, dbPath });
      if (result.safetyCopy)
        console.log(`Safety copy of the previous database: ${result.safetyCopy}`);
      console.log(`Restored ${dbPath} from ${result.restoredFrom}`);
      if (result.migratedForErasures.length > 0)
        console.log(
          `Applied ${result.migratedForErasures.length} migration(s) to the restored database to erase forgotten users again: ${result.migratedForErasures.join(', ')}`,
        );
      if (result.reappliedErasures.length > 0) {
        console.log(
          `Re-applied ${result.reappliedErasures.length} erasure(s) recorded after this backup was taken, before the database was used:`,
        );
        for (const e of result.reappliedErasures)
          console.log(
            `  erasure ${e.id} of ${e.erasedAt}: ${e.userFound ? 'the user was in the backup and is erased again' : 'the user was not in the backup (nothing to erase)'}`,
          );
      }
      if (result.pendingMigrations.length > 0)
        console.log(
          `The backup predates ${result.pendingMigrations.length} migration(s) (${result.pendingMigrations.join(', ')}): run pnpm db:migrate before starting the server.`,
        );
      return 0;
    }
    case 'verify': {
      const result = verifyDatabase({ dbPath });
      console.log(formatVerifyReport(result));
      return result.ok ? 0 : 1;
    }
    case 'check-drift': {
      const statements = await schemaDrift();
      if (statements.length === 0) {
        console.log('schema.ts and the committed migrations agree.');
        return 0;
      }
      console.error('schema.ts differs from the committed migrations. Generate a migration with');
      console.error('  pnpm --filter @aura/db generate --name <what_changed>');
      console.error('and write its down script in packages/db/migrations/down/. Missing SQL:');
      for (const s of statements) console.error(`  ${s}`);
      return 1;
    }
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`Unknown command "${command}".`);
  }
}

const [command, ...args] = process.argv.slice(2).filter((a) => a !== '--');
run(command, args).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else if (error instanceof DataError) {
      console.error(`Error: ${error.message}`);
      process.exitCode = 1;
    } else {
      console.error(error);
      process.exitCode = 1;
    }
  },
);
