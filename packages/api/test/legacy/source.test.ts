import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { PreconditionError, projectStates } from '@aura/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLegacyDatabase } from '../../src/legacy/import';
import { openTestDb, type TestDb } from '../helpers';
import { fileDigest, makeLegacyDb } from './fixture';

/**
 * The source file: read through a consistent snapshot, never written, and refused with a clear
 * message when it is not a .NET Aura database this importer knows.
 */

let work: string;
let t: TestDb;
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'aura-legacy-source-'));
  t = openTestDb();
});
afterAll(() => {
  t.close();
  rmSync(work, { recursive: true, force: true });
});

const owner = () => {
  const admin = t.principal('admin');
  return { id: admin.userId, email: admin.email };
};

function python(script: string, ...args: string[]): void {
  execFileSync('python3', ['-c', script, ...args], { stdio: 'pipe' });
}

/** The .NET app with the file open: it committed a change into the WAL, not checkpointed. */
const HOLDER = `
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute('PRAGMA wal_autocheckpoint=0')
con.execute("UPDATE ProjectStates SET Title = Title || ' (edited live)' WHERE Id = (SELECT min(Id) FROM ProjectStates)")
print('ready', flush=True)
sys.stdin.read()
con.close()
`;

describe('a source in use', () => {
  it('reads committed WAL content of a file another process holds open, writing nothing', async () => {
    const dir = mkdtempSync(path.join(work, 'live-'));
    const file = makeLegacyDb(dir, { seed: 21, journalMode: 'wal' });
    const holder = spawn('python3', ['-c', HOLDER, file], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.once('data', () => resolve());
        holder.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
      });
      const names = readdirSync(dir).sort();
      expect(names).toEqual(['legacy-21-wal.db', 'legacy-21-wal.db-shm', 'legacy-21-wal.db-wal']);
      const main = fileDigest(file);
      const wal = fileDigest(`${file}-wal`);

      const report = await importLegacyDatabase(t.db, {
        source: file,
        owner: owner(),
        secrets: { dataDir: t.dir, env: {} },
      });
      expect(report.source.snapshot).toBe('backup-api');
      expect(report.source.journalMode).toBe('wal');
      const titles = t.db.select({ title: projectStates.title }).from(projectStates).all();
      expect(titles.filter((r) => r.title.endsWith(' (edited live)'))).toHaveLength(1);

      expect(fileDigest(file)).toBe(main);
      expect(fileDigest(`${file}-wal`)).toBe(wal);
      expect(readdirSync(dir).sort()).toEqual(names);
    } finally {
      holder.stdin.end();
      await new Promise((resolve) => holder.once('close', resolve));
    }
  });
});

/** A backup script copying a live file without a checkpoint: the main file and its -wal. */
const COPIER = `
import shutil, sqlite3, sys
src, dst = sys.argv[1], sys.argv[2]
con = sqlite3.connect(src, isolation_level=None)
con.execute('PRAGMA wal_autocheckpoint=0')
con.execute("UPDATE ProjectStates SET Title = Title || ' (in the wal)' WHERE Id = (SELECT max(Id) FROM ProjectStates)")
shutil.copyfile(src, dst)
shutil.copyfile(src + '-wal', dst + '-wal')
con.close()
`;

describe('a copy taken without a checkpoint', () => {
  it('reads the -wal left beside the file, creating nothing beside it', async () => {
    const dir = mkdtempSync(path.join(work, 'copied-'));
    const live = makeLegacyDb(dir, { seed: 24, journalMode: 'wal' });
    const copyDir = mkdtempSync(path.join(work, 'copied-to-'));
    const file = path.join(copyDir, 'aura.db');
    python(COPIER, live, file);
    expect(readdirSync(copyDir).sort()).toEqual(['aura.db', 'aura.db-wal']);
    const main = fileDigest(file);
    const wal = fileDigest(`${file}-wal`);
    const t2 = openTestDb();
    try {
      const admin = t2.principal('admin');
      const report = await importLegacyDatabase(t2.db, {
        source: file,
        owner: { id: admin.userId, email: admin.email },
        secrets: { dataDir: t2.dir, env: {} },
      });
      expect(report.source.snapshot).toBe('file-copy');
      const titles = t2.db.select({ title: projectStates.title }).from(projectStates).all();
      expect(titles.filter((r) => r.title.endsWith(' (in the wal)'))).toHaveLength(1);
    } finally {
      t2.close();
    }
    expect(readdirSync(copyDir).sort()).toEqual(['aura.db', 'aura.db-wal']);
    expect(fileDigest(file)).toBe(main);
    expect(fileDigest(`${file}-wal`)).toBe(wal);
  });
});

describe('refusals', () => {
  const refuses = async (file: string, message: RegExp) => {
    const before = t.db.select().from(projectStates).all().length;
    const digest = fileDigest(file);
    const error = await importLegacyDatabase(t.db, {
      source: file,
      owner: owner(),
      secrets: { dataDir: t.dir, env: {} },
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PreconditionError);
    expect((error as Error).message).toMatch(message);
    expect(t.db.select().from(projectStates).all()).toHaveLength(before);
    expect(fileDigest(file)).toBe(digest);
  };

  it('refuses a file that is not a SQLite database', async () => {
    const file = path.join(work, 'notes.db');
    writeFileSync(file, 'just some text, not a database\n'.repeat(10));
    await refuses(file, /not a SQLite database/);
  });

  it('refuses a SQLite database that is not a .NET Aura one', async () => {
    const file = path.join(work, 'other.db');
    python(
      "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)'); c.commit(); c.close()",
      file,
    );
    await refuses(file, /not a \.NET Aura database: it has no __EFMigrationsHistory/);
  });

  it('refuses a file written by a newer version of the .NET app', async () => {
    const dir = mkdtempSync(path.join(work, 'newer-'));
    const source = makeLegacyDb(dir, { seed: 22, journalMode: 'delete' });
    const file = path.join(dir, 'newer.db');
    copyFileSync(source, file);
    python(
      "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(\"INSERT INTO __EFMigrationsHistory VALUES ('20260115093000_AddCloudSync', '9.0.1')\"); c.commit(); c.close()",
      file,
    );
    await refuses(
      file,
      /newer or unknown version of the \.NET app \(migration 20260115093000_AddCloudSync\)/,
    );
  });

  it('accepts an older history and ignores the leftovers of a crashed migration', async () => {
    const dir = mkdtempSync(path.join(work, 'older-'));
    const source = makeLegacyDb(dir, { seed: 23, journalMode: 'delete' });
    const file = path.join(dir, 'older.db');
    copyFileSync(source, file);
    python(
      "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(\"DELETE FROM __EFMigrationsHistory WHERE MigrationId LIKE '20251122%'\"); c.execute('CREATE TABLE ef_temp_custom_templates (id TEXT)'); c.commit(); c.close()",
      file,
    );
    const report = await importLegacyDatabase(t.db, {
      source: file,
      owner: owner(),
      dryRun: true,
    });
    expect(report.source.migrations).toBe(7);
    expect(report.source.latestMigration).toBe('20251121045900_AddCreatedByToConfigurations');
    expect(report.source.ignoredLeftovers).toEqual(['ef_temp_custom_templates']);
    expect(report.legacyOnlyTables.map((r) => r.table)).not.toContain('ef_temp_custom_templates');
  });

  it('refuses a missing file', async () => {
    const error = await importLegacyDatabase(t.db, {
      source: path.join(work, 'missing.db'),
      owner: owner(),
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PreconditionError);
  });
});
