import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ZodError } from 'zod';
import { checkpointLatestInput, checkpointListInput } from '../src/checkpoints/schema';
import {
  buildCheckpointListQuery,
  buildLatestValidCheckpointQuery,
} from '../src/checkpoints/service';
import { UNKNOWN_ID, openTestDb, rejectionHelpers, type TestDb } from './helpers';

let t: TestDb;
beforeEach(() => {
  t = openTestDb();
});
afterEach(() => t.close());

function snapshot() {
  return t.db.$client.prepare('SELECT * FROM RenderCheckpoints ORDER BY Id').all();
}

const { rejects, rejectsField } = rejectionHelpers(snapshot);

/** Pins a checkpoint's time, so orders (with ties) are known. */
function setTime(id: string, minute: number) {
  t.db.$client
    .prepare('UPDATE RenderCheckpoints SET CheckpointTime = ? WHERE Id = ?')
    .run(new Date(Date.UTC(2026, 0, 1, 10, minute)).toISOString(), id);
}

async function newProject() {
  return t.caller.projects.create({ title: 'Render' });
}

describe('checkpoints.create', () => {
  it('records a valid checkpoint with its JSON state, stamped now and audited', async () => {
    const project = await newProject();
    const before = new Date().toISOString();
    const checkpoint = await t.caller.checkpoints.create({
      projectId: project.id,
      stageName: 'TTS',
      completedScenes: 3,
      totalScenes: 5,
      checkpointData: { done: [0, 1, 2], voice: 'Ava' },
      outputFilePath: `${t.dir}/media/out/partial.mp4`,
    });
    expect(checkpoint).toMatchObject({
      projectId: project.id,
      stageName: 'TTS',
      completedScenes: 3,
      totalScenes: 5,
      outputFilePath: `${t.dir}/media/out/partial.mp4`,
      isValid: true,
      rowVersion: 1,
      createdBy: t.principal('editor').userId,
    });
    expect(JSON.parse(checkpoint.checkpointData!)).toEqual({ done: [0, 1, 2], voice: 'Ava' });
    expect(checkpoint.checkpointTime >= before).toBe(true);
    expect(checkpoint.checkpointTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const minimal = await t
      .as('admin')
      .checkpoints.create({ projectId: project.id, stageName: 'Script' });
    expect(minimal).toMatchObject({
      completedScenes: 0,
      totalScenes: 0,
      checkpointData: null,
      outputFilePath: null,
    });
  });

  it('rejects completedScenes above totalScenes and other bad input, changing nothing', async () => {
    const project = await newProject();
    const valid = { projectId: project.id, stageName: 'TTS', completedScenes: 1, totalScenes: 2 };
    const error = await rejects(
      () => t.caller.checkpoints.create({ ...valid, completedScenes: 3 }),
      'BAD_REQUEST',
    );
    expect((error.cause as ZodError).flatten().fieldErrors).toMatchObject({
      completedScenes: [expect.stringContaining('cannot exceed totalScenes')],
    });
    await rejectsField(
      () => t.caller.checkpoints.create({ ...valid, completedScenes: -1 }),
      'completedScenes',
    );
    await rejectsField(
      () => t.caller.checkpoints.create({ ...valid, totalScenes: 1.5 }),
      'totalScenes',
    );
    await rejectsField(
      () => t.caller.checkpoints.create({ ...valid, stageName: '  ' }),
      'stageName',
    );
    await rejectsField(
      () => t.caller.checkpoints.create({ ...valid, checkpointData: { at: new Date() } }),
      'checkpointData',
    );
    await rejects(
      () => t.caller.checkpoints.create({ ...valid, projectId: UNKNOWN_ID }),
      'NOT_FOUND',
    );
    await rejects(() => t.as('viewer').checkpoints.create(valid), 'FORBIDDEN');
    await rejects(() => t.anonymous.checkpoints.create(valid), 'UNAUTHORIZED');
    await t.caller.projects.softDelete({ id: project.id, rowVersion: 1 });
    await rejects(() => t.caller.checkpoints.create(valid), 'NOT_FOUND');
  });
});

describe('checkpoints.list and latestValid', () => {
  async function seed() {
    const project = await newProject();
    const other = await newProject();
    const rows = [];
    for (let i = 0; i < 7; i++) {
      const row = await t.caller.checkpoints.create({
        projectId: project.id,
        stageName: i % 2 === 0 ? 'TTS' : 'Images',
        completedScenes: i,
        totalScenes: 10,
      });
      // Pairs share a time: the Id tie-break decides.
      setTime(row.id, Math.floor(i / 2));
      rows.push({ ...row, minute: Math.floor(i / 2) });
    }
    const foreign = await t.caller.checkpoints.create({ projectId: other.id, stageName: 'TTS' });
    setTime(foreign.id, 59);
    return { project, other, rows };
  }

  it('lists newest first, paged with a stable tie-break', async () => {
    const { project, rows } = await seed();
    const expected = rows
      .slice()
      .sort((a, b) => b.minute - a.minute || (a.id < b.id ? 1 : -1))
      .map((r) => r.id);
    const ids: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof t.caller.checkpoints.list>> = await t
        .as('viewer')
        .checkpoints.list({ projectId: project.id, limit: 3, cursor });
      ids.push(...page.items.map((c) => c.id));
      sizes.push(page.items.length);
      cursor = page.nextCursor;
    } while (cursor);
    expect(sizes).toEqual([3, 3, 1]);
    expect(ids).toEqual(expected);
  });

  it('returns the newest valid checkpoint, per stage, or null', async () => {
    const { project, rows } = await seed();
    const newest = rows.slice().sort((a, b) => b.minute - a.minute || (a.id < b.id ? 1 : -1));
    const viewer = t.as('viewer');
    expect((await viewer.checkpoints.latestValid({ projectId: project.id }))?.id).toBe(
      newest[0]!.id,
    );
    expect(
      (await viewer.checkpoints.latestValid({ projectId: project.id, stageName: 'Images' }))?.id,
    ).toBe(newest.find((r) => r.stageName === 'Images')!.id);
    // Invalidating the newest falls back to the next valid one.
    const top = newest[0]!;
    await t.caller.checkpoints.invalidate({ id: top.id, rowVersion: 1 });
    expect((await viewer.checkpoints.latestValid({ projectId: project.id }))?.id).toBe(
      newest[1]!.id,
    );
    expect(
      await viewer.checkpoints.latestValid({ projectId: project.id, stageName: 'Render' }),
    ).toBeNull();

    const empty = await newProject();
    expect(await viewer.checkpoints.latestValid({ projectId: empty.id })).toBeNull();
    // Invalid checkpoints still appear in the list.
    expect(
      (await viewer.checkpoints.list({ projectId: project.id, limit: 100 })).items,
    ).toHaveLength(7);
  });

  it('rejects bad input, missing or trashed projects and anonymous callers', async () => {
    const { project } = await seed();
    await rejectsField(
      () => t.caller.checkpoints.list({ projectId: project.id, limit: 0 }),
      'limit',
    );
    await rejectsField(
      () => t.caller.checkpoints.list({ projectId: project.id, cursor: 'bogus' }),
      'cursor',
    );
    await rejectsField(
      () => t.caller.checkpoints.latestValid({ projectId: project.id, stageName: '' }),
      'stageName',
    );
    await rejects(() => t.caller.checkpoints.list({ projectId: UNKNOWN_ID }), 'NOT_FOUND');
    await rejects(() => t.caller.checkpoints.latestValid({ projectId: UNKNOWN_ID }), 'NOT_FOUND');
    await rejects(() => t.anonymous.checkpoints.list({ projectId: project.id }), 'UNAUTHORIZED');
    await rejects(
      () => t.anonymous.checkpoints.latestValid({ projectId: project.id }),
      'UNAUTHORIZED',
    );
    await t.caller.projects.softDelete({ id: project.id, rowVersion: 1 });
    await rejects(() => t.caller.checkpoints.list({ projectId: project.id }), 'NOT_FOUND');
    await rejects(() => t.caller.checkpoints.latestValid({ projectId: project.id }), 'NOT_FOUND');
  });

  it('serves list and latestValid from a ProjectId index, never a full scan', async () => {
    const { project } = await seed();
    const { nextCursor: cursor } = await t.caller.checkpoints.list({
      projectId: project.id,
      limit: 1,
    });
    expect(cursor).toEqual(expect.any(String));
    const plans = [
      buildCheckpointListQuery(t.db, checkpointListInput.parse({ projectId: project.id })).toSQL(),
      buildCheckpointListQuery(
        t.db,
        checkpointListInput.parse({ projectId: project.id, cursor }),
      ).toSQL(),
      buildLatestValidCheckpointQuery(
        t.db,
        checkpointLatestInput.parse({ projectId: project.id }),
      ).toSQL(),
      buildLatestValidCheckpointQuery(
        t.db,
        checkpointLatestInput.parse({ projectId: project.id, stageName: 'TTS' }),
      ).toSQL(),
    ];
    for (const { sql, params } of plans) {
      const details = (
        t.db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as {
          detail: string;
        }[]
      )
        .map((row) => row.detail)
        .join('\n');
      expect(details).toMatch(/USING (COVERING )?INDEX IX_RenderCheckpoints_ProjectId/);
      expect(details).not.toMatch(/^SCAN RenderCheckpoints$/m);
      // Newest-first is sorted per project until IX_RenderCheckpoints_ProjectId_CheckpointTime_Id
      // exists (see the report).
    }
  });
});

