import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import type * as FsModule from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  actionLogs,
  assetStates,
  backupRuns,
  contentBlobs,
  customTemplates,
  exportHistory,
  insertAudited,
  openSqlite,
  projectStates,
  projectVersions,
  renderCheckpoints,
  sceneStates,
  seedDatabase,
  type ActionStatus,
  type AuraDb,
  type ExportStatus,
  workspaceRoot,
} from '@aura/db';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { exportTempFile } from '../src/exports/jobs';
import {
  backupSchedule,
  buildBackupRunListQuery,
  runScheduledBackup,
} from '../src/maintenance/backups';
import {
  buildActiveExportOutputsQuery,
  buildAutosaveCountQuery,
  buildCompletedProjectCheckpointsQuery,
  buildDeletableActionsQuery,
  buildExpiringActionsQuery,
  buildInvalidCheckpointsQuery,
  buildOldExportsQuery,
  buildProjectIdPageQuery,
  buildPurgeableCustomTemplatesQuery,
  buildPurgeableProjectsQuery,
  buildPurgeableVersionsQuery,
  buildTemporaryAssetQuery,
  buildUnflaggedStaleProjectsQuery,
  cleanupCheckpoints,
  cleanupExportHistory,
  cleanupTemporaryAssets,
  collectUnreferencedBlobs,
  expireActionLogs,
  flagStaleProjects,
  pruneAllAutosaves,
  purgeSoftDeleted,
} from '../src/maintenance/cleanup';
import { backupListInput } from '../src/maintenance/schema';
import {
  MAINTENANCE_DEFAULTS,
  readMaintenanceSettings,
  type MaintenanceSettingKey,
} from '../src/maintenance/settings';
import { checkReferenceCounts, createVersion, softDeleteVersion } from '../src/versions/service';
import { insertProject, openTestDb, type TestDb } from './helpers';

// The file-system refusal test injects an EACCES into unlinkSync (everything else is the real one).
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof FsModule>();
  return { ...actual, default: actual, unlinkSync: vi.fn(actual.unlinkSync) };
});
const { unlinkSync: realUnlinkSync } = await vi.importActual<typeof FsModule>('node:fs');

let t: TestDb;
/** Folders outside the test database's directory (the "outside the media roots" cases). */
const extraDirs: string[] = [];

afterEach(() => {
  vi.unstubAllEnvs();
  for (const dir of extraDirs.splice(0)) {
    if (existsSync(dir)) chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  }
  t.close();
});

/** The clock of every run: crafted rows are dated relative to it. */
const NOW = new Date('2030-01-15T12:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
const isRoot = process.getuid?.() === 0;

function setup() {
  t = openTestDb();
  const output = path.join(t.dir, 'output');
  mkdirSync(output, { recursive: true });
  seedDatabase(t.db, { outputDirectory: output });
  // Media has a folder of its own: the database's folder is the service's, never a media root.
  mkdirSync(path.join(t.dir, 'media'), { recursive: true });
  const root = realpathSync(path.join(t.dir, 'media'));
  return { root, output: realpathSync(output), roots: [root] };
}

/** Writes a column the data layer owns (timestamps), to date crafted rows. */
function setRaw(table: string, id: string, column: string, value: unknown, key = 'Id') {
  t.db.$client.prepare(`UPDATE "${table}" SET "${column}" = ? WHERE "${key}" = ?`).run(value, id);
}

function file(p: string, content = 'x'): string {
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, content);
  return p;
}

function outsideDir(): string {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'aura-outside-')));
  extraDirs.push(dir);
  return dir;
}

/** Sets a retention value through the config API, as an editor would. */
async function setSetting(key: MaintenanceSettingKey, value: unknown) {
  const caller = t.as('admin');
  const current = await caller.config.get({ key, includeInactive: true });
  await caller.config.set({ key, value, rowVersion: current.rowVersion });
}

function count(db: AuraDb, table: string) {
  return (db.$client.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n;
}

function planOf(query: { toSQL(): { sql: string; params: unknown[] } }): string {
  const { sql: text, params } = query.toSQL();
  return (t.db.$client.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...params) as { detail: string }[])
    .map((row) => row.detail)
    .join('\n');
}

function project(title: string, values: Record<string, unknown> = {}, updatedAt?: string) {
  const row = insertProject(t.db, { title, ...values });
  if (updatedAt) setRaw('ProjectStates', row.id, 'UpdatedAt', updatedAt);
  return row;
}

function asset(projectId: string, filePath: string, isTemporary: boolean, createdAt: string) {
  const row = insertAudited(
    t.db,
    assetStates,
    { projectId, assetType: 'Audio', filePath, isTemporary, fileSizeBytes: 1 },
    'tester',
  );
  setRaw('AssetStates', row.id, 'CreatedAt', createdAt);
  return row;
}

const assetExists = (id: string) =>
  t.db.select().from(assetStates).where(eq(assetStates.id, id)).get() !== undefined;

