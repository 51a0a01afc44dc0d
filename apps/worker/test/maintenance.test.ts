import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkReferenceCounts, createVersion, getConfig, setConfig } from '@aura/api/testing';
import { exportTempFile } from '@aura/api/worker';
import {
  actionLogs,
  applyMigrations,
  assetStates,
  contentBlobs,
  createDb,
  customTemplates,
  exportHistory,
  insertAudited,
  openSqlite,
  projectStates,
  renderCheckpoints,
  seedDatabase,
  type AuraDb,
} from '@aura/db';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../src/log';
import {
  MAINTENANCE_INTERVALS,
  MAINTENANCE_JOB_NAMES,
  createMaintenanceJobs,
} from '../src/maintenance';
import { Scheduler } from '../src/scheduler';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = new Date('2030-01-15T12:00:00.000Z');
const ago = (ms: number, from = NOW) => new Date(from.getTime() - ms).toISOString();

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function memoryLogger() {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const logger: Logger = {
    info: (msg, fields = {}) => lines.push({ level: 'info', msg, fields }),
    warn: (msg, fields = {}) => lines.push({ level: 'warn', msg, fields }),
    error: (msg, fields = {}) => lines.push({ level: 'error', msg, fields }),
  };
  const done = (job: string) =>
    lines.filter((l) => l.msg === 'job done' && l.fields.job === job).at(-1)?.fields;
  return { lines, logger, done };
}

function database() {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'aura-worker-maintenance-')));
  const file = path.join(dir, 'aura.db');
  const sqlite = openSqlite(file);
  applyMigrations(sqlite);
  const db = createDb(sqlite);
  const output = path.join(dir, 'output');
  mkdirSync(output);
  seedDatabase(db, { outputDirectory: output });
  cleanups.push(() => {
    sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { db, dir, file, output, backups: path.join(dir, 'backups') };
}

const raw = (db: AuraDb, text: string, ...params: unknown[]) =>
  db.$client.prepare(text).run(...params);
const rows = (db: AuraDb, text: string, ...params: unknown[]) =>
  db.$client.prepare(text).all(...params) as Record<string, unknown>[];
const ids = (db: AuraDb, table: string) =>
  rows(db, `SELECT Id FROM "${table}" ORDER BY Id`).map((r) => r.Id);

function touch(p: string): string {
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, 'x');
  return p;
}

function setSetting(db: AuraDb, key: string, value: number) {
  const current = getConfig(db, { key, includeInactive: false });
  setConfig(db, null, { key, value, rowVersion: current.rowVersion });
}

