import path from 'node:path';
import {
  applyMigrations,
  backupDatabase,
  createDb,
  erasureLog,
  erasureSubjectHash,
  loadMigrations,
  openSqlite,
  resolveMigrationTarget,
  restoreDatabase,
  rollbackMigrations,
  type AuraDb,
} from '@aura/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveApiToken, resolveSession } from '../../src/auth/service';
import { checkReferenceCounts } from '../../src/versions/storage';
import { openTestDb, rejectionHelpers, type TestDb } from '../helpers';
import { SUBJECT, buildSubjectData, scanFiles, type SubjectData } from './fixture';

let t: TestDb;
let data: SubjectData;
const savedEnv = { ...process.env };

beforeEach(async () => {
  t = openTestDb();
  data = await buildSubjectData(t);
});
afterEach(() => {
  for (const key of ['AURA_MEDIA_ROOTS', 'AURA_DATA_DIR', 'AURA_BACKUP_DIR']) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
  t.close();
});

function count(db: AuraDb, sql: string, ...params: unknown[]): number {
  const row = db.$client.prepare<unknown[], { n: number }>(sql).get(...params);
  return row?.n ?? 0;
}

/** Rows anywhere that still mention the subject (the Users row included). */
function personalRows(db: AuraDb): number {
  return count(db, 'SELECT count(*) AS n FROM Users WHERE Id = ?', data.principal.userId);
}

function dbFiles(file: string): string[] {
  return [file, `${file}-wal`];
}

const needles = () => [SUBJECT.email, SUBJECT.displayName, data.principal.userId];

