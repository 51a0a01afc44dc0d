import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertAudited, sceneStates, writeTransaction } from '@aura/db';
import { SCENES_PER_PROJECT_MAX } from '../src/limits';
import { listProjectScenes, sceneIndicesAreDense } from '../src/scenes/service';
import { UNKNOWN_ID, openTestDb, rejectionHelpers, type TestDb } from './helpers';

let t: TestDb;
beforeEach(() => {
  t = openTestDb();
});
afterEach(() => t.close());

function snapshot() {
  return ['ProjectStates', 'SceneStates'].map((table) =>
    t.db.$client.prepare(`SELECT * FROM ${table} ORDER BY Id`).all(),
  );
}

const { rejects, rejectsField } = rejectionHelpers(snapshot);

/** The project's scripts in SceneIndex order, after checking the indices are exactly 0..n-1. */
function scripts(projectId: string): string[] {
  const scenes = listProjectScenes(t.db, projectId);
  expect(scenes.map((s) => s.sceneIndex)).toEqual(scenes.map((_, i) => i));
  return scenes.map((s) => s.scriptText);
}

async function projectWith(...texts: string[]) {
  const project = await t.caller.projects.create({ title: 'Scenes' });
  for (const scriptText of texts) await t.caller.scenes.add({ projectId: project.id, scriptText });
  return project;
}

describe('scenes.add', () => {
  it('appends by default and inserts at an index, shifting the following scenes', async () => {
    const project = await projectWith('a', 'b', 'c');
    expect(scripts(project.id)).toEqual(['a', 'b', 'c']);
    const inserted = await t.caller.scenes.add({
      projectId: project.id,
      scriptText: 'x',
      index: 1,
      durationSeconds: 2.5,
      audioFilePath: `${t.dir}/media/a.wav`,
    });
    expect(inserted).toMatchObject({
      sceneIndex: 1,
      durationSeconds: 2.5,
      audioFilePath: `${t.dir}/media/a.wav`,
      imageFilePath: null,
      isCompleted: false,
      rowVersion: 1,
      createdBy: t.principal('editor').userId,
    });
    expect(scripts(project.id)).toEqual(['a', 'x', 'b', 'c']);
    await t.caller.scenes.add({ projectId: project.id, scriptText: 'first', index: 0 });
    await t.caller.scenes.add({ projectId: project.id, scriptText: 'last', index: 5 });
    expect(scripts(project.id)).toEqual(['first', 'a', 'x', 'b', 'c', 'last']);
    // Shifted scenes got a new RowVersion; the one before the insertion point did not.
    const byScript = new Map(listProjectScenes(t.db, project.id).map((s) => [s.scriptText, s]));
    expect(byScript.get('c')!.rowVersion).toBe(3);
    expect(byScript.get('last')!.rowVersion).toBe(1);
  });

  it('rejects an index past the end, bad input, a missing or trashed project, and non-editors', async () => {
    const project = await projectWith('a');
    const error = await rejects(
      () => t.caller.scenes.add({ projectId: project.id, scriptText: 'x', index: 2 }),
      'BAD_REQUEST',
    );
    expect(error.message).toMatch(/^index must be between 0 and 1/);
    await rejectsField(
      () => t.caller.scenes.add({ projectId: project.id, scriptText: 'x', index: -1 }),
      'index',
    );
    await rejectsField(
      () => t.caller.scenes.add({ projectId: project.id, scriptText: 'x', durationSeconds: -1 }),
      'durationSeconds',
    );
    await rejectsField(() => t.caller.scenes.add({ projectId: project.id } as never), 'scriptText');
    await rejectsField(() => t.caller.scenes.add({ projectId: '', scriptText: 'x' }), 'projectId');
    await rejects(
      () => t.caller.scenes.add({ projectId: UNKNOWN_ID, scriptText: 'x' }),
      'NOT_FOUND',
    );
    await rejects(
      () => t.as('viewer').scenes.add({ projectId: project.id, scriptText: 'x' }),
      'FORBIDDEN',
    );
    await rejects(
      () => t.anonymous.scenes.add({ projectId: project.id, scriptText: 'x' }),
      'UNAUTHORIZED',
    );
    await t.caller.projects.softDelete({ id: project.id, rowVersion: 1 });
    await rejects(
      () => t.caller.scenes.add({ projectId: project.id, scriptText: 'x' }),
      'NOT_FOUND',
    );
  });
});