describe('maintenance settings', () => {
  it('reads the seeded Retention and Backup rows, and edits through the config API', async () => {
    setup();
    expect(readMaintenanceSettings(t.db)).toMatchObject({
      values: MAINTENANCE_DEFAULTS,
      warnings: [],
    });
    expect(MAINTENANCE_DEFAULTS).toMatchObject({
      'Retention.TemporaryAssetHours': 24,
      'Retention.SoftDeletePurgeDays': 30,
      'Retention.ExportHistoryDays': 90,
      'Backup.IntervalHours': 6,
      'Backup.Keep': 10,
    });
    await setSetting('Retention.TemporaryAssetHours', 2);
    expect(readMaintenanceSettings(t.db)).toMatchObject({
      values: { 'Retention.TemporaryAssetHours': 2 },
      sources: { 'Retention.TemporaryAssetHours': 'config', 'Backup.Keep': 'config' },
    });
  });

  it('falls back to the default for a missing, inactive or unusable row, saying why', async () => {
    setup();
    t.db.$client.prepare(`DELETE FROM Configurations WHERE Key = 'Backup.Keep'`).run();
    const caller = t.as('admin');
    const interval = await caller.config.get({ key: 'Backup.IntervalHours' });
    await caller.config.deactivate({
      key: 'Backup.IntervalHours',
      rowVersion: interval.rowVersion,
    });
    // Written by hand (config.set refuses them: see settings.test.ts).
    setRaw('Configurations', 'Retention.SoftDeletePurgeDays', 'Value', '-1', 'Key');
    setRaw('Configurations', 'Retention.AutosaveKeepLast', 'Value', '2.5', 'Key');
    setRaw('Configurations', 'Retention.ExportHistoryDays', 'Value', '"90"', 'Key');
    const read = readMaintenanceSettings(t.db);
    expect(read.values).toEqual(MAINTENANCE_DEFAULTS);
    expect(read.sources['Backup.Keep']).toBe('default');
    expect(read.warnings).toEqual([
      'Retention.SoftDeletePurgeDays must be a whole number from 1 to 3650; using the default 30',
      'Retention.ExportHistoryDays must be a whole number from 1 to 3650; using the default 90',
      'Retention.AutosaveKeepLast must be a whole number from 1 to 1000; using the default 20',
      'Backup.IntervalHours is inactive; using the default 6',
    ]);
  });

  it('uses the defaults on a database that was never seeded', () => {
    t = openTestDb();
    expect(readMaintenanceSettings(t.db)).toMatchObject({
      values: MAINTENANCE_DEFAULTS,
      warnings: [],
    });
  });
});

describe('cleanupTemporaryAssets', () => {
  it('deletes old temporary assets (file and row) and nothing else', async () => {
    const { root, roots } = setup();
    const outside = outsideDir();
    const p = project('Assets');
    const oldTemp = asset(p.id, file(path.join(root, 'media', 'old.wav')), true, ago(25 * HOUR));
    const recentTemp = asset(
      p.id,
      file(path.join(root, 'media', 'recent.wav')),
      true,
      ago(23 * HOUR),
    );
    const oldKept = asset(p.id, file(path.join(root, 'media', 'keep.wav')), false, ago(90 * DAY));
    const gone = asset(p.id, path.join(root, 'media', 'gone.wav'), true, ago(30 * HOUR));
    const sharedPath = file(path.join(root, 'media', 'shared.wav'));
    const shared = asset(p.id, sharedPath, true, ago(30 * HOUR));
    insertAudited(
      t.db,
      sceneStates,
      { projectId: p.id, sceneIndex: 0, scriptText: 'a', audioFilePath: sharedPath },
      'x',
    );
    mkdirSync(path.join(root, 'media', 'folder'));
    file(path.join(root, 'media', 'folder', 'inside.wav'));
    const folder = asset(p.id, path.join(root, 'media', 'folder'), true, ago(30 * HOUR));
    const outsideFile = file(path.join(outside, 'precious.txt'));
    const escape = asset(p.id, outsideFile, true, ago(30 * HOUR));
    symlinkSync(outsideFile, path.join(root, 'media', 'link.wav'));
    const link = asset(p.id, path.join(root, 'media', 'link.wav'), true, ago(30 * HOUR));
    const otherOutside = file(path.join(outside, 'other.txt'));
    const relative = asset(
      p.id,
      path.relative(workspaceRoot(), otherOutside),
      true,
      ago(30 * HOUR),
    );

    const result = cleanupTemporaryAssets(t.db, { now: NOW, roots, batchSize: 2 });
    expect(result).toMatchObject({
      deleted: 7,
      filesDeleted: 2, // old.wav and the link itself
      filesMissing: 1,
      filesShared: 1,
      filesKept: 3, // the folder, and the file outside the roots named two ways
      fileErrors: 0,
    });
    expect(result.problems).toHaveLength(3);
    for (const row of [oldTemp, gone, shared, folder, escape, link, relative])
      expect(assetExists(row.id)).toBe(false);
    expect(existsSync(oldTemp.filePath)).toBe(false);
    // Untouched: a recent temporary asset, an old permanent one, the shared file, the folder and
    // its content, the file outside the roots, and the link's target.
    for (const row of [recentTemp, oldKept]) {
      expect(assetExists(row.id)).toBe(true);
      expect(existsSync(row.filePath)).toBe(true);
    }
    expect(existsSync(sharedPath)).toBe(true);
    expect(existsSync(path.join(root, 'media', 'folder', 'inside.wav'))).toBe(true);
    expect(existsSync(outsideFile)).toBe(true);
    expect(existsSync(otherOutside)).toBe(true);
    expect(existsSync(path.join(root, 'media', 'link.wav'))).toBe(false);
    expect(count(t.db, 'SceneStates')).toBe(1);

    // Idempotent: nothing is left to do.
    expect(cleanupTemporaryAssets(t.db, { now: NOW, roots })).toMatchObject({
      deleted: 0,
      filesDeleted: 0,
      problems: [],
    });

    // A shorter retention, set through the config API, takes effect on the next run.
    await setSetting('Retention.TemporaryAssetHours', 12);
    expect(cleanupTemporaryAssets(t.db, { now: NOW, roots })).toMatchObject({
      deleted: 1,
      filesDeleted: 1,
    });
    expect(assetExists(recentTemp.id)).toBe(false);
    expect(assetExists(oldKept.id)).toBe(true);
  });

  it('keeps the row when the file system refuses, and retries on the next run', () => {
    const { root, roots } = setup();
    const p = project('Locked');
    const locked = asset(p.id, file(path.join(root, 'locked', 'a.wav')), true, ago(2 * DAY));
    const free = asset(p.id, file(path.join(root, 'free.wav')), true, ago(2 * DAY));
    // Permissions do not bind root (these tests may run as root): the refusal is injected.
    vi.mocked(unlinkSync).mockImplementation((target) => {
      if (String(target).endsWith('a.wav')) {
        throw Object.assign(new Error(`EACCES: permission denied, unlink '${String(target)}'`), {
          code: 'EACCES',
        });
      }
      realUnlinkSync(target);
    });
    try {
      const result = cleanupTemporaryAssets(t.db, { now: NOW, roots });
      expect(result).toMatchObject({ deleted: 1, filesDeleted: 1, fileErrors: 1 });
      expect(result.problems[0]).toMatch(/could not delete .*a\.wav: EACCES/);
      expect(assetExists(locked.id)).toBe(true);
      expect(existsSync(locked.filePath)).toBe(true);
      expect(assetExists(free.id)).toBe(false);
    } finally {
      vi.mocked(unlinkSync).mockImplementation(realUnlinkSync);
    }
    expect(cleanupTemporaryAssets(t.db, { now: NOW, roots })).toMatchObject({
      deleted: 1,
      filesDeleted: 1,
      fileErrors: 0,
    });
    expect(assetExists(locked.id)).toBe(false);
    expect(existsSync(locked.filePath)).toBe(false);
  });

  it('deletes files only inside the media roots by default (media in the data directory, output)', () => {
    const { root, output } = setup();
    const p = project('Default roots');
    const inOutput = asset(p.id, file(path.join(output, 'tmp', 'a.wav')), true, ago(2 * DAY));
    const inMedia = asset(p.id, file(path.join(root, 'b.wav')), true, ago(2 * DAY));
    const elsewhere = asset(p.id, file(path.join(t.dir, 'elsewhere.wav')), true, ago(2 * DAY));
    expect(cleanupTemporaryAssets(t.db, { now: NOW })).toMatchObject({
      deleted: 3,
      filesDeleted: 2,
      filesKept: 1,
    });
    expect(existsSync(inOutput.filePath)).toBe(false);
    expect(existsSync(inMedia.filePath)).toBe(false);
    expect(existsSync(elsewhere.filePath)).toBe(true);
    // AURA_MEDIA_ROOTS replaces the defaults.
    vi.stubEnv('AURA_MEDIA_ROOTS', output);
    const again = asset(p.id, file(path.join(root, 'c.wav')), true, ago(2 * DAY));
    expect(cleanupTemporaryAssets(t.db, { now: NOW })).toMatchObject({ filesKept: 1 });
    expect(existsSync(again.filePath)).toBe(true);
  });
});