describe('users.forget', () => {
  it('refuses non-admins, oneself, a wrong confirmation and a bad transfer, changing nothing', async () => {
    const { rejects } = rejectionHelpers(() => personalRows(t.db));
    const input = { userId: data.principal.userId, confirmation: SUBJECT.email };
    await rejects(() => t.anonymous.users.forget(input), 'UNAUTHORIZED');
    await rejects(() => t.as('viewer').users.forget(input), 'FORBIDDEN');
    await rejects(() => t.as('editor').users.forget(input), 'FORBIDDEN');
    const admin = t.as('admin');
    await rejects(
      () =>
        admin.users.forget({
          userId: t.principal('admin').userId,
          confirmation: 'admin@test.local',
        }),
      'FORBIDDEN',
    );
    await rejects(
      () => admin.users.forget({ ...input, confirmation: 'someone@else.test' }),
      'BAD_REQUEST',
    );
    await rejects(() => admin.users.forget({ userId: data.principal.userId }), 'BAD_REQUEST');
    await rejects(
      () => admin.users.forget({ ...input, transferTo: data.principal.userId }),
      'BAD_REQUEST',
    );
    await rejects(
      () => admin.users.forget({ ...input, transferTo: '00000000-0000-7000-8000-000000000000' }),
      'BAD_REQUEST',
    );
    await rejects(() => admin.users.forget({ ...input, userId: 'not-a-uuid' }), 'BAD_REQUEST');
    await rejects(
      () => admin.users.forget({ ...input, confirmation: 'x'.repeat(100_000) }),
      'BAD_REQUEST',
    );
    await rejects(
      () => admin.users.forget({ ...input, userId: '00000000-0000-7000-8000-000000000000' }),
      'NOT_FOUND',
    );
  });

  it('previews exactly what goes and changes nothing', async () => {
    const before = count(t.db, 'SELECT count(*) AS n FROM ProjectStates');
    const preview = await t
      .as('admin')
      .users.forget({ userId: data.principal.userId, dryRun: true });
    expect(preview.dryRun).toBe(true);
    expect(preview.erasure).toBeNull();
    expect(preview.user.email).toBe(SUBJECT.email);
    expect(preview.summary.projects.map((p) => p.id)).toEqual([data.projectId]);
    expect(preview.summary).toMatchObject({
      projectsDeleted: 1,
      scenesDeleted: 3,
      assetsDeleted: 1,
      checkpointsDeleted: 1,
      versionsDeleted: 2,
      customTemplatesDeleted: 1,
      ratingsAnonymized: 1,
      setupsDeleted: 1,
      sessionsDeleted: 1,
      apiTokensDeleted: 1,
    });
    expect(preview.summary.actionLogEntriesDeleted).toBeGreaterThan(5);
    expect(preview.summary.otherUndoEntriesDeleted).toBeGreaterThanOrEqual(1);
    expect(personalRows(t.db)).toBe(1);
    expect(count(t.db, 'SELECT count(*) AS n FROM ProjectStates')).toBe(before);
    expect(count(t.db, 'SELECT count(*) AS n FROM ErasureLog')).toBe(0);
  });

  it('erases the user from every row, the file, the WAL, a new backup and a restored older backup', async () => {
    const backups = path.join(t.dir, 'backups');
    const older = backupDatabase({ dbPath: t.file, dir: backups }).file;
    expect(scanFiles([older], needles())[older]).toEqual(needles());

    const admin = t.as('admin');
    const result = await admin.users.forget({
      userId: data.principal.userId,
      confirmation: ` ${SUBJECT.email.toUpperCase()} `,
    });
    expect(result.erasure?.tombstone).toMatch(/^forgotten-/);
    expect(result.compacted).toEqual({ vacuumed: true, walTruncated: true });
    const tombstone = result.erasure?.tombstone ?? '';

    // Content gone, the other project stays with the tombstone, ratings anonymous, counts exact.
    expect(personalRows(t.db)).toBe(0);
    expect(
      count(t.db, 'SELECT count(*) AS n FROM ProjectStates WHERE Id = ?', data.projectId),
    ).toBe(0);
    expect(
      count(t.db, 'SELECT count(*) AS n FROM CustomTemplates WHERE Id = ?', data.customTemplateId),
    ).toBe(0);
    expect(
      count(
        t.db,
        'SELECT count(*) AS n FROM ProjectStates WHERE Id = ? AND ModifiedBy = ?',
        data.otherProjectId,
        tombstone,
      ),
    ).toBe(1);
    expect(
      count(
        t.db,
        'SELECT count(*) AS n FROM TemplateRatings WHERE UserId = ? AND TemplateId = ?',
        tombstone,
        data.ratedTemplateId,
      ),
    ).toBe(1);
    expect(
      count(
        t.db,
        'SELECT count(*) AS n FROM Templates WHERE Id = ? AND RatingCount = 1 AND Rating = 5',
        data.ratedTemplateId,
      ),
    ).toBe(1);
    expect(
      count(
        t.db,
        'SELECT count(*) AS n FROM ActionLogs WHERE AffectedResourceIds LIKE ?',
        `%${data.projectId}%`,
      ),
    ).toBe(0);
    expect(checkReferenceCounts(t.db).mismatches).toEqual([]);
    // Not undoable: nothing in anyone's undo log, one ErasureLog row without personal data.
    const log = t.db.select().from(erasureLog).all();
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      subjectHash: erasureSubjectHash(data.principal.userId),
      tombstone,
      erasedBy: t.principal('admin').userId,
      transferredTo: null,
    });
    expect(
      count(t.db, "SELECT count(*) AS n FROM ActionLogs WHERE ActionType LIKE '%forget%'"),
    ).toBe(0);

    // The raw bytes: the database file and its WAL (while connected), then a fresh backup.
    const content = [...data.scriptTexts, 'Lighthouse keepers', 'KeeperBrowser/1'];
    const found = scanFiles(dbFiles(t.file), [...needles(), ...content]);
    expect(found).toEqual({ [t.file]: [], [`${t.file}-wal`]: [] });
    const fresh = backupDatabase({ dbPath: t.file, dir: backups }).file;
    expect(scanFiles([fresh], [...needles(), ...content])[fresh]).toEqual([]);

    // The older backup still has them; restoring it erases them again before anyone uses it.
    t.db.$client.close();
    const restored = restoreDatabase({ file: older, dbPath: t.file, safetyDir: backups });
    expect(restored.reappliedErasures).toEqual([
      expect.objectContaining({ id: result.erasure?.id, userFound: true }),
    ]);
    const after = scanFiles(dbFiles(t.file), [...needles(), ...content]);
    expect(after).toEqual({ [t.file]: [], [`${t.file}-wal`]: [] });
    if (restored.safetyCopy)
      expect(scanFiles([restored.safetyCopy], needles())[restored.safetyCopy]).toEqual([]);

    const reopened = createDb(openSqlite(t.file));
    try {
      applyMigrations(reopened.$client);
      expect(personalRows(reopened)).toBe(0);
      expect(checkReferenceCounts(reopened).mismatches).toEqual([]);
      const again = reopened.select().from(erasureLog).all();
      expect(again).toHaveLength(1);
      expect(again[0]?.reappliedAt).not.toBeNull();
      // A second restore of the same backup applies it again; the restored log is not doubled.
      reopened.$client.close();
      const twice = restoreDatabase({ file: older, dbPath: t.file, safetyDir: backups });
      expect(twice.reappliedErasures).toHaveLength(1);
    } finally {
      if (reopened.$client.open) reopened.$client.close();
    }
  });

  it('restores a backup older than the erasure log itself: migrates it, then erases again', async () => {
    const backups = path.join(t.dir, 'backups');
    const older = backupDatabase({ dbPath: t.file, dir: backups }).file;
    // The backup as an installation from before ErasureLog existed would have taken it.
    const old = openSqlite(older);
    const migrations = loadMigrations();
    rollbackMigrations(old, resolveMigrationTarget(migrations, '0009'), migrations);
    old.close();

    await t.as('admin').users.forget({
      userId: data.principal.userId,
      confirmation: SUBJECT.email,
    });
    t.db.$client.close();
    const restored = restoreDatabase({ file: older, dbPath: t.file, safetyDir: backups });
    expect(restored.migratedForErasures).toEqual(expect.arrayContaining(['0010_erasure_log']));
    expect(restored.pendingMigrations).toEqual([]);
    expect(restored.reappliedErasures).toEqual([expect.objectContaining({ userFound: true })]);
    expect(scanFiles(dbFiles(t.file), needles())).toEqual({ [t.file]: [], [`${t.file}-wal`]: [] });
  });

  it('backups.list marks the backups taken before an erasure', async () => {
    process.env.AURA_BACKUP_DIR = path.join(t.dir, 'backups');
    const admin = t.as('admin');
    const before = await admin.backups.run();
    expect((await admin.backups.list({})).items[0]?.predatesErasure).toBe(false);
    await admin.users.forget({ userId: data.principal.userId, confirmation: SUBJECT.email });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await admin.backups.run();
    const items = (await t.as('viewer').backups.list({})).items;
    expect(items.map((run) => [run.id === before.id, run.predatesErasure])).toEqual([
      [false, false],
      [true, true],
    ]);
    delete process.env.AURA_BACKUP_DIR;
    // The latest erasure is read from its index, not by scanning the log.
    const plan = t.db.$client
      .prepare('EXPLAIN QUERY PLAN SELECT max("ErasedAt") FROM "ErasureLog"')
      .all();
    expect(JSON.stringify(plan)).toContain('IX_ErasureLog_ErasedAt');
  });

  it('transfers the content to another user when asked, and still erases the identity', async () => {
    const editor = t.principal('editor');
    const result = await t.as('admin').users.forget({
      userId: data.principal.userId,
      transferTo: editor.userId,
      confirmation: SUBJECT.email,
    });
    expect(result.summary).toMatchObject({
      projectsTransferred: 1,
      projectsDeleted: 0,
      customTemplatesTransferred: 1,
      transferredTo: editor.userId,
    });
    expect(
      count(
        t.db,
        'SELECT count(*) AS n FROM ProjectStates WHERE Id = ? AND CreatedBy = ?',
        data.projectId,
        editor.userId,
      ),
    ).toBe(1);
    expect(
      count(
        t.db,
        'SELECT count(*) AS n FROM CustomTemplates WHERE Id = ? AND CreatedBy = ? AND Author = ?',
        data.customTemplateId,
        editor.userId,
        editor.displayName,
      ),
    ).toBe(1);
    // The project still reads back, with all its versions.
    const project = await t.as('editor').projects.get({ id: data.projectId });
    expect(project.scenes).toHaveLength(3);
    expect(checkReferenceCounts(t.db).mismatches).toEqual([]);
    expect(scanFiles(dbFiles(t.file), needles())).toEqual({ [t.file]: [], [`${t.file}-wal`]: [] });
  });

  it('ends the forgotten user’s sessions and tokens at once (principal cache)', async () => {
    expect(resolveSession(t.db, data.sessionToken)?.userId).toBe(data.principal.userId);
    expect(resolveApiToken(t.db, data.apiToken)?.userId).toBe(data.principal.userId);
    const me = t.as('admin');
    await me.users.forget({ userId: data.principal.userId, confirmation: SUBJECT.email });
    expect(
      count(t.db, 'SELECT count(*) AS n FROM Sessions WHERE UserId = ?', data.principal.userId),
    ).toBe(0);
    expect(count(t.db, 'SELECT count(*) AS n FROM ApiTokens WHERE Id = ?', data.tokenId)).toBe(0);
    expect(resolveSession(t.db, data.sessionToken)).toBeNull();
    expect(resolveApiToken(t.db, data.apiToken)).toBeNull();
  });
});
