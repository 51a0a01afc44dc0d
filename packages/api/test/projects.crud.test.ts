import { PROJECT_STATUSES, insertAudited, sceneStates, type ProjectStatus } from '@aura/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SCENES_PER_PROJECT_MAX } from '../src/limits';
import { projectTrashInput } from '../src/projects/schema';
import {
  buildProjectGetQueries,
  buildProjectTrashQuery,
  buildProjectsByJobQuery,
} from '../src/projects/service';
import {
  UNKNOWN_ID,
  insertProject,
  openTestDb,
  rejectionHelpers,
  type Caller,
  type TestDb,
} from './helpers';

let t: TestDb;
beforeEach(() => {
  t = openTestDb();
});
afterEach(() => t.close());

const CONTENT_TABLES = ['ProjectStates', 'SceneStates', 'AssetStates', 'RenderCheckpoints'];

/** Every row of the project content tables, to prove a rejected call changed nothing. */
function snapshot() {
  return CONTENT_TABLES.map((table) =>
    t.db.$client.prepare(`SELECT * FROM ${table} ORDER BY Id`).all(),
  );
}

function count(table: string): number {
  return (t.db.$client.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

/** Runs `call`, expects a TRPCError with `code`, and that nothing in the content tables changed. */
const { rejects, rejectsField } = rejectionHelpers(snapshot);

/** A project with two scenes, two assets and two checkpoints, created through the procedures. */
async function seedProject(caller: Caller = t.caller) {
  const project = await caller.projects.create({
    title: 'Launch video',
    description: 'For the launch',
    brief: { topic: 'Aura', audience: ['makers'] },
    planSpec: { scenes: 2 },
  });
  const first = await caller.scenes.add({ projectId: project.id, scriptText: 'Hello' });
  const second = await caller.scenes.add({
    projectId: project.id,
    scriptText: 'World',
    durationSeconds: 4.5,
    audioFilePath: `${t.dir}/media/a.wav`,
    imageFilePath: `${t.dir}/media/b.png`,
  });
  const audio = await caller.assets.register({
    projectId: project.id,
    assetType: 'Audio',
    filePath: `${t.dir}/media/a.wav`,
    fileSizeBytes: 1024,
    mimeType: 'audio/wav',
    isTemporary: true,
  });
  const image = await caller.assets.register({
    projectId: project.id,
    assetType: 'Image',
    filePath: `${t.dir}/media/b.png`,
    fileSizeBytes: 2048,
    mimeType: 'image/png',
  });
  const older = await caller.checkpoints.create({
    projectId: project.id,
    stageName: 'TTS',
    completedScenes: 1,
    totalScenes: 2,
    checkpointData: { done: [0] },
  });
  const newer = await caller.checkpoints.create({
    projectId: project.id,
    stageName: 'Images',
    completedScenes: 2,
    totalScenes: 2,
  });
  return { project, scenes: [first, second], assets: [audio, image], checkpoints: [newer, older] };
}

describe('projects.create', () => {
  it('creates an InProgress project with JSON specs, audited by the caller', async () => {
    const editor = t.principal('editor');
    const project = await t.caller.projects.create({
      title: '  Launch video ',
      description: 'For the launch',
      brief: { topic: 'Aura', tags: ['a', 'b'], nested: { n: 1, ok: true, none: null } },
      renderSpec: { fps: 30 },
    });
    expect(project).toMatchObject({
      title: 'Launch video',
      description: 'For the launch',
      status: 'InProgress',
      currentStage: 'Script',
      currentWizardStep: 0,
      progressPercent: 0,
      completedAt: null,
      planSpecJson: null,
      voiceSpecJson: null,
      createdBy: editor.userId,
      modifiedBy: editor.userId,
      rowVersion: 1,
      isDeleted: false,
    });
    expect(JSON.parse(project.briefJson!)).toEqual({
      topic: 'Aura',
      tags: ['a', 'b'],
      nested: { n: 1, ok: true, none: null },
    });
    expect(JSON.parse(project.renderSpecJson!)).toEqual({ fps: 30 });
    const stored = t.db.$client
      .prepare('SELECT BriefJson, CreatedBy FROM ProjectStates WHERE Id = ?')
      .get(project.id) as { BriefJson: string; CreatedBy: string };
    expect(stored.CreatedBy).toBe(editor.userId);
    expect(typeof stored.BriefJson).toBe('string');
  });

  it('lets an admin create; a title alone is enough', async () => {
    const project = await t.as('admin').projects.create({ title: 'Minimal' });
    expect(project.createdBy).toBe(t.principal('admin').userId);
    expect(project.description).toBeNull();
    expect(project.briefJson).toBeNull();
  });

  it('ignores audit fields sent by the client', async () => {
    const project = await t.caller.projects.create({
      title: 'Sneaky',
      createdBy: 'someone-else',
    } as never);
    expect(project.createdBy).toBe(t.principal('editor').userId);
  });

  it('refuses viewers and anonymous callers, changing nothing', async () => {
    await rejects(() => t.as('viewer').projects.create({ title: 'No' }), 'FORBIDDEN');
    await rejects(() => t.anonymous.projects.create({ title: 'No' }), 'UNAUTHORIZED');
    expect(count('ProjectStates')).toBe(0);
  });

  it('rejects a missing or blank title and specs that are not JSON objects', async () => {
    await rejectsField(() => t.caller.projects.create({} as never), 'title');
    await rejectsField(() => t.caller.projects.create({ title: '   ' }), 'title');
    await rejectsField(() => t.caller.projects.create({ title: 'x'.repeat(201) }), 'title');
    await rejectsField(() => t.caller.projects.create({ title: 'ok', brief: 'text' }), 'brief');
    await rejectsField(
      () => t.caller.projects.create({ title: 'ok', planSpec: [1, 2] as never }),
      'planSpec',
    );
    await rejectsField(
      () => t.caller.projects.create({ title: 'ok', voiceSpec: { when: new Date() } }),
      'voiceSpec',
    );
    expect(count('ProjectStates')).toBe(0);
  });
});

describe('projects.get', () => {
  it('returns the project with scenes by index, assets and checkpoints newest first', async () => {
    const seeded = await seedProject();
    const project = await t.as('viewer').projects.get({ id: seeded.project.id });
    expect(project).toMatchObject({ id: seeded.project.id, title: 'Launch video' });
    expect(project.scenes.map((s) => [s.sceneIndex, s.scriptText])).toEqual([
      [0, 'Hello'],
      [1, 'World'],
    ]);
    expect(project.scenes[1]).toEqual(seeded.scenes[1]);
    expect(project.assets.map((a) => a.id).sort()).toEqual(seeded.assets.map((a) => a.id).sort());
    expect(project.checkpoints.map((c) => c.id)).toEqual(seeded.checkpoints.map((c) => c.id));
    expect(project.checkpoints[0]!.isValid).toBe(true);
  });

  it('reads one statement per table, however many children (no N+1)', async () => {
    const seeded = await seedProject();
    const client = t.db.$client;
    const original = client.prepare.bind(client);
    const statements: string[] = [];
    client.prepare = (source: string) => {
      statements.push(source);
      return original(source);
    };
    try {
      const project = await t.caller.projects.get({ id: seeded.project.id });
      expect(project.scenes).toHaveLength(2);
      expect(project.assets).toHaveLength(2);
      expect(project.checkpoints).toHaveLength(2);
    } finally {
      client.prepare = original;
    }
    // Prepared on the first call only: a second read prepares nothing.
    expect(statements.filter((s) => /^select/i.test(s.trim()))).toHaveLength(4);
  });

  it('finds each child table through an index, never a full scan', async () => {
    const { project } = await seedProject();
    const details = Object.values(buildProjectGetQueries(t.db, project.id)).flatMap((query) => {
      const { sql, params } = query.toSQL();
      return (
        t.db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]
      ).map((row) => row.detail);
    });
    const text = details.join('\n');
    expect(text).toMatch(/SEARCH ProjectStates USING INDEX sqlite_autoindex_ProjectStates_1/);
    expect(text).toMatch(/SEARCH SceneStates USING INDEX IX_SceneStates_ProjectId/);
    expect(text).toMatch(/SEARCH AssetStates USING INDEX IX_AssetStates_ProjectId/);
    expect(text).toMatch(/SEARCH RenderCheckpoints USING INDEX IX_RenderCheckpoints_ProjectId/);
    expect(text).not.toMatch(
      /^SCAN (projectStates|ProjectStates|SceneStates|AssetStates|RenderCheckpoints)$/m,
    );
  });

  it('is NOT_FOUND for a missing or soft-deleted project; anonymous is UNAUTHORIZED', async () => {
    const { project } = await seedProject();
    await rejects(() => t.caller.projects.get({ id: UNKNOWN_ID }), 'NOT_FOUND');
    await rejects(() => t.anonymous.projects.get({ id: project.id }), 'UNAUTHORIZED');
    await t.caller.projects.softDelete({ id: project.id, rowVersion: project.rowVersion });
    await rejects(() => t.caller.projects.get({ id: project.id }), 'NOT_FOUND');
    await rejectsField(() => t.caller.projects.get({ id: '' }), 'id');
  });
});

describe('projects.update', () => {
  it('changes only the fields present, bumps RowVersion and stamps ModifiedBy', async () => {
    const created = await t.as('admin').projects.create({
      title: 'Draft',
      description: 'first',
      brief: { a: 1 },
      planSpec: { p: 1 },
    });
    const updated = await t.caller.projects.update({
      id: created.id,
      rowVersion: created.rowVersion,
      title: 'Final',
      brief: { a: 2 },
      planSpec: null,
      voiceSpec: { voice: 'Ava' },
    });
    expect(updated).toMatchObject({
      title: 'Final',
      description: 'first',
      planSpecJson: null,
      renderSpecJson: null,
      rowVersion: 2,
      createdBy: t.principal('admin').userId,
      modifiedBy: t.principal('editor').userId,
    });
    expect(JSON.parse(updated.briefJson!)).toEqual({ a: 2 });
    expect(JSON.parse(updated.voiceSpecJson!)).toEqual({ voice: 'Ava' });
    expect(updated.updatedAt >= created.updatedAt).toBe(true);
    const cleared = await t.caller.projects.update({
      id: created.id,
      rowVersion: 2,
      description: null,
    });
    expect(cleared).toMatchObject({ title: 'Final', description: null, rowVersion: 3 });
  });

  it('rejects a stale RowVersion with CONFLICT and changes nothing', async () => {
    const created = await t.caller.projects.create({ title: 'Draft' });
    await t.caller.projects.update({ id: created.id, rowVersion: 1, title: 'One' });
    const error = await rejects(
      () => t.caller.projects.update({ id: created.id, rowVersion: 1, title: 'Two' }),
      'CONFLICT',
    );
    expect(error.message).toMatch(/version 1, it is now 2/);
  });

  it('is NOT_FOUND for a missing or trashed project, FORBIDDEN for viewers, BAD_REQUEST for bad input', async () => {
    const created = await t.caller.projects.create({ title: 'Draft' });
    await rejects(
      () => t.caller.projects.update({ id: UNKNOWN_ID, rowVersion: 1, title: 'x' }),
      'NOT_FOUND',
    );
    await rejects(
      () => t.as('viewer').projects.update({ id: created.id, rowVersion: 1, title: 'x' }),
      'FORBIDDEN',
    );
    await rejects(
      () => t.anonymous.projects.update({ id: created.id, rowVersion: 1, title: 'x' }),
      'UNAUTHORIZED',
    );
    await rejectsField(
      () => t.caller.projects.update({ id: created.id, rowVersion: 1, title: '' }),
      'title',
    );
    await rejectsField(
      () => t.caller.projects.update({ id: created.id, rowVersion: 0, title: 'x' }),
      'rowVersion',
    );
    await rejectsField(
      () => t.caller.projects.update({ id: created.id, title: 'x' } as never),
      'rowVersion',
    );
    await rejectsField(
      () => t.caller.projects.update({ id: created.id, rowVersion: 1, renderSpec: 5 }),
      'renderSpec',
    );
    await t.caller.projects.softDelete({ id: created.id, rowVersion: 1 });
    await rejects(
      () => t.caller.projects.update({ id: created.id, rowVersion: 2, title: 'x' }),
      'NOT_FOUND',
    );
  });
});

describe('projects.setWizardStep', () => {
  it('sets the step with RowVersion; rejects a negative or fractional step and a stale version', async () => {
    const created = await t.caller.projects.create({ title: 'Wizard' });
    const stepped = await t.caller.projects.setWizardStep({
      id: created.id,
      rowVersion: 1,
      step: 3,
    });
    expect(stepped).toMatchObject({ currentWizardStep: 3, rowVersion: 2 });
    await rejectsField(
      () => t.caller.projects.setWizardStep({ id: created.id, rowVersion: 2, step: -1 }),
      'step',
    );
    await rejectsField(
      () => t.caller.projects.setWizardStep({ id: created.id, rowVersion: 2, step: 1.5 }),
      'step',
    );
    await rejects(
      () => t.caller.projects.setWizardStep({ id: created.id, rowVersion: 1, step: 4 }),
      'CONFLICT',
    );
    await rejects(
      () => t.as('viewer').projects.setWizardStep({ id: created.id, rowVersion: 2, step: 4 }),
      'FORBIDDEN',
    );
    await rejects(
      () => t.caller.projects.setWizardStep({ id: UNKNOWN_ID, rowVersion: 2, step: 4 }),
      'NOT_FOUND',
    );
  });
});

describe('projects.setStage', () => {
  it('sets stage and progress while InProgress', async () => {
    const created = await t.caller.projects.create({ title: 'Stages' });
    const staged = await t.caller.projects.setStage({
      id: created.id,
      rowVersion: 1,
      stage: 'Images',
      progressPercent: 40,
    });
    expect(staged).toMatchObject({ currentStage: 'Images', progressPercent: 40, rowVersion: 2 });
  });

  it('rejects a bad stage or progress, a stale version, and any project not InProgress', async () => {
    const created = await t.caller.projects.create({ title: 'Stages' });
    const input = { id: created.id, rowVersion: 1, stage: 'TTS' as const, progressPercent: 10 };
    await rejectsField(
      () => t.caller.projects.setStage({ ...input, progressPercent: 101 }),
      'progressPercent',
    );
    await rejectsField(
      () => t.caller.projects.setStage({ ...input, progressPercent: -1 }),
      'progressPercent',
    );
    await rejectsField(
      () => t.caller.projects.setStage({ ...input, stage: 'Mixing' as never }),
      'stage',
    );
    await rejects(() => t.caller.projects.setStage({ ...input, rowVersion: 7 }), 'CONFLICT');
    await rejects(() => t.as('viewer').projects.setStage(input), 'FORBIDDEN');
    await rejects(() => t.caller.projects.setStage({ ...input, id: UNKNOWN_ID }), 'NOT_FOUND');

    const done = await t.caller.projects.complete({ id: created.id, rowVersion: 1 });
    const error = await rejects(
      () => t.caller.projects.setStage({ ...input, rowVersion: done.rowVersion }),
      'CONFLICT',
    );
    expect(error.message).toMatch(/is Completed/);
  });
});

describe('status transitions', () => {
  type Action = 'complete' | 'fail' | 'cancel';
  const target: Record<Action, ProjectStatus> = {
    complete: 'Completed',
    fail: 'Failed',
    cancel: 'Cancelled',
  };
  const act = (caller: Caller, action: Action, id: string, rowVersion: number) =>
    action === 'fail'
      ? caller.projects.fail({ id, rowVersion, errorMessage: 'TTS provider timed out' })
      : caller.projects[action]({ id, rowVersion });

  const matrix = PROJECT_STATUSES.flatMap((from) =>
    (['complete', 'fail', 'cancel'] as const).map((action) => [from, action] as const),
  );

  it.each(matrix)('from %s, %s', async (from, action) => {
    const row = insertProject(t.db, { title: `From ${from}`, status: from, progressPercent: 30 });
    if (from !== 'InProgress') {
      const error = await rejects(() => act(t.caller, action, row.id, row.rowVersion), 'CONFLICT');
      expect(error.message).toContain(`is ${from}`);
      expect(error.message).toContain('only an InProgress project');
      return;
    }
    const moved = await act(t.caller, action, row.id, row.rowVersion);
    expect(moved.status).toBe(target[action]);
    expect(moved.rowVersion).toBe(row.rowVersion + 1);
    expect(moved.modifiedBy).toBe(t.principal('editor').userId);
    if (action === 'complete') {
      expect(moved.progressPercent).toBe(100);
      expect(moved.completedAt).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT.*\.\d{3}Z$/));
    } else {
      expect(moved.progressPercent).toBe(30);
      expect(moved.completedAt).toBeNull();
    }
    expect(moved.errorMessage).toBe(action === 'fail' ? 'TTS provider timed out' : null);
    // Once out of InProgress, every transition is refused.
    for (const next of ['complete', 'fail', 'cancel'] as const) {
      const error = await rejects(() => act(t.caller, next, row.id, moved.rowVersion), 'CONFLICT');
      expect(error.message).toContain(`is ${target[action]}`);
    }
  });

  it('needs an error message to fail, the right RowVersion, and an editor', async () => {
    const row = insertProject(t.db, { title: 'Running' });
    await rejectsField(
      () => t.caller.projects.fail({ id: row.id, rowVersion: 1, errorMessage: '  ' }),
      'errorMessage',
    );
    await rejectsField(
      () => t.caller.projects.fail({ id: row.id, rowVersion: 1 } as never),
      'errorMessage',
    );
    await rejects(() => t.caller.projects.complete({ id: row.id, rowVersion: 5 }), 'CONFLICT');
    await rejects(() => t.as('viewer').projects.cancel({ id: row.id, rowVersion: 1 }), 'FORBIDDEN');
    await rejects(
      () => t.anonymous.projects.complete({ id: row.id, rowVersion: 1 }),
      'UNAUTHORIZED',
    );
    await rejects(() => t.caller.projects.cancel({ id: UNKNOWN_ID, rowVersion: 1 }), 'NOT_FOUND');
  });
});