function action(status: ActionStatus, expiresAt: string | null, description = status) {
  return insertAudited(
    t.db,
    actionLogs,
    { userId: 'u1', actionType: 'test', description, status, expiresAt, timestamp: ago(60 * DAY) },
    'tester',
  );
}

const actionRow = (id: string) => t.db.select().from(actionLogs).where(eq(actionLogs.id, id)).get();

describe('expireActionLogs', () => {
  it('marks actions past ExpiresAt Expired and deletes them after the retention', async () => {
    setup();
    const applied = action('Applied', ago(HOUR));
    const undone = action('Undone', ago(2 * DAY));
    const live = action('Applied', ago(-HOUR));
    const forever = action('Applied', null);
    const failedRecent = action('Failed', ago(HOUR));
    const expiredOld = action('Expired', ago(31 * DAY));
    const expiredRecent = action('Expired', ago(10 * DAY));
    const failedOld = action('Failed', ago(40 * DAY));
    const appliedOld = action('Applied', ago(45 * DAY)); // expired and past the retention: marked, then deleted

    expect(expireActionLogs(t.db, { now: NOW, batchSize: 2 })).toMatchObject({
      expired: 3,
      deleted: 3,
    });
    for (const row of [applied, undone]) {
      expect(actionRow(row.id)).toMatchObject({
        status: 'Expired',
        rowVersion: 2,
        modifiedBy: 'system',
      });
    }
    for (const row of [expiredOld, failedOld, appliedOld])
      expect(actionRow(row.id)).toBeUndefined();
    // Untouched, byte for byte.
    for (const row of [live, forever, failedRecent, expiredRecent])
      expect(actionRow(row.id)).toEqual(row);

    expect(expireActionLogs(t.db, { now: NOW })).toMatchObject({ expired: 0, deleted: 0 });

    await setSetting('Retention.ExpiredActionLogDays', 1);
    // The config change is itself an undoable action, expiring 30 days after the real clock, long
    // before NOW: it is expired and deleted along with the two now past the shorter retention.
    const [configAction] = t.db
      .select()
      .from(actionLogs)
      .where(eq(actionLogs.actionType, 'config.set'))
      .all();
    expect(configAction).toBeDefined();
    expect(expireActionLogs(t.db, { now: NOW })).toMatchObject({ expired: 1, deleted: 3 });
    expect(actionRow(configAction!.id)).toBeUndefined();
    expect(actionRow(expiredRecent.id)).toBeUndefined();
    expect(actionRow(undone.id)).toBeUndefined();
    expect(actionRow(applied.id)).toMatchObject({ status: 'Expired' });
    expect(actionRow(failedRecent.id)).toEqual(failedRecent);
  });
});

