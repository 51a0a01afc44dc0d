import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TRPCError } from '@trpc/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ZodError } from 'zod';
import { buildRecoveryQuery, defaultStaleMinutes, staleCutoff } from '../src/checkpoints/recovery';
import { recoveryListInput } from '../src/checkpoints/schema';
import type { RouterOutputs } from '../src/root';
import { seedDatabase } from '@aura/db';
import { insertProject, openTestDb, type TestDb } from './helpers';

type RecoveryPage = RouterOutputs['recovery']['list'];

let t: TestDb;
beforeEach(() => {
  t = openTestDb();
  mkdirSync(path.join(t.dir, 'media'));
});
afterEach(() => {
  vi.unstubAllEnvs();
  t.close();
});

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

/** Pins a project's UpdatedAt (adding children through the procedures does not touch it). */
function touch(id: string, updatedAt: string) {
  t.db.$client.prepare('UPDATE ProjectStates SET UpdatedAt = ? WHERE Id = ?').run(updatedAt, id);
}

/** A file in the default media root (`media` beside the database). */
function file(name: string, present: boolean): string {
  const full = path.join(t.dir, 'media', name);
  if (present) writeFileSync(full, 'data');
  return full;
}

async function rejectsField(call: () => Promise<unknown>, field: string) {
  const error = await call().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe('BAD_REQUEST');
  expect(Object.keys(((error as TRPCError).cause as ZodError).flatten().fieldErrors)).toContain(
    field,
  );
}

/**
 * A: interrupted 2 hours ago, with present and missing files and three checkpoints (the newest
 * invalid); E: interrupted 3 days ago, nothing referenced. B is fresh, C completed, D trashed.
 */
async function seed() {
  const editor = t.caller;
  const a = insertProject(t.db, { title: 'A' });
  await editor.scenes.add({
    projectId: a.id,
    scriptText: 'one',
    audioFilePath: file('a-voice.wav', true),
    imageFilePath: file('a-image.png', false),
  });
  await editor.scenes.add({ projectId: a.id, scriptText: 'two' });
  const presentAsset = await editor.assets.register({
    projectId: a.id,
    assetType: 'Video',
    filePath: file('a-clip.mp4', true),
    fileSizeBytes: 4,
  });
  const missingAsset = await editor.assets.register({
    projectId: a.id,
    assetType: 'Subtitle',
    filePath: file('a-subs.srt', false),
    fileSizeBytes: 0,
  });
  const older = await editor.checkpoints.create({
    projectId: a.id,
    stageName: 'TTS',
    outputFilePath: file('a-old.mp4', true),
  });
  const lastValid = await editor.checkpoints.create({
    projectId: a.id,
    stageName: 'Images',
    completedScenes: 1,
    totalScenes: 2,
    checkpointData: { next: 1 },
    outputFilePath: file('a-partial.mp4', false),
  });
  const invalid = await editor.checkpoints.create({
    projectId: a.id,
    stageName: 'Composition',
    outputFilePath: file('a-broken.mp4', false),
  });
  const times = [
    [older.id, minutesAgo(200)],
    [lastValid.id, minutesAgo(150)],
    [invalid.id, minutesAgo(125)],
  ];
  for (const [id, time] of times) {
    t.db.$client
      .prepare('UPDATE RenderCheckpoints SET CheckpointTime = ? WHERE Id = ?')
      .run(time, id);
  }
  await editor.checkpoints.invalidate({ id: invalid.id, rowVersion: 1 });
  touch(a.id, minutesAgo(120));

  const b = insertProject(t.db, { title: 'B fresh' }, { updatedAt: minutesAgo(1) });
  insertProject(t.db, { title: 'C done', status: 'Completed' }, { updatedAt: minutesAgo(500) });
  const d = insertProject(t.db, { title: 'D trashed' });
  await editor.projects.softDelete({ id: d.id, rowVersion: 1 });
  touch(d.id, minutesAgo(500));
  const e = insertProject(t.db, { title: 'E' }, { updatedAt: minutesAgo(3 * 24 * 60) });
  return { a, b, e, presentAsset, missingAsset, lastValid, older };
}