describe('checkpoints.invalidate', () => {
  it('marks a checkpoint invalid with RowVersion', async () => {
    const project = await newProject();
    const checkpoint = await t.caller.checkpoints.create({
      projectId: project.id,
      stageName: 'TTS',
    });
    const invalid = await t.caller.checkpoints.invalidate({ id: checkpoint.id, rowVersion: 1 });
    expect(invalid).toMatchObject({
      isValid: false,
      rowVersion: 2,
      modifiedBy: t.principal('editor').userId,
    });
  });

  it('rejects a stale version, a missing checkpoint, a trashed project and non-editors', async () => {
    const project = await newProject();
    const checkpoint = await t.caller.checkpoints.create({
      projectId: project.id,
      stageName: 'TTS',
    });
    await rejects(
      () => t.caller.checkpoints.invalidate({ id: checkpoint.id, rowVersion: 3 }),
      'CONFLICT',
    );
    await rejects(
      () => t.caller.checkpoints.invalidate({ id: UNKNOWN_ID, rowVersion: 1 }),
      'NOT_FOUND',
    );
    await rejects(
      () => t.as('viewer').checkpoints.invalidate({ id: checkpoint.id, rowVersion: 1 }),
      'FORBIDDEN',
    );
    await rejects(
      () => t.anonymous.checkpoints.invalidate({ id: checkpoint.id, rowVersion: 1 }),
      'UNAUTHORIZED',
    );
    await rejectsField(() => t.caller.checkpoints.invalidate({ id: '', rowVersion: 1 }), 'id');
    await t.caller.projects.softDelete({ id: project.id, rowVersion: 1 });
    await rejects(
      () => t.caller.checkpoints.invalidate({ id: checkpoint.id, rowVersion: 1 }),
      'NOT_FOUND',
    );
  });
});