describe('trash: softDelete, restore, trash, hardDelete', () => {
  it('moves a project to the trash and back, audited', async () => {
    const { project } = await seedProject();
    const deleted = await t.caller.projects.softDelete({ id: project.id, rowVersion: 1 });
    expect(deleted).toMatchObject({
      isDeleted: true,
      deletedBy: t.principal('editor').userId,
      rowVersion: 2,
    });
    expect((await t.caller.projects.list({})).items).toEqual([]);
    const trash = await t.as('viewer').projects.trash();
    expect(trash.items.map((i) => i.id)).toEqual([project.id]);
    expect(trash.items[0]).toMatchObject({
      deletedAt: deleted.deletedAt,
      deletedBy: deleted.deletedBy,
    });
    // Children stay while the project is in the trash.
    expect(count('SceneStates')).toBe(2);

    const restored = await t.caller.projects.restore({ id: project.id, rowVersion: 2 });
    expect(restored).toMatchObject({
      isDeleted: false,
      deletedAt: null,
      deletedBy: null,
      rowVersion: 3,
    });
    expect((await t.caller.projects.get({ id: project.id })).scenes).toHaveLength(2);
    expect((await t.caller.projects.trash({})).items).toEqual([]);
  });

  it('rejects stale versions, restoring a live project, viewers and anonymous callers', async () => {
    const created = await t.caller.projects.create({ title: 'Trash me' });
    await rejects(
      () => t.caller.projects.softDelete({ id: created.id, rowVersion: 9 }),
      'CONFLICT',
    );
    await rejects(() => t.caller.projects.restore({ id: created.id, rowVersion: 1 }), 'NOT_FOUND');
    await rejects(
      () => t.as('viewer').projects.softDelete({ id: created.id, rowVersion: 1 }),
      'FORBIDDEN',
    );
    await rejects(() => t.anonymous.projects.trash({}), 'UNAUTHORIZED');
    await t.caller.projects.softDelete({ id: created.id, rowVersion: 1 });
    await rejects(
      () => t.caller.projects.softDelete({ id: created.id, rowVersion: 2 }),
      'NOT_FOUND',
    );
    await rejects(() => t.caller.projects.restore({ id: created.id, rowVersion: 1 }), 'CONFLICT');
    await rejects(
      () => t.as('viewer').projects.restore({ id: created.id, rowVersion: 2 }),
      'FORBIDDEN',
    );
    await rejects(() => t.caller.projects.restore({ id: UNKNOWN_ID, rowVersion: 1 }), 'NOT_FOUND');
  });

  it('pages the trash by DeletedAt descending with an Id tie-breaker', async () => {
    const rows = Array.from({ length: 13 }, (_, i) => insertProject(t.db, { title: `P${i}` }));
    // Pin deletion times, with ties, to know the order.
    rows.forEach((row, i) => {
      t.db.$client
        .prepare('UPDATE ProjectStates SET IsDeleted = 1, DeletedAt = ? WHERE Id = ?')
        .run(new Date(Date.UTC(2026, 0, 1, 10, Math.floor(i / 3))).toISOString(), row.id);
    });
    insertProject(t.db, { title: 'Live' });
    const expected = rows
      .map((row, i) => ({ id: row.id, key: Math.floor(i / 3) }))
      .sort((a, b) => b.key - a.key || (a.id < b.id ? 1 : -1))
      .map((row) => row.id);
    const ids: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<Caller['projects']['trash']>> = await t.caller.projects.trash({
        limit: 4,
        cursor,
      });
      ids.push(...page.items.map((item) => item.id));
      sizes.push(page.items.length);
      cursor = page.nextCursor;
    } while (cursor);
    expect(sizes).toEqual([4, 4, 4, 1]);
    expect(ids).toEqual(expected);
  });

  it('rejects a bad limit or a forged or foreign cursor', async () => {
    await rejectsField(() => t.caller.projects.trash({ limit: 0 }), 'limit');
    await rejectsField(() => t.caller.projects.trash({ limit: 101 }), 'limit');
    await rejectsField(() => t.caller.projects.trash({ cursor: 'garbage' }), 'cursor');
    insertProject(t.db, { title: 'a' });
    insertProject(t.db, { title: 'b' });
    const foreign = (await t.caller.projects.list({ limit: 1 })).nextCursor;
    expect(foreign).toEqual(expect.any(String));
    await rejectsField(() => t.caller.projects.trash({ cursor: foreign }), 'cursor');
  });

  it('serves the trash from the (IsDeleted, DeletedAt) index, never a full scan', async () => {
    for (const title of ['x', 'y']) {
      const row = insertProject(t.db, { title });
      await t.caller.projects.softDelete({ id: row.id, rowVersion: row.rowVersion });
    }
    const { nextCursor: cursor } = await t.caller.projects.trash({ limit: 1 });
    expect(cursor).toEqual(expect.any(String));
    for (const input of [{}, { cursor }]) {
      const { sql, params } = buildProjectTrashQuery(t.db, projectTrashInput.parse(input)).toSQL();
      const details = (
        t.db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as {
          detail: string;
        }[]
      ).map((row) => row.detail);
      expect(details.join('\n')).toMatch(
        /USING (COVERING )?INDEX IX_ProjectStates_IsDeleted_DeletedAt/,
      );
      expect(details.join('\n')).not.toMatch(/^SCAN ProjectStates$/m);
      // Until an index (IsDeleted, DeletedAt, Id) exists, the Id tie-break is sorted per page
      // ("USE TEMP B-TREE FOR LAST TERM OF ORDER BY"); see the report.
    }
  });

  it('hard delete is admin only and removes the children with the project', async () => {
    const { project } = await seedProject();
    const other = await seedProject();
    await rejects(() => t.caller.projects.hardDelete({ id: project.id }), 'FORBIDDEN');
    await rejects(() => t.as('viewer').projects.hardDelete({ id: project.id }), 'FORBIDDEN');
    await rejects(() => t.anonymous.projects.hardDelete({ id: project.id }), 'UNAUTHORIZED');
    await rejects(() => t.as('admin').projects.hardDelete({ id: UNKNOWN_ID }), 'NOT_FOUND');

    const removed = await t.as('admin').projects.hardDelete({ id: project.id });
    expect(removed.id).toBe(project.id);
    const remaining = (table: string) =>
      t.db.$client
        .prepare(`SELECT count(*) AS n FROM ${table} WHERE ProjectId = ?`)
        .get(project.id) as {
        n: number;
      };
    for (const table of ['SceneStates', 'AssetStates', 'RenderCheckpoints']) {
      expect(remaining(table).n, table).toBe(0);
    }
    expect(count('ProjectStates')).toBe(1);
    expect(count('SceneStates')).toBe(2);
    expect((await t.caller.projects.get({ id: other.project.id })).assets).toHaveLength(2);
    await rejects(() => t.as('admin').projects.hardDelete({ id: project.id }), 'NOT_FOUND');
  });

  it('hard deletes a project from the trash too', async () => {
    const created = await t.caller.projects.create({ title: 'Gone' });
    await t.caller.projects.softDelete({ id: created.id, rowVersion: 1 });
    await t.as('admin').projects.hardDelete({ id: created.id });
    expect(count('ProjectStates')).toBe(0);
  });
});