/** One row (or file) each job must remove, and one beside it that it must not touch. */
function craft(db: AuraDb, dir: string, output: string) {
  const project = insertAudited(db, projectStates, { title: 'Work', briefJson: '{"n":0}' }, 't');
  const done = insertAudited(db, projectStates, { title: 'Done', status: 'Completed' }, 't');
  // temporary assets
  const oldTemp = insertAudited(
    db,
    assetStates,
    {
      projectId: project.id,
      assetType: 'Image',
      filePath: touch(path.join(dir, 'media', 'tmp', 'old.png')),
      isTemporary: true,
    },
    't',
  );
  raw(db, `UPDATE AssetStates SET CreatedAt = ? WHERE Id = ?`, ago(2 * DAY), oldTemp.id);
  const newTemp = insertAudited(
    db,
    assetStates,
    {
      projectId: project.id,
      assetType: 'Image',
      filePath: touch(path.join(dir, 'media', 'tmp', 'new.png')),
      isTemporary: true,
    },
    't',
  );
  raw(db, `UPDATE AssetStates SET CreatedAt = ? WHERE Id = ?`, ago(HOUR), newTemp.id);
  // action logs
  const expiring = insertAudited(
    db,
    actionLogs,
    { userId: 'u', actionType: 't', description: 'old', status: 'Applied', expiresAt: ago(HOUR) },
    't',
  );
  const live = insertAudited(
    db,
    actionLogs,
    { userId: 'u', actionType: 't', description: 'live', status: 'Applied', expiresAt: ago(-DAY) },
    't',
  );
  // autosaves: 22 of them, the newest 20 kept
  const autosaves: string[] = [];
  for (let i = 0; i < 22; i++) {
    raw(
      db,
      `UPDATE ProjectStates SET BriefJson = ? WHERE Id = ?`,
      JSON.stringify({ n: i + 1 }),
      project.id,
    );
    const { version } = createVersion(
      db,
      't',
      { projectId: project.id, versionType: 'Autosave' },
      { retention: { keepLast: 1000, dailyDays: 7, weeklyWeeks: 4 } },
    );
    raw(
      db,
      `UPDATE ProjectVersions SET CreatedAt = ? WHERE Id = ?`,
      ago((30 - i) * MINUTE),
      version.id,
    );
    autosaves.push(version.id);
  }
  // blobs
  const orphan = insertAudited(
    db,
    contentBlobs,
    {
      contentHash: 'a'.repeat(64),
      content: '"x"',
      contentType: 'Brief',
      sizeBytes: 3,
      referenceCount: 0,
      lastReferencedAt: ago(2 * HOUR),
    },
    't',
  );
  const fresh = insertAudited(
    db,
    contentBlobs,
    {
      contentHash: 'b'.repeat(64),
      content: '"y"',
      contentType: 'Brief',
      sizeBytes: 3,
      referenceCount: 0,
      lastReferencedAt: ago(MINUTE),
    },
    't',
  );
  // trash
  const oldTrash = insertAudited(
    db,
    customTemplates,
    { name: 'Old', category: 'C', author: 'a' },
    't',
  );
  raw(
    db,
    `UPDATE CustomTemplates SET IsDeleted = 1, DeletedAt = ? WHERE Id = ?`,
    ago(40 * DAY),
    oldTrash.id,
  );
  const newTrash = insertAudited(
    db,
    customTemplates,
    { name: 'New', category: 'C', author: 'a' },
    't',
  );
  raw(
    db,
    `UPDATE CustomTemplates SET IsDeleted = 1, DeletedAt = ? WHERE Id = ?`,
    ago(DAY),
    newTrash.id,
  );
  // checkpoints
  const doneCheckpoint = insertAudited(
    db,
    renderCheckpoints,
    { projectId: done.id, stageName: 'Render' },
    't',
  );
  const liveCheckpoint = insertAudited(
    db,
    renderCheckpoints,
    { projectId: project.id, stageName: 'TTS' },
    't',
  );
  // exports
  const oldExport = insertAudited(
    db,
    exportHistory,
    {
      inputFile: '/in.mp4',
      outputFile: path.join(output, 'old.mp4'),
      presetName: 'p',
      status: 'Failed',
    },
    't',
  );
  raw(db, `UPDATE ExportHistory SET CreatedAt = ? WHERE Id = ?`, ago(100 * DAY), oldExport.id);
  const oldPart = touch(exportTempFile(oldExport.outputFile, oldExport.id, 1));
  const running = insertAudited(
    db,
    exportHistory,
    {
      inputFile: '/in.mp4',
      outputFile: path.join(output, 'run.mp4'),
      presetName: 'p',
      status: 'InProgress',
    },
    't',
  );
  raw(db, `UPDATE ExportHistory SET CreatedAt = ? WHERE Id = ?`, ago(100 * DAY), running.id);
  const runningPart = touch(exportTempFile(running.outputFile, running.id, 1));
  // a stale project: `project` was last updated now (real clock), long before NOW
  return {
    project,
    done,
    oldTemp,
    newTemp,
    expiring,
    live,
    autosaves,
    orphan,
    fresh,
    oldTrash,
    newTrash,
    doneCheckpoint,
    liveCheckpoint,
    oldExport,
    oldPart,
    running,
    runningPart,
  };
}