describe('recovery.list', () => {
  it('lists interrupted projects with their last valid checkpoint and missing files', async () => {
    const s = await seed();
    const page = await t.as('viewer').recovery.list();
    expect(page.staleMinutes).toBe(30);
    expect(page.nextCursor).toBeNull();
    expect(page.items.map((p) => p.title)).toEqual(['A', 'E']);

    const [a, e] = page.items;
    expect(a).toMatchObject({ id: s.a.id, status: 'InProgress', currentStage: 'Script' });
    expect(a!.lastValidCheckpoint).toMatchObject({
      id: s.lastValid.id,
      stageName: 'Images',
      completedScenes: 1,
      totalScenes: 2,
      isValid: true,
    });
    expect(JSON.parse(a!.lastValidCheckpoint!.checkpointData!)).toEqual({ next: 1 });
    const scene = (await t.caller.projects.get({ id: s.a.id })).scenes[0]!;
    expect(a!.missingFiles).toEqual(
      expect.arrayContaining([
        {
          kind: 'sceneImage',
          ownerId: scene.id,
          path: path.join(t.dir, 'media', 'a-image.png'),
          reason: 'missing',
        },
        {
          kind: 'asset',
          ownerId: s.missingAsset.id,
          path: path.join(t.dir, 'media', 'a-subs.srt'),
          reason: 'missing',
        },
        {
          kind: 'checkpointOutput',
          ownerId: s.lastValid.id,
          path: path.join(t.dir, 'media', 'a-partial.mp4'),
          reason: 'missing',
        },
      ]),
    );
    // Present files, and files only an invalid or older checkpoint references, are not reported.
    expect(a!.missingFiles).toHaveLength(3);
    expect(e).toMatchObject({ id: s.e.id, lastValidCheckpoint: null, missingFiles: [] });
  });

  it('takes the staleness from the input, else the setting Retention.RecoveryStaleMinutes', async () => {
    const s = await seed();
    const titles = (page: RecoveryPage) => page.items.map((p) => p.title);
    expect(titles(await t.caller.recovery.list({ staleMinutes: 0 }))).toEqual([
      'B fresh',
      'A',
      'E',
    ]);
    expect(titles(await t.caller.recovery.list({ staleMinutes: 24 * 60 }))).toEqual(['E']);

    // Unseeded: the default 30. An admin's setting is read by the next call.
    expect(defaultStaleMinutes(t.db)).toBe(30);
    seedDatabase(t.db, { outputDirectory: path.join(t.dir, 'output') });
    const setting = await t.as('admin').config.get({ key: 'Retention.RecoveryStaleMinutes' });
    await t.as('admin').config.set({
      key: 'Retention.RecoveryStaleMinutes',
      value: 1000,
      rowVersion: setting.rowVersion,
    });
    expect(defaultStaleMinutes(t.db)).toBe(1000);
    const fromSetting = await t.caller.recovery.list({});
    expect(fromSetting.staleMinutes).toBe(1000);
    expect(titles(fromSetting)).toEqual(['E']);
    expect(titles(await t.caller.recovery.list({ staleMinutes: 60 }))).toEqual(['A', 'E']);
    await t.as('admin').config.set({
      key: 'Retention.RecoveryStaleMinutes',
      value: 30,
      rowVersion: setting.rowVersion + 1,
    });

    // Touching a project (any versioned update) takes it out of the list.
    await t.caller.projects.setStage({
      id: s.e.id,
      rowVersion: 1,
      stage: 'TTS',
      progressPercent: 5,
    });
    expect(titles(await t.caller.recovery.list())).toEqual(['A']);
  });

  it('pages by UpdatedAt descending with an Id tie-break', async () => {
    const rows = Array.from({ length: 11 }, (_, i) =>
      insertProject(t.db, { title: `P${i}` }, { updatedAt: minutesAgo(60 + Math.floor(i / 3)) }),
    );
    const expected = rows
      .slice()
      .sort((x, y) =>
        x.updatedAt < y.updatedAt ? 1 : x.updatedAt > y.updatedAt ? -1 : x.id < y.id ? 1 : -1,
      )
      .map((r) => r.id);
    const ids: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page: RecoveryPage = await t.caller.recovery.list({ limit: 4, cursor });
      ids.push(...page.items.map((p) => p.id));
      sizes.push(page.items.length);
      cursor = page.nextCursor;
    } while (cursor);
    expect(sizes).toEqual([4, 4, 3]);
    expect(ids).toEqual(expected);
  });

  it('rejects bad input and anonymous callers', async () => {
    await rejectsField(() => t.caller.recovery.list({ staleMinutes: -1 }), 'staleMinutes');
    await rejectsField(() => t.caller.recovery.list({ staleMinutes: 1.5 }), 'staleMinutes');
    await rejectsField(() => t.caller.recovery.list({ limit: 0 }), 'limit');
    await rejectsField(() => t.caller.recovery.list({ cursor: 'x' }), 'cursor');
    insertProject(t.db, { title: 'a' });
    insertProject(t.db, { title: 'b' });
    const foreign = (await t.caller.projects.list({ limit: 1 })).nextCursor;
    expect(foreign).toEqual(expect.any(String));
    await rejectsField(() => t.caller.recovery.list({ cursor: foreign }), 'cursor');
    await expect(t.anonymous.recovery.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('reads a page in one statement, the projects through an UpdatedAt index without sorting', async () => {
    await seed();
    const cutoff = staleCutoff(30);
    const { nextCursor: cursor } = await t.caller.recovery.list({ staleMinutes: 30, limit: 1 });
    expect(cursor).toEqual(expect.any(String));
    for (const input of [{}, { cursor }]) {
      const { sql, params } = buildRecoveryQuery(
        t.db,
        recoveryListInput.parse(input),
        cutoff,
      ).toSQL();
      const rows = t.db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as {
        parent: number;
        detail: string;
      }[];
      const root = rows.filter((row) => row.parent === 0).map((row) => row.detail);
      expect(root[0]).toMatch(
        /^SEARCH projectStates USING (COVERING )?INDEX IX_ProjectStates_\w*UpdatedAt\w* \(.*UpdatedAt<\?\)/,
      );
      expect(root.join('\n')).not.toMatch(/TEMP B-TREE|^SCAN projectStates$/m);
      const all = rows.map((row) => row.detail).join('\n');
      expect(all).toMatch(/SEARCH projectStates_scenes USING INDEX IX_SceneStates_ProjectId/);
      expect(all).toMatch(/SEARCH projectStates_assets USING INDEX IX_AssetStates_ProjectId/);
      expect(all).toMatch(
        /SEARCH projectStates_checkpoints USING INDEX IX_RenderCheckpoints_ProjectId/,
      );
    }
  });
});