describe('scenes per project', () => {
  it(`scenes.add stops at SCENES_PER_PROJECT_MAX (${SCENES_PER_PROJECT_MAX}), so every project can still be reordered`, async () => {
    expect(SCENES_PER_PROJECT_MAX).toBe(1_000);
    const project = await projectWith();
    writeTransaction(t.db, (tx) => {
      for (let i = 0; i < SCENES_PER_PROJECT_MAX - 1; i++)
        insertAudited(
          tx,
          sceneStates,
          { projectId: project.id, sceneIndex: i, scriptText: `s${i}` },
          'tester',
        );
    });
    const last = await t.caller.scenes.add({ projectId: project.id, scriptText: 'last' });
    expect(last.sceneIndex).toBe(SCENES_PER_PROJECT_MAX - 1);
    for (const index of [undefined, 0]) {
      const error = await rejects(
        () => t.caller.scenes.add({ projectId: project.id, scriptText: 'one too many', index }),
        'BAD_REQUEST',
      );
      expect(error.message).toContain(`at most ${SCENES_PER_PROJECT_MAX} scenes`);
      expect(error.message).toContain('SCENES_PER_PROJECT_MAX');
    }
    // A project at the maximum is still reorderable in one call.
    const scenes = listProjectScenes(t.db, project.id).reverse();
    const reordered = await t.caller.scenes.reorder({
      projectId: project.id,
      scenes: scenes.map(({ id, rowVersion }) => ({ id, rowVersion })),
    });
    expect(reordered.map((s) => s.id)).toEqual(scenes.map((s) => s.id));
  });
});

describe('scenes per project: undo', () => {
  it('an undo of a deletion cannot take a full project past the maximum: CONFLICT, nothing changed', async () => {
    const project = await projectWith();
    writeTransaction(t.db, (tx) => {
      for (let i = 0; i < SCENES_PER_PROJECT_MAX; i++)
        insertAudited(
          tx,
          sceneStates,
          { projectId: project.id, sceneIndex: i, scriptText: `s${i}` },
          'tester',
        );
    });
    const last = listProjectScenes(t.db, project.id).at(-1)!;
    await t.caller.scenes.delete({ id: last.id, rowVersion: last.rowVersion });
    await t.as('admin').scenes.add({ projectId: project.id, scriptText: 'theirs' });
    await rejects(() => t.caller.actions.undo(), 'CONFLICT');
    expect(listProjectScenes(t.db, project.id)).toHaveLength(SCENES_PER_PROJECT_MAX);
  });
});

describe('scenes.update and scenes.complete', () => {
  it('updates only the fields present with RowVersion', async () => {
    const project = await projectWith();
    const scene = await t.caller.scenes.add({
      projectId: project.id,
      scriptText: 'draft',
      imageFilePath: `${t.dir}/media/i.png`,
    });
    const updated = await t.as('admin').scenes.update({
      id: scene.id,
      rowVersion: 1,
      scriptText: 'final',
      durationSeconds: 3,
      audioFilePath: `${t.dir}/media/v.wav`,
      imageFilePath: null,
    });
    expect(updated).toMatchObject({
      scriptText: 'final',
      durationSeconds: 3,
      audioFilePath: `${t.dir}/media/v.wav`,
      imageFilePath: null,
      sceneIndex: 0,
      rowVersion: 2,
      modifiedBy: t.principal('admin').userId,
    });
    const completed = await t.caller.scenes.complete({ id: scene.id, rowVersion: 2 });
    expect(completed).toMatchObject({ isCompleted: true, scriptText: 'final', rowVersion: 3 });
  });

  it('rejects stale versions, bad input, missing scenes, scenes of trashed projects and viewers', async () => {
    const project = await projectWith('a');
    const [scene] = listProjectScenes(t.db, project.id);
    await rejects(
      () => t.caller.scenes.update({ id: scene!.id, rowVersion: 2, scriptText: 'x' }),
      'CONFLICT',
    );
    await rejects(() => t.caller.scenes.complete({ id: scene!.id, rowVersion: 2 }), 'CONFLICT');
    await rejectsField(
      () => t.caller.scenes.update({ id: scene!.id, rowVersion: 1, durationSeconds: -0.5 }),
      'durationSeconds',
    );
    await rejectsField(
      () => t.caller.scenes.update({ id: scene!.id, rowVersion: 'one' as never }),
      'rowVersion',
    );
    await rejects(
      () => t.caller.scenes.update({ id: UNKNOWN_ID, rowVersion: 1, scriptText: 'x' }),
      'NOT_FOUND',
    );
    await rejects(() => t.caller.scenes.complete({ id: UNKNOWN_ID, rowVersion: 1 }), 'NOT_FOUND');
    await rejects(
      () => t.as('viewer').scenes.update({ id: scene!.id, rowVersion: 1, scriptText: 'x' }),
      'FORBIDDEN',
    );
    await rejects(
      () => t.as('viewer').scenes.complete({ id: scene!.id, rowVersion: 1 }),
      'FORBIDDEN',
    );
    await rejects(
      () => t.anonymous.scenes.complete({ id: scene!.id, rowVersion: 1 }),
      'UNAUTHORIZED',
    );
    await t.caller.projects.softDelete({ id: project.id, rowVersion: 1 });
    await rejects(
      () => t.caller.scenes.update({ id: scene!.id, rowVersion: 1, scriptText: 'x' }),
      'NOT_FOUND',
    );
    await rejects(() => t.caller.scenes.complete({ id: scene!.id, rowVersion: 1 }), 'NOT_FOUND');
  });
});