/** A project whose content changes between autosaves; versions dated `minutesAgo` apart. */
function versionedProject(title: string) {
  const p = project(title, { briefJson: JSON.stringify({ n: 0 }) });
  let n = 0;
  const save = (versionType: 'Autosave' | 'Manual', at: string) => {
    n += 1;
    setRaw('ProjectStates', p.id, 'BriefJson', JSON.stringify({ n, title }));
    const { version } = createVersion(
      t.db,
      'tester',
      { projectId: p.id, versionType },
      { retention: { keepLast: 1_000, dailyDays: 7, weeklyWeeks: 4 } },
    );
    setRaw('ProjectVersions', version.id, 'CreatedAt', at);
    return version;
  };
  return { project: p, save };
}

const versionExists = (id: string) =>
  t.db.select().from(projectVersions).where(eq(projectVersions.id, id)).get() !== undefined;

describe('pruneAllAutosaves', () => {
  it('applies the retention policy to every project with autosaves, and nothing else', async () => {
    setup();
    const busy = versionedProject('Busy');
    const manual = busy.save('Manual', ago(3 * HOUR));
    const autosaves = Array.from({ length: 25 }, (_, i) =>
      busy.save('Autosave', ago((60 - i) * MINUTE)),
    );
    const important = autosaves[0]!;
    t.db
      .update(projectVersions)
      .set({ isMarkedImportant: true })
      .where(eq(projectVersions.id, important.id))
      .run();
    const quiet = versionedProject('Quiet');
    const few = Array.from({ length: 3 }, (_, i) => quiet.save('Autosave', ago((30 - i) * DAY)));
    // 24 prunable autosaves of Busy (one important), all today: the newest 20 are kept.
    const result = pruneAllAutosaves(t.db, { now: NOW, batchSize: 1 });
    expect(result).toMatchObject({
      keepLast: 20,
      projectsChecked: 2,
      projectsPruned: 1,
      versionsPruned: 4,
    });
    expect(autosaves.slice(1, 5).map((v) => versionExists(v.id))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    for (const v of [manual, important, ...autosaves.slice(5), ...few])
      expect(versionExists(v.id)).toBe(true);
    expect(checkReferenceCounts(t.db).mismatches).toEqual([]);

    expect(pruneAllAutosaves(t.db, { now: NOW })).toMatchObject({
      projectsPruned: 0,
      versionsPruned: 0,
    });

    await setSetting('Retention.AutosaveKeepLast', 2);
    // Busy keeps its newest 2 (the newest also stands for today and this week); Quiet keeps its
    // newest 2, the third (30 days old) is beyond every rule.
    expect(pruneAllAutosaves(t.db, { now: NOW })).toMatchObject({
      projectsPruned: 2,
      versionsPruned: 19,
    });
    expect(versionExists(manual.id) && versionExists(important.id)).toBe(true);
    expect(checkReferenceCounts(t.db).mismatches).toEqual([]);
  });
});

function blob(content: string, referenceCount: number, lastReferencedAt: string) {
  const hash = createHash('sha256').update(content).digest('hex');
  insertAudited(
    t.db,
    contentBlobs,
    {
      contentHash: hash,
      content,
      contentType: 'Brief',
      sizeBytes: content.length,
      referenceCount,
      lastReferencedAt,
    },
    'tester',
  );
  return hash;
}

const blobExists = (hash: string) =>
  t.db.select().from(contentBlobs).where(eq(contentBlobs.contentHash, hash)).get() !== undefined;

describe('collectUnreferencedBlobs', () => {
  it('removes blobs unreferenced for longer than the grace period only', async () => {
    setup();
    const kept = versionedProject('Referenced');
    kept.save('Manual', ago(DAY));
    const referenced = t.db.select().from(contentBlobs).all();
    t.db
      .update(contentBlobs)
      .set({ lastReferencedAt: ago(10 * DAY) })
      .run(); // old, but referenced
    const old = [blob('"a"', 0, ago(2 * HOUR)), blob('"b"', 0, ago(61 * MINUTE))];
    const recent = blob('"c"', 0, ago(30 * MINUTE));

    await setSetting('Retention.BlobGraceMinutes', 180);
    expect(collectUnreferencedBlobs(t.db, { now: NOW })).toMatchObject({
      graceMinutes: 180,
      removed: 0,
    });
    await setSetting('Retention.BlobGraceMinutes', 60);
    expect(collectUnreferencedBlobs(t.db, { now: NOW, batchSize: 1 })).toMatchObject({
      collectable: 2,
      removed: 2,
    });
    expect(old.map(blobExists)).toEqual([false, false]);
    expect(blobExists(recent)).toBe(true);
    for (const b of referenced) expect(blobExists(b.contentHash)).toBe(true);

    expect(collectUnreferencedBlobs(t.db, { now: NOW })).toMatchObject({
      collectable: 0,
      removed: 0,
    });
    expect(checkReferenceCounts(t.db).mismatches).toEqual([]);
  });
});

function trash(table: string, id: string, deletedAt: string) {
  t.db.$client
    .prepare(
      `UPDATE "${table}" SET IsDeleted = 1, DeletedAt = ?, DeletedBy = 'tester' WHERE Id = ?`,
    )
    .run(deletedAt, id);
}

function customTemplate(name: string) {
  return insertAudited(
    t.db,
    customTemplates,
    { name, category: 'General', author: 'me' },
    'tester',
  );
}

describe('purgeSoftDeleted', () => {
  it('purges rows in the trash past the retention, releasing their references', async () => {
    const { root } = setup();
    const gone = versionedProject('Gone');
    gone.save('Manual', ago(40 * DAY));
    gone.save('Autosave', ago(39 * DAY));
    const goneFile = file(path.join(root, 'gone.wav'));
    asset(gone.project.id, goneFile, false, ago(40 * DAY));
    trash('ProjectStates', gone.project.id, ago(31 * DAY));
    const recent = versionedProject('Recently trashed');
    recent.save('Manual', ago(20 * DAY));
    trash('ProjectStates', recent.project.id, ago(10 * DAY));
    const live = versionedProject('Live');
    const liveVersion = live.save('Manual', ago(50 * DAY));
    const oldTrashedVersion = live.save('Manual', ago(45 * DAY));
    const newTrashedVersion = live.save('Manual', ago(44 * DAY));
    softDeleteVersion(t.db, 'tester', {
      id: oldTrashedVersion.id,
      rowVersion: oldTrashedVersion.rowVersion,
    });
    setRaw('ProjectVersions', oldTrashedVersion.id, 'DeletedAt', ago(40 * DAY));
    softDeleteVersion(t.db, 'tester', {
      id: newTrashedVersion.id,
      rowVersion: newTrashedVersion.rowVersion,
    });
    setRaw('ProjectVersions', newTrashedVersion.id, 'DeletedAt', ago(5 * DAY));
    const oldTemplate = customTemplate('Old');
    trash('CustomTemplates', oldTemplate.id, ago(31 * DAY));
    const newTemplate = customTemplate('New');
    trash('CustomTemplates', newTemplate.id, ago(29 * DAY));
    const liveTemplate = customTemplate('Live');

    const result = purgeSoftDeleted(t.db, { now: NOW, batchSize: 1 });
    expect(result).toMatchObject({ projects: 1, versions: 1, customTemplates: 1 });
    expect(result.referencesReleased).toBeGreaterThan(0);
    const projectIds = t.db
      .select({ id: projectStates.id })
      .from(projectStates)
      .all()
      .map((r) => r.id);
    expect(projectIds.sort()).toEqual([recent.project.id, live.project.id].sort());
    expect(count(t.db, 'AssetStates')).toBe(0); // cascaded with the project…
    expect(existsSync(goneFile)).toBe(true); // …but its file is left alone
    expect([liveVersion, newTrashedVersion].map((v) => versionExists(v.id))).toEqual([true, true]);
    expect(versionExists(oldTrashedVersion.id)).toBe(false);
    const templateIds = t.db
      .select({ id: customTemplates.id })
      .from(customTemplates)
      .all()
      .map((r) => r.id);
    expect(templateIds.sort()).toEqual([newTemplate.id, liveTemplate.id].sort());
    expect(checkReferenceCounts(t.db).mismatches).toEqual([]);

    expect(purgeSoftDeleted(t.db, { now: NOW })).toMatchObject({
      projects: 0,
      versions: 0,
      customTemplates: 0,
    });

    await setSetting('Retention.SoftDeletePurgeDays', 7);
    expect(purgeSoftDeleted(t.db, { now: NOW })).toMatchObject({
      projects: 1,
      versions: 0,
      customTemplates: 1,
    });
    expect(versionExists(newTrashedVersion.id)).toBe(true); // 5 days in the trash
    expect(checkReferenceCounts(t.db).mismatches).toEqual([]);
  });

  it('skips a project whose stored timeline cannot be decoded, counts it, and empties the rest', () => {
    setup();
    const trashed = ['First', 'Broken', 'Last'].map((title) => {
      const p = versionedProject(title);
      // A scene of its own, so that each project's timeline is a blob of its own.
      insertAudited(
        t.db,
        sceneStates,
        { projectId: p.project.id, sceneIndex: 0, scriptText: `The scene of ${title}` },
        'tester',
      );
      const version = p.save('Manual', ago(40 * DAY));
      trash('ProjectStates', p.project.id, ago(31 * DAY));
      return { id: p.project.id, version };
    });
    const broken = trashed[1]!;
    // Its version's timeline: a blob in a shape the versions service never writes (what an older
    // generator stored), which this process has never decoded.
    const bad = '{"tracks":[]}';
    const badHash = createHash('sha256').update(bad).digest('hex');
    t.db.$client
      .prepare(
        `INSERT INTO ContentBlobs (ContentHash, Content, ContentType, SizeBytes, LastReferencedAt,
           ReferenceCount, CreatedAt, UpdatedAt, CreatedBy, ModifiedBy, RowVersion)
         VALUES (?, ?, 'Timeline', ?, ?, 1, ?, ?, 'tester', 'tester', 1)`,
      )
      .run(badHash, bad, bad.length, ago(40 * DAY), ago(40 * DAY), ago(40 * DAY));
    setRaw('ProjectVersions', broken.version.id, 'TimelineHash', badHash);

    // One project per batch: the broken one must not be selected again and again.
    const result = purgeSoftDeleted(t.db, { now: NOW, batchSize: 1 });
    expect(result).toMatchObject({ projects: 2, versions: 0, skipped: 1 });
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toContain(`project ${broken.id}`);
    expect(result.writeTransactions).toBeGreaterThanOrEqual(3);
    expect(result.maxLockMs).toBeGreaterThan(0);
    // Only the broken project is left, with its version: its savepoint was rolled back alone.
    expect(
      t.db
        .select({ id: projectStates.id })
        .from(projectStates)
        .all()
        .map((r) => r.id),
    ).toEqual([broken.id]);
    expect(versionExists(broken.version.id)).toBe(true);
    expect(count(t.db, 'SceneStates')).toBe(1);

    // The next run skips it again, and has nothing else to do.
    expect(purgeSoftDeleted(t.db, { now: NOW })).toMatchObject({ projects: 0, skipped: 1 });
  });
});

function checkpoint(projectId: string, outputFilePath: string | null, isValid = true) {
  return insertAudited(
    t.db,
    renderCheckpoints,
    { projectId, stageName: 'Render', outputFilePath, isValid, completedScenes: 0, totalScenes: 1 },
    'tester',
  );
}

const checkpointExists = (id: string) =>
  t.db.select().from(renderCheckpoints).where(eq(renderCheckpoints.id, id)).get() !== undefined;

describe('cleanupCheckpoints', () => {
  it("deletes completed projects' checkpoints (files kept) and invalid ones (unreferenced files removed)", () => {
    const { root, roots } = setup();
    const done = project('Done', { status: 'Completed' });
    const doneFile = file(path.join(root, 'render', 'final.mp4'));
    const doneCheckpoints = [checkpoint(done.id, doneFile), checkpoint(done.id, null, false)];
    const running = project('Running');
    const validFile = file(path.join(root, 'render', 'partial.mp4'));
    const valid = checkpoint(running.id, validFile);
    const brokenFile = file(path.join(root, 'render', 'broken.mp4'));
    const broken = checkpoint(running.id, brokenFile, false);
    const sharedWithValid = checkpoint(running.id, validFile, false);
    const assetFile = file(path.join(root, 'render', 'asset.mp4'));
    asset(running.id, assetFile, false, ago(DAY));
    const sharedWithAsset = checkpoint(running.id, assetFile, false);
    const failed = project('Failed', { status: 'Failed' });
    const failedCheckpoint = checkpoint(failed.id, null);

    const result = cleanupCheckpoints(t.db, { now: NOW, roots, batchSize: 1 });
    expect(result).toMatchObject({
      invalidCheckpoints: 4,
      completedProjectCheckpoints: 1,
      filesDeleted: 1,
      filesShared: 2,
      fileErrors: 0,
    });
    for (const c of [...doneCheckpoints, broken, sharedWithValid, sharedWithAsset])
      expect(checkpointExists(c.id)).toBe(false);
    expect(checkpointExists(valid.id)).toBe(true);
    expect(checkpointExists(failedCheckpoint.id)).toBe(true);
    expect(existsSync(brokenFile)).toBe(false);
    for (const f of [doneFile, validFile, assetFile]) expect(existsSync(f)).toBe(true);

    expect(cleanupCheckpoints(t.db, { now: NOW, roots })).toMatchObject({
      invalidCheckpoints: 0,
      completedProjectCheckpoints: 0,
      filesDeleted: 0,
    });
  });
});

function exportRow(status: ExportStatus, outputFile: string, createdAt: string) {
  const row = insertAudited(
    t.db,
    exportHistory,
    { inputFile: '/in.mp4', outputFile, presetName: 'youtube-1080p', status },
    'tester',
  );
  setRaw('ExportHistory', row.id, 'CreatedAt', createdAt);
  return row;
}

const exportExists = (id: string) =>
  t.db.select().from(exportHistory).where(eq(exportHistory.id, id)).get() !== undefined;

describe('cleanupExportHistory', () => {
  it('removes finished exports past the retention and leftover part files, nothing else', async () => {
    const { output, roots } = setup();
    const oldDone = exportRow('Completed', file(path.join(output, 'done.mp4')), ago(100 * DAY));
    const oldDonePart = file(exportTempFile(oldDone.outputFile, oldDone.id, 1));
    const oldFailed = exportRow('Failed', path.join(output, 'sub', 'failed.mp4'), ago(95 * DAY));
    const oldFailedPart = file(exportTempFile(oldFailed.outputFile, oldFailed.id, 2));
    const oldCancelled = exportRow('Cancelled', path.join(output, 'cancelled.mp4'), ago(91 * DAY));
    const recentDone = exportRow('Completed', file(path.join(output, 'recent.mp4')), ago(10 * DAY));
    const running = exportRow('InProgress', path.join(output, 'running.mp4'), ago(100 * DAY));
    const runningPart = file(exportTempFile(running.outputFile, running.id, 1));
    const queued = exportRow('Queued', path.join(output, 'queued.mp4'), ago(100 * DAY));
    const orphanPart = file(
      path.join(output, 'deep', 'er', '.clip.part-0199aaaa-bbbb-7ccc-8ddd-eeeeffff0000-1.mp4'),
    );
    const notes = file(path.join(output, '.notes.txt'));
    const userPart = file(path.join(output, '.draft.part-2.mp4')); // not an export's name
    mkdirSync(path.join(output, '.dir.part-1'));

    const result = cleanupExportHistory(t.db, { now: NOW, roots, batchSize: 2 });
    expect(result).toMatchObject({ deleted: 3, partFilesDeleted: 3, problems: [] });
    for (const row of [oldDone, oldFailed, oldCancelled]) expect(exportExists(row.id)).toBe(false);
    for (const row of [recentDone, running, queued]) expect(exportExists(row.id)).toBe(true);
    for (const f of [oldDonePart, oldFailedPart, orphanPart]) expect(existsSync(f)).toBe(false);
    // The exported videos are the user's; a running export's part file is its work in progress.
    for (const f of [
      oldDone.outputFile,
      recentDone.outputFile,
      runningPart,
      notes,
      userPart,
      path.join(output, '.dir.part-1'),
    ]) {
      expect(existsSync(f)).toBe(true);
    }

    expect(cleanupExportHistory(t.db, { now: NOW, roots })).toMatchObject({
      deleted: 0,
      partFilesDeleted: 0,
    });

    await setSetting('Retention.ExportHistoryDays', 7);
    expect(cleanupExportHistory(t.db, { now: NOW, roots })).toMatchObject({ deleted: 1 });
    expect(exportExists(recentDone.id)).toBe(false);
    expect(existsSync(recentDone.outputFile)).toBe(true);
  });

  it('leaves a part file modified in the last minutes (an export that just started)', () => {
    const { output, roots } = setup();
    const fresh = file(path.join(output, '.new.part-0199aaaa-bbbb-7ccc-8ddd-eeeeffff0001-1.mp4'));
    const stale = file(path.join(output, '.old.part-0199aaaa-bbbb-7ccc-8ddd-eeeeffff0002-1.mp4'));
    const hourAgo = new Date(Date.now() - HOUR);
    utimesSync(stale, hourAgo, hourAgo);
    expect(cleanupExportHistory(t.db, { roots })).toMatchObject({
      deleted: 0,
      partFilesDeleted: 1,
    });
    expect(existsSync(fresh)).toBe(true);
    expect(existsSync(stale)).toBe(false);
  });
});

const projectRow = (id: string) =>
  t.db.select().from(projectStates).where(eq(projectStates.id, id)).get()!;

describe('flagStaleProjects', () => {
  it('sets ErrorMessage on stale InProgress projects without bumping RowVersion or UpdatedAt', async () => {
    setup();
    const stale = project('Stale', {}, ago(2 * HOUR));
    const failedBefore = project('Said why', { errorMessage: 'TTS provider down' }, ago(3 * HOUR));
    const active = project('Active', {}, ago(5 * MINUTE));
    const done = project('Done', { status: 'Completed' }, ago(10 * DAY));
    const trashed = project('Trashed', {}, ago(10 * DAY));
    trash('ProjectStates', trashed.id, ago(DAY));
    const before = [active, done, trashed].map((p) => projectRow(p.id));

    const result = flagStaleProjects(t.db, { now: NOW });
    expect(result).toMatchObject({
      stale: 2,
      flagged: 1,
      projects: [{ id: stale.id, title: 'Stale' }],
    });
    const flagged = projectRow(stale.id);
    expect(flagged).toMatchObject({
      errorMessage: `Interrupted: no progress since ${ago(2 * HOUR)}`,
      rowVersion: stale.rowVersion,
      updatedAt: ago(2 * HOUR),
      modifiedBy: stale.modifiedBy,
    });
    expect(projectRow(failedBefore.id).errorMessage).toBe('TTS provider down');
    expect([active, done, trashed].map((p) => projectRow(p.id))).toEqual(before);

    expect(flagStaleProjects(t.db, { now: NOW })).toMatchObject({
      stale: 2,
      flagged: 0,
      projects: [],
    });

    await setSetting('Retention.RecoveryStaleMinutes', 1);
    expect(flagStaleProjects(t.db, { now: NOW })).toMatchObject({ stale: 3, flagged: 1 });
    expect(projectRow(active.id).errorMessage).toMatch(/^Interrupted: no progress since /);

    // The user's next edit, with the RowVersion they read, does not conflict.
    const edited = await t.caller.projects.update({
      id: stale.id,
      rowVersion: stale.rowVersion,
      title: 'Resumed',
    });
    expect(edited).toMatchObject({ title: 'Resumed', rowVersion: stale.rowVersion + 1 });
  });
});

describe('backups', () => {
  let backupDir: string;
  beforeEach(() => {
    setup();
    backupDir = path.join(t.dir, 'backups');
  });

  const runs = () => t.db.select().from(backupRuns).all();

  it('takes integrity-checked online backups, rotates to Backup.Keep and records each run', async () => {
    const taken = [0, 1, 2].map((i) =>
      runScheduledBackup(t.db, {
        dir: backupDir,
        keep: 2,
        now: new Date(NOW.getTime() + i * 1000),
      }),
    );
    expect(taken.map((r) => [r.status, r.trigger, r.prunedCount])).toEqual([
      ['Succeeded', 'Scheduled', 0],
      ['Succeeded', 'Scheduled', 0],
      ['Succeeded', 'Scheduled', 1],
    ]);
    expect(readdirSync(backupDir).sort()).toEqual([
      'aura_backup_20300115_120001.db',
      'aura_backup_20300115_120002.db',
    ]);
    expect(taken[2]).toMatchObject({
      file: path.join(backupDir, 'aura_backup_20300115_120002.db'),
      createdBy: 'system',
    });
    expect(taken[2]!.sizeBytes).toBeGreaterThan(0);
    // The copy is a sound database holding the data.
    const copy = openSqlite(taken[2]!.file!, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(
      (copy.prepare(`SELECT count(*) AS n FROM Configurations`).get() as { n: number }).n,
    ).toBeGreaterThan(0);
    copy.close();
    expect(runs()).toHaveLength(3);

    // Keep comes from Backup.Keep when not given.
    await setSetting('Backup.Keep', 1);
    const next = runScheduledBackup(t.db, { dir: backupDir, now: new Date(NOW.getTime() + 3000) });
    expect(next).toMatchObject({ status: 'Succeeded', prunedCount: 2 });
    expect(readdirSync(backupDir)).toEqual(['aura_backup_20300115_120003.db']);
  });

  it('records a failed backup (unwritable directory) as Failed, with the reason, without throwing', () => {
    const blocker = file(path.join(t.dir, 'not-a-folder'));
    const failed = runScheduledBackup(t.db, { dir: path.join(blocker, 'backups'), keep: 3 });
    expect(failed).toMatchObject({ status: 'Failed', file: null, sizeBytes: null, prunedCount: 0 });
    expect(failed.errorMessage).toMatch(/Cannot create the backup directory .*not-a-folder/);
    if (!isRoot) {
      const locked = path.join(t.dir, 'locked');
      mkdirSync(locked, { mode: 0o500 });
      extraDirs.push(locked);
      const refused = runScheduledBackup(t.db, { dir: locked, trigger: 'Manual' });
      expect(refused).toMatchObject({ status: 'Failed', trigger: 'Manual' });
      expect(refused.errorMessage).toMatch(/not writable/);
      expect(readdirSync(locked)).toEqual([]);
    }
    expect(runs().every((r) => r.status === 'Failed')).toBe(true);
  });

  it('is due when the newest run is older than Backup.IntervalHours (read each time)', async () => {
    expect(backupSchedule(t.db, { now: NOW })).toMatchObject({
      due: true,
      lastStartedAt: null,
      intervalHours: 6,
    });
    const run = runScheduledBackup(t.db, { dir: backupDir, keep: 2 });
    const started = Date.parse(run.startedAt);
    const at = (ms: number) => ({ now: new Date(started + ms) });
    expect(backupSchedule(t.db, at(5 * HOUR))).toMatchObject({
      due: false,
      lastStartedAt: run.startedAt,
      nextDueAt: new Date(started + 6 * HOUR).toISOString(),
    });
    expect(backupSchedule(t.db, at(6 * HOUR)).due).toBe(true);
    await setSetting('Backup.IntervalHours', 1);
    expect(backupSchedule(t.db, at(HOUR)).due).toBe(true);
  });

  it('backups.list pages newest first for any signed-in user; backups.run is for admins', async () => {
    vi.stubEnv('AURA_BACKUP_DIR', backupDir);
    const manual = await t.as('admin').backups.run();
    expect(manual).toMatchObject({
      status: 'Succeeded',
      trigger: 'Manual',
      createdBy: t.principal('admin').userId,
    });
    expect(manual.file!.startsWith(backupDir)).toBe(true);
    for (let i = 0; i < 3; i++) {
      const row = runScheduledBackup(t.db, {
        dir: backupDir,
        keep: 10,
        now: new Date(NOW.getTime() + i * 1000),
      });
      setRaw('BackupRuns', row.id, 'StartedAt', ago(-i * MINUTE)); // deterministic order
    }
    setRaw('BackupRuns', manual.id, 'StartedAt', ago(HOUR));
    const viewer = t.as('viewer');
    const first = await viewer.backups.list({ limit: 2 });
    expect(first.items).toHaveLength(2);
    const second = await viewer.backups.list({ limit: 2, cursor: first.nextCursor });
    expect(second.nextCursor).toBeNull();
    const all = [...first.items, ...second.items];
    expect(all.map((r) => r.startedAt)).toEqual([
      ago(-2 * MINUTE),
      ago(-MINUTE),
      ago(0),
      ago(HOUR),
    ]);
    expect(all.at(-1)!.id).toBe(manual.id);
    expect((await viewer.backups.list()).items).toHaveLength(4);
    expect(await viewer.backups.schedule()).toMatchObject({
      intervalHours: 6,
      lastStartedAt: ago(-2 * MINUTE),
    });

    await expect(t.anonymous.backups.list({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(viewer.backups.list({ cursor: 'forged' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(viewer.backups.list({ limit: 0 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const before = runs().length;
    await expect(viewer.backups.run()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(t.as('editor').backups.run()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(t.anonymous.backups.run()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(runs()).toHaveLength(before);
  });
});

describe('query plans', () => {
  it('every selection a cleanup or the backup list runs is served by an index', () => {
    setup();
    const cutoff = ago(DAY);
    const queries = {
      temporaryAssets: buildTemporaryAssetQuery(t.db, cutoff, 200, new Set(['x'])),
      expiringActions: buildExpiringActionsQuery(t.db, cutoff, 200),
      deletableActions: buildDeletableActionsQuery(t.db, cutoff, 200),
      projectPage: buildProjectIdPageQuery(t.db, 'a', 200),
      autosaveCounts: buildAutosaveCountQuery(t.db, ['a', 'b'], 20),
      purgeableProjects: buildPurgeableProjectsQuery(t.db, cutoff, 20),
      purgeableVersions: buildPurgeableVersionsQuery(t.db, cutoff, 200),
      purgeableTemplates: buildPurgeableCustomTemplatesQuery(t.db, cutoff, 200),
      completedCheckpoints: buildCompletedProjectCheckpointsQuery(t.db, 200),
      oldExports: buildOldExportsQuery(t.db, cutoff, 200),
      activeExports: buildActiveExportOutputsQuery(t.db),
      staleProjects: buildUnflaggedStaleProjectsQuery(t.db, cutoff, 200),
      backupList: buildBackupRunListQuery(t.db, backupListInput.parse({ limit: 20 })),
      backupListPage2: buildBackupRunListQuery(
        t.db,
        backupListInput.parse({
          cursor: Buffer.from(JSON.stringify(['backups', cutoff, 'id'])).toString('base64url'),
        }),
      ),
    };
    for (const [name, query] of Object.entries(queries)) {
      const plan = planOf(query);
      expect(plan, name).not.toMatch(/^SCAN \w+$/m);
      expect(plan, name).toMatch(/USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY/);
    }
    expect(planOf(queries.temporaryAssets)).toMatch(/IX_AssetStates_IsTemporary/);
    expect(planOf(queries.staleProjects)).toMatch(/IX_ProjectStates_Status/);
    expect(planOf(queries.projectPage)).not.toMatch(/TEMP B-TREE/);
    // Invalid checkpoints: no index on IsValid yet (IX_RenderCheckpoints_IsValid is requested); the
    // scan is of RenderCheckpoints, which the completed-project cleanup keeps small.
    expect(planOf(buildInvalidCheckpointsQuery(t.db, 200, new Set()))).toMatch(/RenderCheckpoints/);
  });
});