describe('projects.duplicate', () => {
  it('copies fields, scenes and asset rows into a new InProgress project', async () => {
    const seeded = await seedProject(t.as('admin'));
    const source = await t.caller.projects.setStage({
      id: seeded.project.id,
      rowVersion: 1,
      stage: 'Render',
      progressPercent: 80,
    });
    const done = await t.caller.projects.complete({ id: source.id, rowVersion: source.rowVersion });
    const before = snapshot();

    const copy = await t.caller.projects.duplicate({ id: done.id });
    expect(copy.id).not.toBe(done.id);
    expect(copy).toMatchObject({
      title: 'Launch video (copy)',
      description: 'For the launch',
      status: 'InProgress',
      completedAt: null,
      errorMessage: null,
      currentStage: 'Render',
      progressPercent: 100,
      briefJson: done.briefJson,
      planSpecJson: done.planSpecJson,
      rowVersion: 1,
      createdBy: t.principal('editor').userId,
    });
    expect(
      copy.scenes.map((s) => [s.sceneIndex, s.scriptText, s.audioFilePath, s.durationSeconds]),
    ).toEqual(
      seeded.scenes.map((s) => [s.sceneIndex, s.scriptText, s.audioFilePath, s.durationSeconds]),
    );
    expect(copy.scenes.every((s) => s.projectId === copy.id && s.rowVersion === 1)).toBe(true);
    expect(copy.scenes.map((s) => s.id)).not.toContain(seeded.scenes[0]!.id);
    expect(
      copy.assets.map((a) => [a.assetType, a.filePath, a.fileSizeBytes, a.isTemporary]).sort(),
    ).toEqual(
      seeded.assets.map((a) => [a.assetType, a.filePath, a.fileSizeBytes, a.isTemporary]).sort(),
    );
    expect(copy.checkpoints).toEqual([]);

    // The source is untouched; only the new rows were added.
    const after = snapshot();
    const [projectsBefore, scenesBefore, assetsBefore, checkpointsBefore] = before;
    expect(after[0]).toEqual(expect.arrayContaining(projectsBefore!));
    expect(after[0]).toHaveLength(projectsBefore!.length + 1);
    expect(after[1]).toHaveLength(scenesBefore!.length + 2);
    expect(after[2]).toHaveLength(assetsBefore!.length + 2);
    expect(after[3]).toEqual(checkpointsBefore);
  });

  it('keeps a long title within 200 characters', async () => {
    const created = await t.caller.projects.create({ title: 'x'.repeat(200) });
    const copy = await t.caller.projects.duplicate({ id: created.id });
    expect(copy.title).toHaveLength(200);
    expect(copy.title.endsWith(' (copy)')).toBe(true);
  });

  it('refuses to copy more scenes than a project may hold, and writes nothing', async () => {
    // More than the cap, as a project imported before it could have (not through the API).
    const big = insertProject(t.db, { title: 'Imported epic' });
    for (let i = 0; i <= SCENES_PER_PROJECT_MAX; i++) {
      insertAudited(
        t.db,
        sceneStates,
        { projectId: big.id, sceneIndex: i, scriptText: `Scene ${i}` },
        'importer',
      );
    }
    const before = snapshot();
    await rejects(() => t.caller.projects.duplicate({ id: big.id }), 'BAD_REQUEST');
    expect(snapshot()).toEqual(before);
  });

  it('is NOT_FOUND for a missing or trashed project and FORBIDDEN for viewers', async () => {
    const created = await t.caller.projects.create({ title: 'Source' });
    await rejects(() => t.as('viewer').projects.duplicate({ id: created.id }), 'FORBIDDEN');
    await rejects(() => t.anonymous.projects.duplicate({ id: created.id }), 'UNAUTHORIZED');
    await rejects(() => t.caller.projects.duplicate({ id: UNKNOWN_ID }), 'NOT_FOUND');
    await t.caller.projects.softDelete({ id: created.id, rowVersion: 1 });
    await rejects(() => t.caller.projects.duplicate({ id: created.id }), 'NOT_FOUND');
  });
});