/** What a client sends to reorder: each scene's id with the RowVersion it read. */
function read(projectId: string) {
  return listProjectScenes(t.db, projectId).map(({ id, rowVersion }) => ({ id, rowVersion }));
}

describe('scenes.reorder', () => {
  it('puts the scenes in the given order with indices 0..n-1', async () => {
    const project = await projectWith('a', 'b', 'c', 'd');
    const scenes = read(project.id);
    const reordered = await t.caller.scenes.reorder({
      projectId: project.id,
      scenes: [scenes[3]!, scenes[1]!, scenes[0]!, scenes[2]!],
    });
    expect(reordered.map((s) => [s.sceneIndex, s.scriptText])).toEqual([
      [0, 'd'],
      [1, 'b'],
      [2, 'a'],
      [3, 'c'],
    ]);
    // Only moved scenes get a new RowVersion ('b' stayed at index 1).
    expect(reordered.map((s) => s.rowVersion)).toEqual([2, 1, 2, 2]);
    expect(scripts(project.id)).toEqual(['d', 'b', 'a', 'c']);
  });

  it("rejects a list that is not exactly the project's scenes, changing nothing", async () => {
    const project = await projectWith('a', 'b', 'c');
    const other = await projectWith('z');
    const scenes = read(project.id);
    const [s0, s1, s2] = scenes as [(typeof scenes)[0], (typeof scenes)[0], (typeof scenes)[0]];
    const foreign = read(other.id)[0]!;
    for (const list of [
      [s0, s1],
      [s0, s1, s2, foreign],
      [s0, s1, foreign],
      [s0, s1, s1],
      [s0, s1, s2, s2],
      [],
    ]) {
      const error = await rejects(
        () => t.caller.scenes.reorder({ projectId: project.id, scenes: list }),
        'BAD_REQUEST',
      );
      expect(error.message).toMatch(
        /^scenes must list each of the project's 3 scenes exactly once/,
      );
    }
    await rejectsField(
      () => t.caller.scenes.reorder({ projectId: project.id, scenes: 'a' as never }),
      'scenes',
    );
    await rejectsField(
      () =>
        t.caller.scenes.reorder({
          projectId: project.id,
          scenes: [{ id: s0.id }, s1, s2] as never,
        }),
      'scenes',
    );
    await rejects(
      () => t.caller.scenes.reorder({ projectId: UNKNOWN_ID, scenes: [] }),
      'NOT_FOUND',
    );
    await rejects(
      () => t.as('viewer').scenes.reorder({ projectId: project.id, scenes }),
      'FORBIDDEN',
    );
    await rejects(
      () => t.anonymous.scenes.reorder({ projectId: project.id, scenes }),
      'UNAUTHORIZED',
    );
    expect(scripts(project.id)).toEqual(['a', 'b', 'c']);
  });

  it('a reorder with a RowVersion read before another change is CONFLICT and changes nothing', async () => {
    const project = await projectWith('a', 'b', 'c');
    const mine = read(project.id);
    // Someone else moves 'c' first (and so 'a' and 'c' get new versions)...
    await t.as('admin').scenes.reorder({
      projectId: project.id,
      scenes: [mine[2]!, mine[1]!, mine[0]!],
    });
    // ...so my reorder, built on what I read, must not silently win.
    const error = await rejects(
      () =>
        t.caller.scenes.reorder({ projectId: project.id, scenes: [mine[1]!, mine[0]!, mine[2]!] }),
      'CONFLICT',
    );
    expect(error.message).toContain(`SceneStates ${mine[0]!.id}`);
    expect(error.message).toMatch(/you read version 1, it is now 2/);
    expect(scripts(project.id)).toEqual(['c', 'b', 'a']);
    // An edit of a scene that does not move is a change too.
    const fresh = read(project.id);
    await t.as('admin').scenes.update({ id: fresh[1]!.id, rowVersion: 1, scriptText: 'B' });
    await rejects(
      () =>
        t.caller.scenes.reorder({
          projectId: project.id,
          scenes: [fresh[0]!, fresh[1]!, fresh[2]!],
        }),
      'CONFLICT',
    );
    // With the versions as they are now it goes through.
    const now = read(project.id);
    await t.caller.scenes.reorder({ projectId: project.id, scenes: [now[2]!, now[1]!, now[0]!] });
    expect(scripts(project.id)).toEqual(['a', 'B', 'c']);
  });

  it('accepts an empty list for a project without scenes', async () => {
    const project = await projectWith();
    expect(await t.caller.scenes.reorder({ projectId: project.id, scenes: [] })).toEqual([]);
  });
});

