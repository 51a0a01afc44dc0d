import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  contentBlobs,
  insertAudited,
  projectStates,
  projectVersions,
  sceneStates,
  type AuraDb,
} from '@aura/db';
import { asc, eq, sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { ZodError, z } from 'zod';
import { SCENES_PER_PROJECT_MAX } from '../src/limits';
import { createVersion } from '../src/versions/history';
import { prepareBlob } from '../src/versions/content';
import { currentContent } from '../src/versions/snapshot';
import { checkReferenceCounts, collectBlobs, storageStats } from '../src/versions/storage';
import { UNKNOWN_ID, openTestDb, type TestDb } from './helpers';

let t: TestDb;
afterEach(() => t.close());

const DAY = 86_400_000;

function project(db: AuraDb, scenes = 3, specs: Record<string, unknown> = { tone: 'calm' }) {
  const p = insertAudited(
    db,
    projectStates,
    {
      title: 'Versioned',
      briefJson: JSON.stringify({ topic: 'Volcanoes', ...specs }),
      planSpecJson: JSON.stringify({ sections: ['hook', 'body'] }),
      voiceSpecJson: JSON.stringify({ voice: 'alloy', rate: 1 }),
      renderSpecJson: null,
    },
    'tester',
  );
  for (let i = 0; i < scenes; i++) {
    insertAudited(
      db,
      sceneStates,
      { projectId: p.id, sceneIndex: i, scriptText: `Scene ${i} text`, durationSeconds: 5 + i },
      'tester',
    );
  }
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

function projectRow(db: AuraDb, id: string) {
  return db.select().from(projectStates).where(eq(projectStates.id, id)).get()!;
}

function blobCount(db: AuraDb) {
  return db
    .select({ n: sql<number>`count(*)` })
    .from(contentBlobs)
    .get()!.n;
}

/** Reference counts must be exact after every commit. */
function expectExactCounts(db: AuraDb) {
  expect(checkReferenceCounts(db).mismatches).toEqual([]);
}

describe('versions.create', () => {
  it('each version holds the specs as they are at that moment, whatever changed between', async () => {
    // The specs are compared with the previous snapshot's in SQLite and re-read only when they
    // differ: every kind of change must still be seen.
    t = openTestDb();
    const p = project(t.db);
    const setSpecs = (specs: Partial<typeof projectStates.$inferInsert>) =>
      t.db.update(projectStates).set(specs).where(eq(projectStates.id, p.id)).run();
    const snapshot = async () => {
      const { version } = await t.caller.versions.create({ projectId: p.id });
      const full = await t.caller.versions.get({ id: version.id });
      return { brief: full.content.brief, render: full.content.render, hash: version.briefHash };
    };
    const first = await snapshot();
    expect(first).toMatchObject({ brief: { topic: 'Volcanoes', tone: 'calm' }, render: null });
    setSpecs({ briefJson: null, renderSpecJson: '{"fps":60}' });
    expect(await snapshot()).toMatchObject({ brief: null, render: { fps: 60 }, hash: null });
    setSpecs({ briefJson: '{"topic":"Écoles","tone":"calm"}' });
    expect(await snapshot()).toMatchObject({ brief: { topic: 'Écoles', tone: 'calm' } });
    // Same length, one character changed.
    setSpecs({ briefJson: '{"topic":"Écoles","tone":"cald"}' });
    expect((await snapshot()).brief).toEqual({ topic: 'Écoles', tone: 'cald' });
    setSpecs({ briefJson: JSON.stringify({ topic: 'Volcanoes', tone: 'calm' }) });
    expect(await snapshot()).toMatchObject({ brief: first.brief, hash: first.hash });
    setSpecs({ renderSpecJson: null });
    expect((await snapshot()).render).toBeNull();
    expectExactCounts(t.db);
  });

  it('each version holds every scene field exactly, and stores a scene as the same blob as before', async () => {
    // The scenes are read as one SQLite-written key each (see prepareScenes): what a version
    // keeps must be what the rows hold, to the last bit of a REAL, whatever the text holds.
    t = openTestDb();
    const p = project(t.db, 2);
    const [first, second] = scenesOf(t.db, p.id);
    const setScene = (id: string, fields: Partial<typeof sceneStates.$inferInsert>) =>
      t.db.update(sceneStates).set(fields).where(eq(sceneStates.id, id)).run();
    setScene(first!.id, {
      scriptText: 'Quotes " and \\ backslash,\nnew line, tab\t, NUL-free, émoji 🌋, [brackets]',
      durationSeconds: 0.1 + 0.2,
      audioFilePath: '/media/a "b".wav',
      isCompleted: true,
    });
    setScene(second!.id, { durationSeconds: 1e-300, imageFilePath: 'img.png' });
    const versionOf = async () => {
      const { version } = await t.caller.versions.create({ projectId: p.id });
      return (await t.caller.versions.get({ id: version.id })).content.scenes;
    };
    const expected = () => currentContent(t.db, projectRow(t.db, p.id)).scenes;
    const before = expected();
    expect(before[0]).toMatchObject({ durationSeconds: 0.30000000000000004, isCompleted: true });
    expect(await versionOf()).toEqual(before);
    // One ulp apart: another version content, never the cached blob of the first.
    setScene(first!.id, { durationSeconds: 0.3 });
    const after = await versionOf();
    expect(after[0]!.durationSeconds).toBe(0.3);
    expect(after).toEqual(expected());
    // Unchanged scenes hash as the JS canonical form of the row always did (blobs stored by an
    // earlier version of this code are shared, not stored twice).
    const hashes = t.db
      .select({ hash: contentBlobs.contentHash })
      .from(contentBlobs)
      .where(eq(contentBlobs.contentType, 'Scene'))
      .all()
      .map((row) => row.hash);
    for (const scene of expected()) {
      expect(hashes).toContain(prepareBlob('Scene', scene).hash);
    }
    expectExactCounts(t.db);
  });

  it('captures specs and timeline into content blobs; the row keeps only hashes', async () => {
    t = openTestDb();
    const p = project(t.db);
    const { version, created } = await t.caller.versions.create({
      projectId: p.id,
      versionType: 'Manual',
      name: 'First cut',
    });
    expect(created).toBe(true);
    expect(version).toMatchObject({
      versionNumber: 1,
      versionType: 'Manual',
      name: 'First cut',
      createdByUserId: t.principal('editor').userId,
    });
    expect(version.briefHash).toMatch(/^[0-9a-f]{64}$/);
    expect(version.renderHash).toBeNull();
    const raw = t.db
      .select()
      .from(projectVersions)
      .where(eq(projectVersions.id, version.id))
      .get()!;
    expect([
      raw.briefJson,
      raw.planSpecJson,
      raw.voiceSpecJson,
      raw.renderSpecJson,
      raw.timelineJson,
    ]).toEqual([null, null, null, null, null]);

    const full = await t.caller.versions.get({ id: version.id });
    expect(full.content.brief).toEqual({ topic: 'Volcanoes', tone: 'calm' });
    expect(full.content.scenes.map((s) => s.scriptText)).toEqual([
      'Scene 0 text',
      'Scene 1 text',
      'Scene 2 text',
    ]);
    expectExactCounts(t.db);
  });

  it('stores equal content once, keyed by the SHA-256 of canonical JSON (key order does not matter)', async () => {
    t = openTestDb();
    const a = project(t.db, 2);
    await t.caller.versions.create({ projectId: a.id });
    const before = blobCount(t.db);
    // Same brief with keys in another order.
    t.db
      .update(projectStates)
      .set({ briefJson: '{"tone":"calm","topic":"Volcanoes"}' })
      .where(eq(projectStates.id, a.id))
      .run();
    await t.caller.versions.create({ projectId: a.id });
    // Only a small timeline delta is new: the documents and scenes are shared.
    expect(blobCount(t.db)).toBe(before + 1);
    const brief = t.db
      .select()
      .from(contentBlobs)
      .where(eq(contentBlobs.contentType, 'Brief'))
      .all();
    expect(brief).toHaveLength(1);
    expect(brief[0]!.referenceCount).toBe(2);
    expectExactCounts(t.db);
  });

  it('an unchanged autosave returns the latest version instead of a new row', async () => {
    t = openTestDb();
    const p = project(t.db);
    const manual = await t.caller.versions.create({ projectId: p.id, versionType: 'Manual' });
    const auto = await t.caller.versions.create({ projectId: p.id, versionType: 'Autosave' });
    expect(auto.created).toBe(false);
    expect(auto.version.id).toBe(manual.version.id);
    t.db
      .update(sceneStates)
      .set({ scriptText: 'changed' })
      .where(eq(sceneStates.projectId, p.id))
      .run();
    const changed = await t.caller.versions.create({ projectId: p.id, versionType: 'Autosave' });
    expect(changed).toMatchObject({
      created: true,
      version: { versionNumber: 2, versionType: 'Autosave' },
    });
    // The manual save is still there: an autosave never replaces it.
    expect(
      (await t.caller.versions.list({ projectId: p.id })).items.map((v) => v.versionType),
    ).toEqual(['Autosave', 'Manual']);
  });

  it('numbers never repeat, even after a purge', async () => {
    t = openTestDb();
    const p = project(t.db);
    const v1 = await t.caller.versions.create({ projectId: p.id });
    const v2 = await t.caller.versions.create({ projectId: p.id });
    await t.as('admin').versions.purge({ id: v2.version.id });
    const v3 = await t.caller.versions.create({ projectId: p.id });
    expect([v1.version.versionNumber, v3.version.versionNumber]).toEqual([1, 3]);
    expectExactCounts(t.db);
  });

  it('viewers cannot create; a missing or deleted project is NOT_FOUND; bad input changes nothing', async () => {
    t = openTestDb();
    const p = project(t.db);
    await expect(t.as('viewer').versions.create({ projectId: p.id })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(t.caller.versions.create({ projectId: UNKNOWN_ID })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(
      t.caller.versions.create({ projectId: p.id, versionType: 'Nightly' as never }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(t.db.select().from(projectVersions).all()).toEqual([]);
    expect(blobCount(t.db)).toBe(0);
  });

  it('two processes creating versions of one project at once never collide', async () => {
    t = openTestDb();
    const p = project(t.db, 5);
    const script = path.join(t.dir, 'create-versions.ts');
    writeFileSync(
      script,
      `import { openDatabase, sceneStates } from '@aura/db';
import { createVersion } from '${path.resolve(import.meta.dirname, '../src/versions/history.ts')}';
import { eq } from 'drizzle-orm';
const db = openDatabase(process.env.AURA_DB_PATH);
for (let i = 0; i < 25; i++) {
  db.update(sceneStates).set({ scriptText: process.pid + ':' + i }).where(eq(sceneStates.projectId, '${p.id}')).run();
  createVersion(db, 'proc-' + process.pid, { projectId: '${p.id}', versionType: 'Manual' });
}
db.$client.close();
`,
    );
    const tsx = path.resolve(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx');
    const run = () =>
      new Promise<number>((resolve) => {
        const child = spawn(tsx, [script], {
          cwd: path.resolve(import.meta.dirname, '..'),
          env: { ...process.env, AURA_DB_PATH: t.file },
          stdio: 'inherit',
        });
        child.on('exit', (code) => resolve(code ?? 1));
      });
    expect(await Promise.all([run(), run()])).toEqual([0, 0]);
    const numbers = t.db
      .select({ n: projectVersions.versionNumber })
      .from(projectVersions)
      .orderBy(asc(projectVersions.versionNumber))
      .all()
      .map((r) => r.n);
    expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(projectRow(t.db, p.id).lastVersionNumber).toBe(50);
    expectExactCounts(t.db);
  }, 60_000);
});

describe('storage grows with what changed', () => {
  it('500 autosaves of a 200-scene project with ~1 MB of specs, one scene changed each time, store at most 1.2x', () => {
    t = openTestDb();
    const filler = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ id: i, text: `paragraph ${i} `.repeat(20) }));
    const p = project(t.db, 0, { research: filler(1500), notes: filler(1500) });
    const briefBytes = projectRow(t.db, p.id).briefJson!.length;
    expect(briefBytes).toBeGreaterThan(900_000);
    for (let i = 0; i < 200; i++) {
      insertAudited(
        t.db,
        sceneStates,
        {
          projectId: p.id,
          sceneIndex: i,
          scriptText: `Scene ${i}: ${'narration '.repeat(30)}`,
          durationSeconds: 6,
        },
        'tester',
      );
    }
    const keepAll = { keepLast: 10_000, dailyDays: 0, weeklyWeeks: 0 };
    createVersion(
      t.db,
      'tester',
      { projectId: p.id, versionType: 'Autosave' },
      { retention: keepAll },
    );
    const firstBytes = storageStats(t.db).storedBytes;

    const scenes = scenesOf(t.db, p.id);
    let changedSceneBytes = 0;
    for (let i = 1; i <= 500; i++) {
      const scene = scenes[(i * 37) % scenes.length]!;
      const script = `Scene edit ${i}: ${'revised narration '.repeat(15)}`;
      t.db
        .update(sceneStates)
        .set({ scriptText: script })
        .where(eq(sceneStates.id, scene.id))
        .run();
      const { created } = createVersion(
        t.db,
        'tester',
        { projectId: p.id, versionType: 'Autosave' },
        { retention: keepAll },
      );
      expect(created).toBe(true);
      const changed = currentContent(t.db, projectRow(t.db, p.id)).scenes.find(
        (s) => s.id === scene.id,
      )!;
      changedSceneBytes += Buffer.byteLength(
        JSON.stringify(Object.fromEntries(Object.entries(changed).sort())),
      );
    }
    const stats = storageStats(t.db);
    expect(stats.versions).toBe(501);
    const budget = 1.2 * (firstBytes + changedSceneBytes);
    console.log(
      `storage: first version ${firstBytes} B, changed scenes ${changedSceneBytes} B, stored ${stats.storedBytes} B ` +
        `(${(stats.storedBytes / (firstBytes + changedSceneBytes)).toFixed(3)}x), logical ${stats.logicalBytes} B, dedup ${stats.dedupRatio.toFixed(1)}x`,
    );
    expect(stats.storedBytes).toBeLessThanOrEqual(budget);
    expect(stats.dedupRatio).toBeGreaterThan(100);
    expectExactCounts(t.db);

    // Every version still reads back exactly: spot-check the last one against the project.
    const last = t.db
      .select()
      .from(projectVersions)
      .orderBy(sql`${projectVersions.versionNumber} desc`)
      .get()!;
    return t.caller.versions.get({ id: last.id }).then((v) => {
      expect(v.content).toEqual(currentContent(t.db, projectRow(t.db, p.id)));
    });
  }, 120_000);
});

describe('autosave retention', () => {
  it('keeps the newest N, one a day for 7 days, one a week for 4 weeks; never manual, restore points or important ones', () => {
    t = openTestDb();
    const p = project(t.db, 1);
    const now = new Date('2026-06-30T12:00:00.000Z');
    const policy = { keepLast: 3, dailyDays: 7, weeklyWeeks: 4 };
    const make = (type: 'Autosave' | 'Manual', at: Date) => {
      t.db
        .update(sceneStates)
        .set({ scriptText: `at ${at.toISOString()} ${type}` })
        .where(eq(sceneStates.projectId, p.id))
        .run();
      const { version } = createVersion(
        t.db,
        'tester',
        { projectId: p.id, versionType: type },
        { now: at, retention: { keepLast: 10_000, dailyDays: 0, weeklyWeeks: 0 } },
      );
      t.db
        .update(projectVersions)
        .set({ createdAt: at.toISOString() })
        .where(eq(projectVersions.id, version.id))
        .run();
      return version;
    };
    // Two autosaves a day for 40 days, plus an old manual save and an old important autosave.
    const manual = make('Manual', new Date(now.getTime() - 60 * DAY));
    const important = make('Autosave', new Date(now.getTime() - 59 * DAY));
    t.db
      .update(projectVersions)
      .set({ isMarkedImportant: true })
      .where(eq(projectVersions.id, important.id))
      .run();
    for (let d = 40; d >= 0; d--) {
      make('Autosave', new Date(now.getTime() - d * DAY - 2 * 3_600_000));
      make('Autosave', new Date(now.getTime() - d * DAY - 1 * 3_600_000));
    }
    const trigger = make('Autosave', new Date(now.getTime() - 60_000));
    t.db
      .update(sceneStates)
      .set({ scriptText: 'the newest edit' })
      .where(eq(sceneStates.projectId, p.id))
      .run();
    const pruned = createVersion(
      t.db,
      'tester',
      { projectId: p.id, versionType: 'Autosave' },
      { now, retention: policy },
    ).pruned;
    expect(pruned.length).toBeGreaterThan(0);

    const left = t.db
      .select()
      .from(projectVersions)
      .where(eq(projectVersions.projectId, p.id))
      .all();
    const ids = new Set(left.map((v) => v.id));
    expect(ids.has(manual.id)).toBe(true);
    expect(ids.has(important.id)).toBe(true);
    expect(ids.has(trigger.id)).toBe(true);
    const autosaves = left.filter((v) => v.versionType === 'Autosave' && !v.isMarkedImportant);
    // 3 newest + one per day for the 7 days (some overlap) + one per week for 4 weeks.
    const days = new Set(
      autosaves
        .filter((v) => now.getTime() - Date.parse(v.createdAt) < 7 * DAY)
        .map((v) => v.createdAt.slice(0, 10)),
    );
    expect(days.size).toBeGreaterThanOrEqual(7);
    expect(autosaves.length).toBeLessThanOrEqual(3 + 7 + 4);
    expect(autosaves.some((v) => now.getTime() - Date.parse(v.createdAt) > 28 * DAY)).toBe(false);
    // References were released in the same transaction.
    expectExactCounts(t.db);
  });
});

describe('versions.restore', () => {
  it('takes a restore point first; restoring that restore point brings the earlier state back exactly', async () => {
    t = openTestDb();
    const p = project(t.db, 3);
    const v1 = (await t.caller.versions.create({ projectId: p.id })).version;
    const original = currentContent(t.db, projectRow(t.db, p.id));

    // Change everything: specs, a scene's text, order, delete one, add one.
    const scenes = scenesOf(t.db, p.id);
    t.db
      .update(projectStates)
      .set({ briefJson: '{"topic":"Glaciers"}', renderSpecJson: '{"fps":60}' })
      .where(eq(projectStates.id, p.id))
      .run();
    t.db
      .update(sceneStates)
      .set({ scriptText: 'rewritten', sceneIndex: 0 })
      .where(eq(sceneStates.id, scenes[2]!.id))
      .run();
    t.db.update(sceneStates).set({ sceneIndex: 2 }).where(eq(sceneStates.id, scenes[0]!.id)).run();
    t.db.delete(sceneStates).where(eq(sceneStates.id, scenes[1]!.id)).run();
    insertAudited(
      t.db,
      sceneStates,
      { projectId: p.id, sceneIndex: 3, scriptText: 'new scene' },
      'tester',
    );
    const edited = currentContent(t.db, projectRow(t.db, p.id));
    const rowVersion = projectRow(t.db, p.id).rowVersion;

    const result = await t.caller.versions.restore({
      versionId: v1.id,
      projectRowVersion: rowVersion,
    });
    expect(result.restorePoint).toMatchObject({ versionType: 'RestorePoint', versionNumber: 2 });
    expect(result.project.rowVersion).toBe(rowVersion + 1);
    expect(currentContent(t.db, projectRow(t.db, p.id))).toEqual(original);
    expect(scenesOf(t.db, p.id).map((s) => s.sceneIndex)).toEqual([0, 1, 2]);

    await t.caller.versions.restore({ versionId: result.restorePoint.id });
    expect(currentContent(t.db, projectRow(t.db, p.id))).toEqual(edited);
    expectExactCounts(t.db);
  });

  it('a stale project RowVersion is CONFLICT and changes nothing', async () => {
    t = openTestDb();
    const p = project(t.db, 2);
    const v1 = (await t.caller.versions.create({ projectId: p.id })).version;
    t.db
      .update(projectStates)
      .set({ briefJson: '{"x":1}' })
      .where(eq(projectStates.id, p.id))
      .run();
    const before = currentContent(t.db, projectRow(t.db, p.id));
    await expect(
      t.caller.versions.restore({ versionId: v1.id, projectRowVersion: 99 }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(currentContent(t.db, projectRow(t.db, p.id))).toEqual(before);
    expect(t.db.select().from(projectVersions).all()).toHaveLength(1);
  });
});

describe('versions.diff', () => {
  it('reports document paths and scenes matched by id, with moves as moves', async () => {
    t = openTestDb();
    const p = project(t.db, 4);
    const v1 = (await t.caller.versions.create({ projectId: p.id })).version;
    const s = scenesOf(t.db, p.id);
    t.db
      .update(projectStates)
      .set({ briefJson: '{"topic":"Volcanoes","tone":"excited","length":3}' })
      .where(eq(projectStates.id, p.id))
      .run();
    // Move scene 3 to the front, change scene 1, remove scene 2, add one.
    t.db.update(sceneStates).set({ sceneIndex: 0 }).where(eq(sceneStates.id, s[3]!.id)).run();
    t.db.update(sceneStates).set({ sceneIndex: 1 }).where(eq(sceneStates.id, s[0]!.id)).run();
    t.db
      .update(sceneStates)
      .set({ sceneIndex: 2, durationSeconds: 9 })
      .where(eq(sceneStates.id, s[1]!.id))
      .run();
    t.db.delete(sceneStates).where(eq(sceneStates.id, s[2]!.id)).run();
    const added = insertAudited(
      t.db,
      sceneStates,
      { projectId: p.id, sceneIndex: 3, scriptText: 'outro' },
      'tester',
    );

    const diff = await t.caller.versions.diff({ fromVersionId: v1.id });
    expect(diff.identical).toBe(false);
    expect(diff.documents.brief).toEqual([
      { path: '/length', kind: 'added', new: 3 },
      { path: '/tone', kind: 'changed', old: 'calm', new: 'excited' },
    ]);
    expect(diff.documents.plan).toEqual([]);
    expect(diff.scenes.added.map((a) => [a.id, a.index])).toEqual([[added.id, 3]]);
    expect(diff.scenes.removed.map((r) => r.id)).toEqual([s[2]!.id]);
    expect(diff.scenes.changed).toEqual([
      { id: s[1]!.id, changes: [{ path: '/durationSeconds', kind: 'changed', old: 6, new: 9 }] },
    ]);
    expect(diff.scenes.moved).toEqual([{ id: s[3]!.id, from: 3, to: 0 }]);

    const v2 = (await t.caller.versions.create({ projectId: p.id })).version;
    expect((await t.caller.versions.diff({ fromVersionId: v2.id })).identical).toBe(true);
    expect(
      (await t.caller.versions.diff({ fromVersionId: v1.id, toVersionId: v2.id })).scenes.moved,
    ).toHaveLength(1);
  });
});

describe('version lifecycle', () => {
  it('list pages by number with a type filter; describe, importance, trash and purge follow the roles', async () => {
    t = openTestDb();
    const p = project(t.db, 1);
    for (let i = 0; i < 5; i++) {
      t.db
        .update(sceneStates)
        .set({ scriptText: `v${i}` })
        .where(eq(sceneStates.projectId, p.id))
        .run();
      await t.caller.versions.create({
        projectId: p.id,
        versionType: i % 2 ? 'Autosave' : 'Manual',
      });
    }
    const page1 = await t.as('viewer').versions.list({ projectId: p.id, limit: 2 });
    expect(page1.items.map((v) => v.versionNumber)).toEqual([5, 4]);
    const page2 = await t
      .as('viewer')
      .versions.list({ projectId: p.id, limit: 2, cursor: page1.nextCursor! });
    expect(page2.items.map((v) => v.versionNumber)).toEqual([3, 2]);
    const v5Id = () => page1.items[0]!.id;
    const page3 = await t.caller.versions.list({
      projectId: p.id,
      limit: 2,
      cursor: page2.nextCursor,
    });
    expect(page3).toMatchObject({ items: [{ versionNumber: 1 }], nextCursor: null });
    // Cursors are opaque: a bare number, a forged value, another list's cursor or one whose
    // version number is not a number is BAD_REQUEST on `cursor`.
    const cursorOf = (...parts: unknown[]) =>
      Buffer.from(JSON.stringify(parts)).toString('base64url');
    for (const cursor of [
      '3',
      'not a cursor',
      cursorOf('assets', 'Audio', v5Id()),
      cursorOf('versions', '3', v5Id()),
    ]) {
      const error: unknown = await t.caller.versions
        .list({ projectId: p.id, limit: 2, cursor })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(error, cursor).toMatchObject({ code: 'BAD_REQUEST', cause: expect.any(ZodError) });
      expect(Object.keys(z.flattenError((error as { cause: ZodError }).cause).fieldErrors)).toEqual(
        ['cursor'],
      );
    }
    expect(
      (await t.caller.versions.list({ projectId: p.id, versionType: 'Manual' })).items.map(
        (v) => v.versionNumber,
      ),
    ).toEqual([5, 3, 1]);

    const v5 = page1.items[0]!;
    const renamed = await t.caller.versions.describe({
      id: v5.id,
      rowVersion: v5.rowVersion,
      name: 'Final',
      description: 'Approved',
    });
    expect(renamed).toMatchObject({ name: 'Final', description: 'Approved', rowVersion: 2 });
    await expect(
      t.caller.versions.describe({ id: v5.id, rowVersion: 1, name: 'Stale' }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(
      t.as('viewer').versions.setImportant({ id: v5.id, rowVersion: 2, important: true }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const important = await t.caller.versions.setImportant({
      id: v5.id,
      rowVersion: 2,
      important: true,
    });
    expect(important.isMarkedImportant).toBe(true);

    const deleted = await t.caller.versions.softDelete({
      id: v5.id,
      rowVersion: important.rowVersion,
    });
    expect(
      (await t.caller.versions.list({ projectId: p.id })).items.map((v) => v.versionNumber),
    ).toEqual([4, 3, 2, 1]);
    expect((await t.caller.versions.trash({ projectId: p.id })).map((v) => v.id)).toEqual([v5.id]);
    await expect(t.caller.versions.get({ id: v5.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await t.caller.versions.undelete({ id: v5.id, rowVersion: deleted.rowVersion });
    expect((await t.caller.versions.get({ id: v5.id })).name).toBe('Final');

    await expect(t.caller.versions.purge({ id: v5.id })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    const purged = await t.as('admin').versions.purge({ id: v5.id });
    expect(purged.released).toBeGreaterThan(0);
    expect(
      t.db.select().from(projectVersions).where(eq(projectVersions.id, v5.id)).get(),
    ).toBeUndefined();
    expectExactCounts(t.db);
  });
});

describe('storage statistics, blob collection and the reference check', () => {
  it('reports logical vs stored bytes and the bytes only each version holds', async () => {
    t = openTestDb();
    const p = project(t.db, 3);
    const v1 = (await t.caller.versions.create({ projectId: p.id })).version;
    await t.caller.versions.create({ projectId: p.id });
    t.db
      .update(sceneStates)
      .set({ scriptText: 'only in v3' })
      .where(eq(sceneStates.projectId, p.id))
      .run();
    const v3 = (await t.caller.versions.create({ projectId: p.id })).version;
    const stats = await t.caller.versions.stats({ projectId: p.id });
    expect(stats.versions).toBe(3);
    expect(stats.logicalBytes).toBe(
      3 * v1.storageSizeBytes - (v1.storageSizeBytes - v3.storageSizeBytes),
    );
    expect(stats.dedupRatio).toBeGreaterThan(1.2);
    const perV3 = stats.perVersion.find((v) => v.id === v3.id)!;
    expect(perV3.exclusiveBytes).toBeGreaterThan(0);
    expect(stats.perVersion.find((v) => v.id === v1.id)!.exclusiveBytes).toBe(0);
  });

  it('collects unreferenced blobs only after the grace period, with a dry run', async () => {
    t = openTestDb();
    const p = project(t.db, 2);
    const v1 = (await t.caller.versions.create({ projectId: p.id })).version;
    await t.as('admin').versions.purge({ id: v1.id });
    const orphaned = blobCount(t.db);
    expect(orphaned).toBeGreaterThan(0);

    expect(
      await t.as('admin').versions.collectBlobs({ dryRun: false, graceMinutes: 60 }),
    ).toMatchObject({ removed: 0, collectable: 0 });
    const later = new Date(Date.now() + 2 * 3_600_000);
    expect(collectBlobs(t.db, { dryRun: true, now: later })).toMatchObject({
      dryRun: true,
      collectable: orphaned,
      removed: 0,
    });
    expect(blobCount(t.db)).toBe(orphaned);
    expect(collectBlobs(t.db, { now: later, batchSize: 2 })).toMatchObject({ removed: orphaned });
    expect(blobCount(t.db)).toBe(0);
    await expect(t.caller.versions.collectBlobs({ dryRun: true })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('never collects a blob a version still needs, and refuses when counts are plainly broken', async () => {
    t = openTestDb();
    const p = project(t.db, 2);
    await t.caller.versions.create({ projectId: p.id });
    const later = new Date(Date.now() + 2 * 3_600_000);
    expect(collectBlobs(t.db, { now: later }).removed).toBe(0);
    t.db.update(contentBlobs).set({ referenceCount: 0 }).run();
    expect(() => collectBlobs(t.db, { now: later })).toThrow(/Refusing to collect/);
    expect(blobCount(t.db)).toBeGreaterThan(0);
  });

  it('the reference check finds a corrupted count and fixes it when asked', async () => {
    t = openTestDb();
    const p = project(t.db, 2);
    await t.caller.versions.create({ projectId: p.id });
    await t.caller.versions.create({ projectId: p.id });
    const victim = t.db
      .select()
      .from(contentBlobs)
      .where(eq(contentBlobs.contentType, 'Plan'))
      .get()!;
    t.db
      .update(contentBlobs)
      .set({ referenceCount: 7 })
      .where(eq(contentBlobs.contentHash, victim.contentHash))
      .run();

    const report = await t.as('admin').versions.checkReferences();
    expect(report.mismatches).toEqual([
      { contentHash: victim.contentHash, recorded: 7, expected: 2 },
    ]);
    expect(report.fixed).toBe(false);
    expect(
      t.db
        .select()
        .from(contentBlobs)
        .where(eq(contentBlobs.contentHash, victim.contentHash))
        .get()!.referenceCount,
    ).toBe(7);
    expect((await t.as('admin').versions.checkReferences({ fix: true })).fixed).toBe(true);
    expectExactCounts(t.db);
  });
});

describe('versions.restore never rewinds a scene RowVersion', () => {
  it('a scene restored after its deletion is past every version it had: a stale write and an undo of its creation are CONFLICT', async () => {
    t = openTestDb();
    const author = t.caller;
    const other = t.as('admin');
    const p = await author.projects.create({ title: 'Restored' });
    const added = await author.scenes.add({ projectId: p.id, scriptText: 'first' });
    expect(added.rowVersion).toBe(1);
    const staleRead = added; // a client keeps this read
    const version = (await other.versions.create({ projectId: p.id })).version;
    await other.scenes.delete({ id: added.id, rowVersion: 1 });
    await other.versions.restore({ versionId: version.id });
    const [restored] = scenesOf(t.db, p.id);
    expect(restored).toMatchObject({ id: added.id, scriptText: 'first', rowVersion: 2 });

    await expect(
      author.scenes.update({ id: added.id, rowVersion: staleRead.rowVersion, scriptText: 'stale' }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    // Undoing the scene's creation would delete it if the restored row carried the version it was
    // added with; it is marked Failed and the restored scene stays.
    await expect(author.actions.undo()).rejects.toMatchObject({ code: 'CONFLICT' });
    const failed = await author.actions.history({ status: 'Failed' });
    expect(failed.items.map((i) => i.actionType)).toEqual(['scenes.add']);
    expect(scenesOf(t.db, p.id)).toEqual([restored]);
  });

  it('comes back one past the highest version any undo image of its id names, restore after restore', async () => {
    t = openTestDb();
    const p = await t.caller.projects.create({ title: 'Edited' });
    const scene = await t.caller.scenes.add({ projectId: p.id, scriptText: 'v1' });
    const version = (await t.caller.versions.create({ projectId: p.id })).version;
    for (let v = 1; v <= 4; v++)
      await t.caller.scenes.update({ id: scene.id, rowVersion: v, scriptText: `v${v + 1}` });
    await t.caller.scenes.delete({ id: scene.id, rowVersion: 5 });
    await t.caller.versions.restore({ versionId: version.id });
    expect(scenesOf(t.db, p.id)[0]).toMatchObject({ scriptText: 'v1', rowVersion: 6 });

    // Deleted again and restored again; then removed by restoring a version without it and
    // restored once more: each time one past the last version it had.
    await t.caller.scenes.delete({ id: scene.id, rowVersion: 6 });
    const without = (await t.caller.versions.create({ projectId: p.id })).version;
    await t.caller.versions.restore({ versionId: version.id });
    expect(scenesOf(t.db, p.id)[0]!.rowVersion).toBe(7);
    await t.caller.versions.restore({ versionId: without.id });
    expect(scenesOf(t.db, p.id)).toEqual([]);
    await t.caller.versions.restore({ versionId: version.id });
    expect(scenesOf(t.db, p.id)[0]).toMatchObject({
      id: scene.id,
      scriptText: 'v1',
      rowVersion: 8,
    });
    expectExactCounts(t.db);
  });
  it('counts the changes logged without images (over the size limit): still past every version', async () => {
    t = openTestDb();
    const huge = (mark: string) => mark + '€'.repeat(99_999); // 300 KB as JSON: no images kept
    const p = await t.caller.projects.create({ title: 'Long script' });
    const scene = await t.caller.scenes.add({ projectId: p.id, scriptText: huge('a') });
    const staleRead = scene;
    const version = (await t.caller.versions.create({ projectId: p.id })).version;
    await t.caller.scenes.update({ id: scene.id, rowVersion: 1, scriptText: huge('b') });
    await t.caller.scenes.delete({ id: scene.id, rowVersion: 2 });
    const log = await t.caller.actions.history({ status: 'Expired' });
    expect(log.items.map((i) => i.actionType).sort()).toEqual([
      'scenes.add',
      'scenes.delete',
      'scenes.update',
    ]);
    await t.caller.versions.restore({ versionId: version.id });
    expect(scenesOf(t.db, p.id)[0]!.rowVersion).toBeGreaterThan(2);
    await expect(
      t.caller.scenes.update({ id: scene.id, rowVersion: staleRead.rowVersion, scriptText: 'x' }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(scenesOf(t.db, p.id)[0]!.scriptText).toBe(huge('a'));
  });

  it('an undo that brings the scene back again also goes past the versions of its restored life', async () => {
    t = openTestDb();
    const author = t.caller;
    const other = t.as('admin');
    const p = await author.projects.create({ title: 'Twice' });
    const scene = await author.scenes.add({ projectId: p.id, scriptText: 'kept' });
    const version = (await author.versions.create({ projectId: p.id })).version;
    await other.scenes.delete({ id: scene.id, rowVersion: 1 });
    await author.versions.restore({ versionId: version.id });
    const staleRead = scenesOf(t.db, p.id)[0]!;
    expect(staleRead.rowVersion).toBe(2);
    await author.scenes.delete({ id: scene.id, rowVersion: 2 });
    // The other user's undo of their deletion writes back the image taken at version 1.
    await other.actions.undo();
    expect(scenesOf(t.db, p.id)[0]).toMatchObject({ id: scene.id, rowVersion: 3 });
    await expect(
      author.scenes.update({ id: scene.id, rowVersion: staleRead.rowVersion, scriptText: 'stale' }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(scenesOf(t.db, p.id)[0]!.scriptText).toBe('kept');
  });
});

describe('versions.restore and the scenes per project maximum', () => {
  it('refuses a version with more than SCENES_PER_PROJECT_MAX scenes: BAD_REQUEST, nothing written', async () => {
    t = openTestDb();
    const p = project(t.db, SCENES_PER_PROJECT_MAX + 1);
    const version = (await t.caller.versions.create({ projectId: p.id })).version;
    t.db.delete(sceneStates).where(eq(sceneStates.projectId, p.id)).run();
    const tables = () =>
      ['ProjectStates', 'SceneStates', 'ProjectVersions', 'ActionLogs', 'ContentBlobs'].map(
        (table) => t.db.$client.prepare(`SELECT * FROM ${table} ORDER BY 1`).all(),
      );
    const before = tables();
    await expect(t.caller.versions.restore({ versionId: version.id })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining(`at most ${SCENES_PER_PROJECT_MAX} scenes`),
    });
    expect(tables()).toEqual(before);
  });
});