describe('JobId: the render job a project belongs to', () => {
  const jobIdOf = (id: string) =>
    (
      t.db.$client.prepare('SELECT JobId FROM ProjectStates WHERE Id = ?').get(id) as {
        JobId: string | null;
      }
    ).JobId;

  it('is stored on create and set, kept or cleared on update', async () => {
    const project = await t.caller.projects.create({ title: 'Render me', jobId: 'render-42' });
    expect(project.jobId).toBe('render-42');
    expect(jobIdOf(project.id)).toBe('render-42');

    const renamed = await t.caller.projects.update({
      id: project.id,
      rowVersion: project.rowVersion,
      title: 'Renamed',
    });
    expect(jobIdOf(project.id)).toBe('render-42');

    const moved = await t.caller.projects.update({
      id: project.id,
      rowVersion: renamed.rowVersion,
      jobId: 'worker:7.job-43',
    });
    expect(moved.jobId).toBe('worker:7.job-43');
    expect(jobIdOf(project.id)).toBe('worker:7.job-43');

    await t.caller.projects.update({ id: project.id, rowVersion: moved.rowVersion, jobId: null });
    expect(jobIdOf(project.id)).toBeNull();
  });

  it('finds the live projects of a job, newest first, for any signed-in role', async () => {
    const first = await t.caller.projects.create({ title: 'First', jobId: 'job-1' });
    const second = await t.caller.projects.create({ title: 'Second', jobId: 'job-1' });
    await t.caller.projects.create({ title: 'Other', jobId: 'job-2' });
    await t.caller.projects.create({ title: 'None' });
    t.db.$client
      .prepare("UPDATE ProjectStates SET CreatedAt = '2020-01-01T00:00:00.000Z' WHERE Id = ?")
      .run(first.id);

    const found = await t.as('viewer').projects.byJobId({ jobId: 'job-1' });
    expect(found.map((p) => p.id)).toEqual([second.id, first.id]);
    expect(found.every((p) => p.jobId === 'job-1')).toBe(true);
    expect(await t.caller.projects.byJobId({ jobId: 'job-3' })).toEqual([]);

    await t.caller.projects.softDelete({ id: second.id, rowVersion: second.rowVersion });
    expect((await t.caller.projects.byJobId({ jobId: 'job-1' })).map((p) => p.id)).toEqual([
      first.id,
    ]);
    await rejects(() => t.anonymous.projects.byJobId({ jobId: 'job-1' }), 'UNAUTHORIZED');
  });

  it('is looked up through IX_ProjectStates_JobId, never a full scan', () => {
    const { sql, params } = buildProjectsByJobQuery(t.db, 'job-1').toSQL();
    const plan = (
      t.db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]
    )
      .map((row) => row.detail)
      .join('\n');
    expect(plan).toMatch(/SEARCH ProjectStates USING INDEX IX_ProjectStates_JobId \(JobId=\?\)/);
    expect(plan).not.toMatch(/^SCAN ProjectStates/m);
  });

  it('rejects a blank, too long or non-identifier job id, changing nothing', async () => {
    const project = await t.caller.projects.create({ title: 'Kept', jobId: 'job-1' });
    await rejectsField(() => t.caller.projects.create({ title: 'x', jobId: '  ' }), 'jobId');
    await rejectsField(
      () => t.caller.projects.create({ title: 'x', jobId: 'j'.repeat(65) }),
      'jobId',
    );
    await rejectsField(
      () =>
        t.caller.projects.update({
          id: project.id,
          rowVersion: project.rowVersion,
          jobId: 'job 1; DROP TABLE',
        }),
      'jobId',
    );
    await rejectsField(() => t.caller.projects.byJobId({ jobId: '' }), 'jobId');
    await rejectsField(() => t.caller.projects.byJobId({ jobId: 'x'.repeat(10_000) }), 'jobId');
    expect(jobIdOf(project.id)).toBe('job-1');
  });
});