describe('scenes.delete', () => {
  it('closes the gap', async () => {
    const project = await projectWith('a', 'b', 'c', 'd');
    const scenes = listProjectScenes(t.db, project.id);
    const removed = await t.caller.scenes.delete({ id: scenes[1]!.id, rowVersion: 1 });
    expect(removed.scriptText).toBe('b');
    expect(scripts(project.id)).toEqual(['a', 'c', 'd']);
    await t.caller.scenes.delete({ id: scenes[3]!.id, rowVersion: 2 });
    expect(scripts(project.id)).toEqual(['a', 'c']);
    await t.caller.scenes.delete({ id: scenes[0]!.id, rowVersion: 1 });
    expect(scripts(project.id)).toEqual(['c']);
  });

  it('rejects a stale version, a missing scene, a trashed project and non-editors', async () => {
    const project = await projectWith('a', 'b');
    const [first] = listProjectScenes(t.db, project.id);
    await rejects(() => t.caller.scenes.delete({ id: first!.id, rowVersion: 2 }), 'CONFLICT');
    await rejects(() => t.caller.scenes.delete({ id: UNKNOWN_ID, rowVersion: 1 }), 'NOT_FOUND');
    await rejects(
      () => t.as('viewer').scenes.delete({ id: first!.id, rowVersion: 1 }),
      'FORBIDDEN',
    );
    await rejects(
      () => t.anonymous.scenes.delete({ id: first!.id, rowVersion: 1 }),
      'UNAUTHORIZED',
    );
    await rejectsField(() => t.caller.scenes.delete({ id: first!.id } as never), 'rowVersion');
    await t.caller.projects.softDelete({ id: project.id, rowVersion: 1 });
    await rejects(() => t.caller.scenes.delete({ id: first!.id, rowVersion: 1 }), 'NOT_FOUND');
  });
});

describe('index invariant', () => {
  /** A small deterministic PRNG, so a failure is reproducible. */
  function prng(seed: number) {
    let state = seed >>> 0;
    return (n: number) => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return (state >>> 16) % n;
    };
  }

  it('keeps indices 0..n-1 and the expected order after a random sequence of mutations', async () => {
    const project = await projectWith();
    const other = await projectWith('o1', 'o2');
    const random = prng(42);
    const model: string[] = [];
    let counter = 0;
    const ops = [0, 0, 0, 0];
    let maxLength = 0;
    for (let step = 0; step < 120; step++) {
      const scenes = listProjectScenes(t.db, project.id);
      // Adds are as likely as the other three together, so the project grows.
      const op = scenes.length === 0 ? 0 : Math.max(0, random(6) - 2);
      maxLength = Math.max(maxLength, scenes.length);
      ops[op]!++;
      if (op === 0) {
        const text = `s${counter++}`;
        const index = random(2) === 0 ? undefined : random(model.length + 1);
        await t.caller.scenes.add({ projectId: project.id, scriptText: text, index });
        model.splice(index ?? model.length, 0, text);
      } else if (op === 1) {
        const victim = scenes[random(scenes.length)]!;
        await t.caller.scenes.delete({ id: victim.id, rowVersion: victim.rowVersion });
        model.splice(victim.sceneIndex, 1);
      } else if (op === 2) {
        const order = scenes.map(({ id, rowVersion }) => ({ id, rowVersion }));
        for (let i = order.length - 1; i > 0; i--) {
          const j = random(i + 1);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        await t.caller.scenes.reorder({ projectId: project.id, scenes: order });
        const textOf = new Map(scenes.map((s) => [s.id, s.scriptText]));
        model.splice(0, model.length, ...order.map(({ id }) => textOf.get(id)!));
      } else {
        const scene = scenes[random(scenes.length)]!;
        await t.caller.scenes.update({
          id: scene.id,
          rowVersion: scene.rowVersion,
          durationSeconds: random(10),
        });
      }
      expect(sceneIndicesAreDense(t.db, project.id), `after step ${step}`).toBe(true);
      expect(scripts(project.id)).toEqual(model);
    }
    expect(scripts(other.id)).toEqual(['o1', 'o2']);
    // Every kind of mutation ran, with a sizeable project along the way.
    expect(
      ops.every((n) => n > 10),
      ops.join(','),
    ).toBe(true);
    expect(maxLength).toBeGreaterThan(8);
  });
});