describe('createMaintenanceJobs', () => {
  it('gives one job per cleanup and the backup, each on its own interval', () => {
    const { db, file } = database();
    const jobs = createMaintenanceJobs({
      db,
      log: memoryLogger().logger,
      dbPath: file,
      intervals: { backup: 5_000 },
    });
    expect(jobs.map((j) => j.name)).toEqual([...MAINTENANCE_JOB_NAMES]);
    expect(Object.fromEntries(jobs.map((j) => [j.name, j.intervalMs]))).toEqual({
      ...MAINTENANCE_INTERVALS,
      backup: 5_000,
    });
    expect(MAINTENANCE_INTERVALS).toMatchObject({
      'cleanup.blobs': 5 * MINUTE,
      'cleanup.actionLogs': 5 * MINUTE,
      'cleanup.temporaryAssets': HOUR,
    });
  });

  it('runs every job on crafted data, logs what each did, touches nothing else, and is idempotent', async () => {
    const { db, dir, file, output, backups } = database();
    const data = craft(db, dir, output);
    const { lines, logger, done } = memoryLogger();
    const jobs = createMaintenanceJobs({
      db,
      log: logger,
      dbPath: file,
      backupDir: backups,
      roots: [path.join(dir, 'media')],
      now: () => NOW,
    });
    const scheduler = new Scheduler(jobs, 1_000, logger, () => NOW.getTime());
    await scheduler.tick(true);

    expect(lines.filter((l) => l.msg === 'job failed')).toEqual([]);
    expect(done('cleanup.temporaryAssets')).toMatchObject({ deleted: 1, filesDeleted: 1 });
    expect(done('cleanup.actionLogs')).toMatchObject({ expired: 1, deleted: 0 });
    expect(done('cleanup.autosaves')).toMatchObject({ projectsPruned: 1, versionsPruned: 2 });
    expect(done('cleanup.blobs')!.removed).toBeGreaterThan(1);
    expect(done('cleanup.trash')).toMatchObject({ projects: 0, versions: 0, customTemplates: 1 });
    expect(done('cleanup.checkpoints')).toMatchObject({
      completedProjectCheckpoints: 1,
      invalidCheckpoints: 0,
    });
    expect(done('cleanup.exports')).toMatchObject({ deleted: 1, partFilesDeleted: 1 });
    expect(done('recovery.flagStale')).toMatchObject({
      stale: 1,
      flagged: 1,
      projects: [data.project.id],
    });
    expect(lines.find((l) => l.msg === 'project flagged for recovery')?.fields).toMatchObject({
      projectId: data.project.id,
      title: 'Work',
    });
    expect(done('backup')).toMatchObject({ due: true, pruned: 0 });
    // Every cleanup logs how long it held the write lock at worst (its longest transaction).
    for (const job of MAINTENANCE_JOB_NAMES.filter((name) => name !== 'backup')) {
      expect(done(job), job).toMatchObject({
        writeTransactions: expect.any(Number),
        maxLockMs: expect.any(Number),
        p95LockMs: expect.any(Number),
        maxLockCpuMs: expect.any(Number),
      });
    }
    expect(done('cleanup.trash')).toMatchObject({ skipped: 0 });

    // What each job removed…
    expect(existsSync(data.oldTemp.filePath)).toBe(false);
    expect(rows(db, `SELECT Status FROM ActionLogs WHERE Id = ?`, data.expiring.id)).toEqual([
      { Status: 'Expired' },
    ]);
    expect(ids(db, 'ProjectVersions')).toEqual([...data.autosaves.slice(2)].sort());
    expect(ids(db, 'CustomTemplates')).toEqual([data.newTrash.id]);
    // The orphan, and the blobs only the pruned autosaves referenced (released at real time, long
    // before NOW), are gone; the fresh orphan is within its grace period; counts stay exact.
    expect(rows(db, `SELECT ContentHash FROM ContentBlobs WHERE ReferenceCount = 0`)).toEqual([
      { ContentHash: data.fresh.contentHash },
    ]);
    expect(checkReferenceCounts(db).mismatches).toEqual([]);
    expect(ids(db, 'RenderCheckpoints')).toEqual([data.liveCheckpoint.id]);
    expect(ids(db, 'ExportHistory')).toEqual([data.running.id]);
    expect(existsSync(data.oldPart)).toBe(false);
    expect(
      rows(db, `SELECT ErrorMessage, RowVersion FROM ProjectStates WHERE Id = ?`, data.project.id),
    ).toEqual([
      {
        ErrorMessage: expect.stringMatching(/^Interrupted: no progress since /),
        RowVersion: data.project.rowVersion,
      },
    ]);
    const backupFiles = readdirSync(backups);
    expect(backupFiles).toHaveLength(1);
    expect(rows(db, `SELECT Trigger, Status, File FROM BackupRuns`)).toEqual([
      { Trigger: 'Scheduled', Status: 'Succeeded', File: path.join(backups, backupFiles[0]!) },
    ]);
    // …and what it left.
    expect(existsSync(data.newTemp.filePath)).toBe(true);
    expect(ids(db, 'AssetStates')).toEqual([data.newTemp.id]);
    expect(
      rows(db, `SELECT Status, RowVersion FROM ActionLogs WHERE Id = ?`, data.live.id),
    ).toEqual([{ Status: 'Applied', RowVersion: 1 }]);
    expect(existsSync(data.runningPart)).toBe(true);
    expect(ids(db, 'ProjectStates')).toEqual([data.project.id, data.done.id].sort());

    // A second pass has nothing left to do (and no backup is due yet).
    lines.length = 0;
    await scheduler.tick(true);
    expect(lines.filter((l) => l.msg === 'job failed')).toEqual([]);
    expect(done('cleanup.temporaryAssets')).toMatchObject({ deleted: 0, filesDeleted: 0 });
    expect(done('cleanup.actionLogs')).toMatchObject({ expired: 0, deleted: 0 });
    expect(done('cleanup.autosaves')).toMatchObject({ versionsPruned: 0 });
    expect(done('cleanup.blobs')).toMatchObject({ removed: 0 });
    expect(done('cleanup.trash')).toMatchObject({ projects: 0, versions: 0, customTemplates: 0 });
    expect(done('cleanup.checkpoints')).toMatchObject({
      completedProjectCheckpoints: 0,
      invalidCheckpoints: 0,
    });
    expect(done('cleanup.exports')).toMatchObject({ deleted: 0, partFilesDeleted: 0 });
    expect(done('recovery.flagStale')).toMatchObject({ flagged: 0, projects: [] });
    expect(done('backup')).toMatchObject({
      due: false,
      nextDueAt: new Date(NOW.getTime() + 6 * HOUR).toISOString(),
    });
    expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('reads the settings at every run: a changed retention applies on the next run', async () => {
    const { db, dir, file, backups } = database();
    const project = insertAudited(db, projectStates, { title: 'P' }, 't');
    const temp = insertAudited(
      db,
      assetStates,
      {
        projectId: project.id,
        assetType: 'Audio',
        filePath: touch(path.join(dir, 'media', 'a.wav')),
        isTemporary: true,
      },
      't',
    );
    raw(db, `UPDATE AssetStates SET CreatedAt = ? WHERE Id = ?`, ago(2 * HOUR), temp.id);
    const { logger, done } = memoryLogger();
    const [tempJob] = createMaintenanceJobs({
      db,
      log: logger,
      dbPath: file,
      backupDir: backups,
      roots: [path.join(dir, 'media')],
      now: () => NOW,
    });
    const scheduler = new Scheduler([tempJob!], 1_000, logger, () => NOW.getTime());
    await scheduler.tick(true);
    expect(done('cleanup.temporaryAssets')).toMatchObject({ deleted: 0 });
    setSetting(db, 'Retention.TemporaryAssetHours', 1);
    await scheduler.tick(true);
    expect(done('cleanup.temporaryAssets')).toMatchObject({ deleted: 1, filesDeleted: 1 });
  });

  it('warns once when a setting falls back to its default', async () => {
    const { db, file, backups } = database();
    // Written by hand: config.set refuses it.
    raw(db, `UPDATE Configurations SET Value = '0' WHERE Key = 'Retention.BlobGraceMinutes'`);
    const { lines, logger } = memoryLogger();
    const jobs = createMaintenanceJobs({ db, log: logger, dbPath: file, backupDir: backups });
    const blobs = jobs.find((j) => j.name === 'cleanup.blobs')!;
    await blobs.run();
    await blobs.run();
    const warnings = lines.filter((l) => l.msg === 'maintenance settings fall back to defaults');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.fields.warnings).toEqual([
      'Retention.BlobGraceMinutes must be a whole number from 1 to 10080; using the default 60',
    ]);
  });

  it('backs up when the newest run is older than Backup.IntervalHours, rotating to Backup.Keep', async () => {
    const { db, file, backups } = database();
    let clock = NOW.getTime();
    const { lines, logger, done } = memoryLogger();
    const backup = createMaintenanceJobs({
      db,
      log: logger,
      dbPath: file,
      backupDir: backups,
      now: () => new Date(clock),
    }).find((j) => j.name === 'backup')!;
    const scheduler = new Scheduler([backup], 1_000, logger, () => clock);
    setSetting(db, 'Backup.Keep', 2);

    await scheduler.tick(true);
    expect(done('backup')).toMatchObject({
      due: true,
      file: path.join(backups, 'aura_backup_20300115_120000.db'),
    });
    // Not again until the interval has passed since the newest run.
    clock = NOW.getTime() + 5 * HOUR;
    await scheduler.tick(true);
    expect(done('backup')).toMatchObject({
      due: false,
      nextDueAt: new Date(NOW.getTime() + 6 * HOUR).toISOString(),
    });
    // A shorter interval set through the config API applies at the next check.
    setSetting(db, 'Backup.IntervalHours', 4);
    await scheduler.tick(true);
    expect(done('backup')).toMatchObject({ due: true, pruned: 0 });
    clock = NOW.getTime() + 9 * HOUR;
    await scheduler.tick(true);
    expect(done('backup')).toMatchObject({ due: true, pruned: 1 });
    expect(readdirSync(backups).filter((f) => f.endsWith('.db'))).toHaveLength(2);
    expect(rows(db, `SELECT Status, PrunedCount FROM BackupRuns ORDER BY StartedAt`)).toEqual([
      { Status: 'Succeeded', PrunedCount: 0 },
      { Status: 'Succeeded', PrunedCount: 0 },
      { Status: 'Succeeded', PrunedCount: 1 },
    ]);
    expect(lines.filter((l) => l.msg === 'job failed')).toEqual([]);
  });

  it('records a failed backup and fails the job, so the heartbeat shows the reason', async () => {
    const { db, dir, file } = database();
    const blocker = touch(path.join(dir, 'blocker'));
    const { lines, logger } = memoryLogger();
    const backup = createMaintenanceJobs({
      db,
      log: logger,
      dbPath: file,
      backupDir: path.join(blocker, 'backups'),
    }).find((j) => j.name === 'backup')!;
    const scheduler = new Scheduler([backup], 1_000, logger);
    await scheduler.tick(true);
    expect(lines.find((l) => l.msg === 'job failed')?.fields).toMatchObject({
      job: 'backup',
      error: expect.stringMatching(/^Backup failed: Cannot create the backup directory/),
    });
    expect(scheduler.snapshot()[0]).toMatchObject({
      failures: 1,
      lastError: expect.stringMatching(/Backup failed/),
    });
    expect(rows(db, `SELECT Trigger, Status, File, ErrorMessage FROM BackupRuns`)).toEqual([
      {
        Trigger: 'Scheduled',
        Status: 'Failed',
        File: null,
        ErrorMessage: expect.stringMatching(/blocker/),
      },
    ]);
  });
});
