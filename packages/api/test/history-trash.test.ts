import {
  customTemplates,
  insertAudited,
  projectStates,
  projectVersions,
  sceneStates,
  type AuraDb,
} from '@aura/db';
import { TRPCError } from '@trpc/server';
import { asc, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { buildDeletersQuery } from '../src/trash/service';
import { buildVersionTrashQuery } from '../src/versions/history';
import { versionTrashListInput } from '../src/versions/schema';
import { UNKNOWN_ID, openTestDb, type TestDb } from './helpers';

/** What the Versions tab and the Trash page need beyond the version procedures' first cut. */

let t: TestDb;
afterEach(() => t.close());

async function codeOf(promise: Promise<unknown>): Promise<string | null> {
  return promise.then(
    () => null,
    (e: unknown) => (e instanceof TRPCError ? e.code : `not a TRPCError: ${String(e)}`),
  );
}

function project(db: AuraDb, title: string, scenes: string[]) {
  const p = insertAudited(
    db,
    projectStates,
    { title, briefJson: JSON.stringify({ topic: 'Rivers', tone: 'calm' }) },
    'tester',
  );
  scenes.forEach((scriptText, sceneIndex) =>
    insertAudited(db, sceneStates, { projectId: p.id, sceneIndex, scriptText }, 'tester'),
  );
  return p;
}

function scenesOf(db: AuraDb, projectId: string) {
  return db
    .select()
    .from(sceneStates)
    .where(eq(sceneStates.projectId, projectId))
    .orderBy(asc(sceneStates.sceneIndex))
    .all();
}

describe('versions.diff side by side', () => {
  it('aligns both sides scene by scene: removed after its predecessor, moved once where it is now', async () => {
    t = openTestDb();
    const p = project(t.db, 'Rivers', ['intro', 'source', 'delta', 'sea']);
    const v1 = (await t.caller.versions.create({ projectId: p.id, name: 'First' })).version;
    const [intro, source, delta, sea] = scenesOf(t.db, p.id);
    // New order: sea, intro, source (edited); delta removed; outro added.
    t.db.update(sceneStates).set({ sceneIndex: 0 }).where(eq(sceneStates.id, sea!.id)).run();
    t.db.update(sceneStates).set({ sceneIndex: 1 }).where(eq(sceneStates.id, intro!.id)).run();
    t.db
      .update(sceneStates)
      .set({ sceneIndex: 2, scriptText: 'the source of the river' })
      .where(eq(sceneStates.id, source!.id))
      .run();
    t.db.delete(sceneStates).where(eq(sceneStates.id, delta!.id)).run();
    const outro = insertAudited(
      t.db,
      sceneStates,
      { projectId: p.id, sceneIndex: 3, scriptText: 'outro' },
      'tester',
    );

    const now = await t.as('viewer').versions.diff({ fromVersionId: v1.id });
    expect(now.from).toMatchObject({ id: v1.id, name: 'First', versionNumber: 1 });
    expect(now.to).toBeNull();
    expect(
      now.scenes.rows.map((r) => [r.id, r.status, r.moved, r.before?.index, r.after?.index]),
    ).toEqual([
      [sea!.id, 'unchanged', true, 3, 0],
      [intro!.id, 'unchanged', false, 0, 1],
      [source!.id, 'changed', false, 1, 2],
      [delta!.id, 'removed', false, 2, undefined],
      [outro.id, 'added', false, undefined, 3],
    ]);
    const changed = now.scenes.rows[2]!;
    expect(changed.before?.scene.scriptText).toBe('source');
    expect(changed.after?.scene.scriptText).toBe('the source of the river');

    // The same between two versions, in the other direction: what was added is now removed.
    const v2 = (await t.caller.versions.create({ projectId: p.id })).version;
    const back = await t.caller.versions.diff({ fromVersionId: v2.id, toVersionId: v1.id });
    expect(back.to?.id).toBe(v1.id);
    expect(back.scenes.rows.find((r) => r.id === outro.id)?.status).toBe('removed');
    expect(back.scenes.rows.find((r) => r.id === delta!.id)?.status).toBe('added');
    // A scene removed from the front comes first.
    const first = back.scenes.rows[0]!;
    expect([first.id, first.status]).toEqual([intro!.id, 'unchanged']);
  });

  it('versions of two projects are not comparable; unknown, trashed and malformed ids are refused', async () => {
    t = openTestDb();
    const a = project(t.db, 'A', ['one']);
    const b = project(t.db, 'B', ['two']);
    const va = (await t.caller.versions.create({ projectId: a.id })).version;
    const vb = (await t.caller.versions.create({ projectId: b.id })).version;
    const error = await t.caller.versions.diff({ fromVersionId: va.id, toVersionId: vb.id }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe('BAD_REQUEST');
    expect((error as TRPCError).message).toMatch(/toVersionId/);
    expect(await codeOf(t.caller.versions.diff({ fromVersionId: UNKNOWN_ID }))).toBe('NOT_FOUND');
    expect(await codeOf(t.caller.versions.diff({ fromVersionId: 'x'.repeat(10_000) }))).toBe(
      'BAD_REQUEST',
    );
    expect(
      await codeOf(t.caller.versions.diff({ fromVersionId: va.id, toVersionId: '../../etc' })),
    ).toBe('BAD_REQUEST');
    expect(await codeOf(t.anonymous.versions.diff({ fromVersionId: va.id }))).toBe('UNAUTHORIZED');
    await t.caller.versions.softDelete({ id: vb.id, rowVersion: vb.rowVersion });
    expect(await codeOf(t.caller.versions.diff({ fromVersionId: vb.id }))).toBe('NOT_FOUND');
  });
});

describe('versions.trashAll', () => {
  it('lists every project’s trashed versions with project, who and when, most recent first, in pages', async () => {
    t = openTestDb();
    const a = project(t.db, 'Alpha', ['one']);
    const b = project(t.db, 'Beta', ['two']);
    const trashed: string[] = [];
    for (const p of [a, b, a]) {
      const v = (await t.caller.versions.create({ projectId: p.id, name: `of ${p.title}` }))
        .version;
      await t.caller.versions.softDelete({ id: v.id, rowVersion: v.rowVersion });
      trashed.unshift(v.id);
    }
    await t.caller.versions.create({ projectId: b.id, name: 'live' });

    const first = await t.as('viewer').versions.trashAll({ limit: 2 });
    expect(first.items.map((v) => v.id)).toEqual(trashed.slice(0, 2));
    expect(first.items[0]).toMatchObject({
      projectId: a.id,
      projectTitle: 'Alpha',
      projectDeleted: false,
      name: 'of Alpha',
      deletedBy: t.principal('editor').userId,
      deletedByName: 'editor',
    });
    expect(first.items[0]?.deletedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(first.items[0]).not.toHaveProperty('timelineHash');
    const second = await t.caller.versions.trashAll({ limit: 2, cursor: first.nextCursor });
    expect(second.items.map((v) => v.id)).toEqual(trashed.slice(2));
    expect(second.nextCursor).toBeNull();

    // A version whose project is in the trash says so.
    await t.caller.projects.softDelete({ id: a.id, rowVersion: a.rowVersion });
    expect((await t.caller.versions.trashAll()).items[0]).toMatchObject({ projectDeleted: true });

    expect(await codeOf(t.anonymous.versions.trashAll())).toBe('UNAUTHORIZED');
    expect(await codeOf(t.caller.versions.trashAll({ cursor: 'garbage' }))).toBe('BAD_REQUEST');
    expect(await codeOf(t.caller.versions.trashAll({ limit: 101 }))).toBe('BAD_REQUEST');
    const otherList = (await t.caller.projects.trash({ limit: 1 })).nextCursor;
    await t.caller.projects.softDelete({ id: b.id, rowVersion: b.rowVersion });
    const projectCursor = (await t.caller.projects.trash({ limit: 1 })).nextCursor;
    expect(otherList).toBeNull();
    expect(await codeOf(t.caller.versions.trashAll({ cursor: projectCursor }))).toBe('BAD_REQUEST');
  });

  it('is served by the (IsDeleted, DeletedAt) index, never a scan of the versions', async () => {
    t = openTestDb();
    const p = project(t.db, 'Plan', ['one']);
    for (let i = 0; i < 5; i++) {
      const v = (await t.caller.versions.create({ projectId: p.id })).version;
      await t.caller.versions.softDelete({ id: v.id, rowVersion: v.rowVersion });
    }
    const { nextCursor } = await t.caller.versions.trashAll({ limit: 2 });
    for (const input of [{}, { limit: 2, cursor: nextCursor }]) {
      const { sql, params } = buildVersionTrashQuery(
        t.db,
        versionTrashListInput.parse(input),
      ).toSQL();
      const plan = (
        t.db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]
      )
        .map((row) => row.detail)
        .join('\n');
      expect(plan).toMatch(/ProjectVersions USING INDEX IX_ProjectVersions_IsDeleted_DeletedAt/);
      expect(plan).not.toMatch(/^SCAN (ProjectVersions|ProjectStates|DeletedByUser)\b/m);
      // Only the id tie-break among equal DeletedAt may be sorted, never the whole trash.
      expect(plan).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
    }
  });
});

describe('customTemplates.purge', () => {
  it('an admin removes a trashed template for good; editors and viewers cannot; a live or stale one is refused', async () => {
    t = openTestDb();
    const live = await t.caller.customTemplates.create({ name: 'Live', category: 'Talk' });
    const gone = await t.caller.customTemplates.create({ name: 'Gone', category: 'Talk' });
    const trashed = await t.caller.customTemplates.softDelete({
      id: gone.id,
      rowVersion: gone.rowVersion,
    });
    const key = { id: gone.id, rowVersion: trashed.rowVersion };

    expect(await codeOf(t.anonymous.customTemplates.purge(key))).toBe('UNAUTHORIZED');
    expect(await codeOf(t.as('viewer').customTemplates.purge(key))).toBe('FORBIDDEN');
    expect(await codeOf(t.as('editor').customTemplates.purge(key))).toBe('FORBIDDEN');
    const admin = t.as('admin');
    expect(
      await codeOf(admin.customTemplates.purge({ id: live.id, rowVersion: live.rowVersion })),
    ).toBe('CONFLICT');
    expect(await codeOf(admin.customTemplates.purge({ ...key, rowVersion: 1 }))).toBe('CONFLICT');
    expect(await codeOf(admin.customTemplates.purge({ id: UNKNOWN_ID, rowVersion: 1 }))).toBe(
      'NOT_FOUND',
    );
    expect(await codeOf(admin.customTemplates.purge({ id: 'nope', rowVersion: 1 }))).toBe(
      'BAD_REQUEST',
    );
    expect(t.db.select().from(customTemplates).all()).toHaveLength(2);

    expect((await admin.customTemplates.purge(key)).name).toBe('Gone');
    expect(
      t.db.select().from(customTemplates).where(eq(customTemplates.id, gone.id)).get(),
    ).toBeUndefined();
    expect((await t.caller.customTemplates.trash()).items).toEqual([]);
    expect((await t.caller.customTemplates.get({ id: live.id })).name).toBe('Live');
    expect(await codeOf(admin.customTemplates.purge(key))).toBe('NOT_FOUND');
    // Undoing the trash move of a purged template has nothing to bring back.
    expect(await codeOf(t.caller.actions.undo())).toBe('CONFLICT');
  });
});

describe('versions.restore through the API leaves a restore point', () => {
  it('the restore point holds the state before, and the project RowVersion grows', async () => {
    t = openTestDb();
    const p = project(t.db, 'Restore', ['one', 'two']);
    const v1 = (await t.caller.versions.create({ projectId: p.id })).version;
    t.db
      .update(sceneStates)
      .set({ scriptText: 'changed' })
      .where(eq(sceneStates.projectId, p.id))
      .run();
    const before = t.db.select().from(projectStates).where(eq(projectStates.id, p.id)).get()!;
    const result = await t.caller.versions.restore({
      versionId: v1.id,
      projectRowVersion: before.rowVersion,
    });
    expect(result.project.rowVersion).toBeGreaterThan(before.rowVersion);
    expect(result.restorePoint.versionType).toBe('RestorePoint');
    const diff = await t.caller.versions.diff({ fromVersionId: result.restorePoint.id });
    expect(diff.scenes.rows.map((r) => r.status)).toEqual(['changed', 'changed']);
    expect(
      t.db.select().from(projectVersions).where(eq(projectVersions.projectId, p.id)).all(),
    ).toHaveLength(2);
  });
});

describe('trash.deleters', () => {
  it('names exactly the users who deleted something now in the trash, to any signed-in user', async () => {
    t = openTestDb();
    const admin = t.principal('admin');
    t.principal('viewer');
    const p = project(t.db, 'Gone', ['one']);
    expect(await t.caller.trash.deleters()).toEqual([]);
    await t.caller.projects.softDelete({ id: p.id, rowVersion: p.rowVersion });
    const template = await t.as('admin').customTemplates.create({ name: 'T', category: 'Talk' });
    await t
      .as('admin')
      .customTemplates.softDelete({ id: template.id, rowVersion: template.rowVersion });
    expect(await t.as('viewer').trash.deleters()).toEqual([
      { id: admin.userId, displayName: 'admin' },
      { id: t.principal('editor').userId, displayName: 'editor' },
    ]);
    expect(await codeOf(t.anonymous.trash.deleters())).toBe('UNAUTHORIZED');
    const restored = await t.caller.projects.restore({ id: p.id, rowVersion: p.rowVersion + 1 });
    expect(restored.isDeleted).toBe(false);
    expect((await t.caller.trash.deleters()).map((d) => d.displayName)).toEqual(['admin']);

    const { sql, params } = buildDeletersQuery(t.db).toSQL();
    const plan = (
      t.db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]
    )
      .map((row) => row.detail)
      .join('\n');
    expect(plan).not.toMatch(/SCAN (ProjectStates|ProjectVersions|CustomTemplates)\b/);
    for (const table of ['ProjectStates', 'ProjectVersions', 'CustomTemplates'])
      expect(plan).toMatch(new RegExp(`${table} USING (COVERING )?INDEX IX_${table}_IsDeleted`));
  });
});
