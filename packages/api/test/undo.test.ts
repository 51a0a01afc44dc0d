import {
  ASSET_TYPES,
  PROJECT_STAGES,
  actionLogs,
  assetStates,
  configurations,
  loadKeyring,
  notDeleted,
  onlyDeleted,
  projectStates,
  users,
  type AuraDb,
  type UserRole,
} from '@aura/db';
import { TRPCError } from '@trpc/server';
import { and, asc, count, eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { undo } from '../src/actions/service';
import { rotateSecrets } from '../src/config/service';
import { createContext } from '../src/context';
import { createCaller } from '../src/root';
import { listProjectScenes, sceneIndicesAreDense } from '../src/scenes/service';
import { UNDO_LOG_LIMITS } from '../src/actions/recorder';
import { openTestDb, type Caller, type TestDb } from './helpers';

/**
 * Undo and redo of every user-content mutation of projects, scenes, assets and configuration:
 * each writes its ActionLogs row, undo gives back exactly the rows as they were, redo exactly the
 * rows as the action left them (compared without UpdatedAt/ModifiedBy, which record the undo).
 */

let t: TestDb;
beforeEach(() => {
  t = openTestDb();
  // Sensitive configuration values: the keyring file in this test's directory, no operator key.
  vi.stubEnv('AURA_DATA_DIR', t.dir);
  vi.stubEnv('AURA_SECRET_KEY', '');
});
afterEach(() => {
  t.close();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

/** The tables undo restores, with their primary key. */
const TABLES = {
  ProjectStates: 'Id',
  SceneStates: 'Id',
  AssetStates: 'Id',
  Configurations: 'Key',
} as const;

type Row = Record<string, unknown>;

/**
 * Every row of the content tables, without the columns an undo itself stamps: UpdatedAt,
 * ModifiedBy and RowVersion (an undo writes the old content with a new version; see versions()).
 */
function state(db: AuraDb): Record<keyof typeof TABLES, Row[]> {
  const read = (table: keyof typeof TABLES) =>
    (db.$client.prepare(`SELECT * FROM ${table} ORDER BY ${TABLES[table]}`).all() as Row[]).map(
      ({ UpdatedAt: _u, ModifiedBy: _m, RowVersion: _v, ...rest }) => rest,
    );
  return {
    ProjectStates: read('ProjectStates'),
    SceneStates: read('SceneStates'),
    AssetStates: read('AssetStates'),
    Configurations: read('Configurations'),
  };
}

/** The RowVersion of every row of the content tables, by `Table:key`. */
function versions(db: AuraDb): Map<string, number> {
  const all = new Map<string, number>();
  for (const [table, key] of Object.entries(TABLES))
    for (const row of db.$client
      .prepare(`SELECT ${key} AS k, RowVersion AS v FROM ${table}`)
      .all() as { k: string; v: number }[])
      all.set(`${table}:${row.k}`, row.v);
  return all;
}

/**
 * Watches RowVersion move only forward: `check()` after each step fails when a row carries a
 * version lower than the highest it ever had, or a row whose content changed (or that came back
 * after being removed) carries one it had before.
 */
function versionWatch(db: AuraDb) {
  const highest = new Map<string, number>();
  let lastContent = new Map<string, string>();
  const check = () => {
    const s = state(db);
    const content = new Map<string, string>();
    for (const [table, key] of Object.entries(TABLES))
      for (const row of s[table as keyof typeof TABLES])
        content.set(`${table}:${String(row[key])}`, JSON.stringify(row));
    for (const [row, version] of versions(db)) {
      const top = highest.get(row);
      if (top !== undefined) {
        if (lastContent.get(row) === content.get(row))
          expect(version, row).toBeGreaterThanOrEqual(top);
        else expect(version, `${row} changed: a version it never had`).toBeGreaterThan(top);
      }
      highest.set(row, Math.max(top ?? 0, version));
    }
    lastContent = content;
  };
  check();
  return check;
}

function logOf(db: AuraDb, userId: string) {
  return db
    .select()
    .from(actionLogs)
    .where(eq(actionLogs.userId, userId))
    .orderBy(asc(actionLogs.timestamp), asc(actionLogs.id))
    .all();
}

function logCount(db: AuraDb, userId: string): number {
  return db.select({ n: count() }).from(actionLogs).where(eq(actionLogs.userId, userId)).get()!.n;
}

/** Primary keys of the undoable tables, as image properties. */
const KEY_PROPERTIES = new Set(['id', 'key']);

/**
 * An update's images hold the columns it changed and nothing else, on both sides (plus the key and
 * RowVersion): the same columns before and after, each with a different value.
 */
function expectChangedColumnsOnly(entry: typeof actionLogs.$inferSelect) {
  interface Change {
    table: string;
    id: string;
    after?: Row | null;
    before?: Row | null;
  }
  const after = (JSON.parse(entry.payloadJson!) as { changes: Change[] }).changes;
  const before = (JSON.parse(entry.inversePayloadJson!) as { changes: Change[] }).changes;
  for (const change of after) {
    const old = before.find((c) => c.table === change.table && c.id === change.id)!.before;
    if (!old || !change.after) continue;
    expect(Object.keys(old).sort(), change.table).toEqual(Object.keys(change.after).sort());
    for (const column of Object.keys(old)) {
      if (KEY_PROPERTIES.has(column) || column === 'rowVersion') continue;
      expect(JSON.stringify(old[column]), `${change.table}.${column}`).not.toBe(
        JSON.stringify(change.after[column]),
      );
    }
  }
}

async function failure(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

/**
 * A project "Film" with four scenes, a temporary image and a permanent audio file, and a setting,
 * all made by the admin (so the editor's undo stack starts empty).
 */
async function fixture(db: TestDb) {
  const admin = db.as('admin');
  const created = await admin.projects.create({ title: 'Film', description: 'About cats' });
  for (const scriptText of ['One', 'Two', 'Three', 'Four'])
    await admin.scenes.add({ projectId: created.id, scriptText, durationSeconds: 2 });
  const image = await admin.assets.register({
    projectId: created.id,
    assetType: 'Image',
    filePath: `${t.dir}/media/film/cat.png`,
    fileSizeBytes: 1234,
    mimeType: 'image/png',
    isTemporary: true,
  });
  await admin.assets.register({
    projectId: created.id,
    assetType: 'Audio',
    filePath: `${t.dir}/media/film/voice.wav`,
    fileSizeBytes: 99,
    isTemporary: false,
  });
  const setting = await admin.config.set({
    key: 'tts.voice',
    value: 'Alloy',
    category: 'tts',
    valueType: 'string',
  });
  const project = await admin.projects.get({ id: created.id });
  return { project, scenes: project.scenes, image, setting };
}

type Fixture = Awaited<ReturnType<typeof fixture>>;

interface Case {
  name: string;
  type: string;
  description: string;
  /** Runs before the snapshot (by the admin), e.g. to put the project in the trash. */
  prepare?: (admin: Caller, f: Fixture) => Promise<unknown>;
  act: (editor: Caller, f: Fixture) => Promise<unknown>;
  /** The ids the log must name. */
  affected: (f: Fixture, result: unknown) => string[];
}

const idOf = (result: unknown) => (result as { id: string }).id;

const CASES: Case[] = [
  {
    name: 'projects.create',
    type: 'projects.create',
    description: 'Created project "Documentary"',
    act: (c) => c.projects.create({ title: 'Documentary', brief: { topic: 'owls' } }),
    affected: (_f, r) => [idOf(r)],
  },
  {
    name: 'projects.update (rename)',
    type: 'projects.update',
    description: 'Renamed project "Film" to "Movie"',
    act: (c, f) => c.projects.update({ id: f.project.id, rowVersion: 1, title: 'Movie' }),
    affected: (f) => [f.project.id],
  },
  {
    name: 'projects.update (description and specs)',
    type: 'projects.update',
    description: 'Edited the description, brief and voice of project "Film"',
    act: (c, f) =>
      c.projects.update({
        id: f.project.id,
        rowVersion: 1,
        description: 'About dogs',
        brief: { topic: 'dogs', audience: 'kids' },
        voiceSpec: { voice: 'Nova' },
      }),
    affected: (f) => [f.project.id],
  },
  {
    name: 'projects.setWizardStep',
    type: 'projects.setWizardStep',
    description: 'Moved project "Film" from wizard step 0 to step 3',
    act: (c, f) => c.projects.setWizardStep({ id: f.project.id, rowVersion: 1, step: 3 }),
    affected: (f) => [f.project.id],
  },
  {
    name: 'projects.setStage',
    type: 'projects.setStage',
    description: 'Set project "Film" to stage Images (40%)',
    act: (c, f) =>
      c.projects.setStage({
        id: f.project.id,
        rowVersion: 1,
        stage: 'Images',
        progressPercent: 40,
      }),
    affected: (f) => [f.project.id],
  },
  {
    name: 'projects.complete',
    type: 'projects.complete',
    description: 'Completed project "Film"',
    act: (c, f) => c.projects.complete({ id: f.project.id, rowVersion: 1 }),
    affected: (f) => [f.project.id],
  },
  {
    name: 'projects.fail',
    type: 'projects.fail',
    description: 'Marked project "Film" as failed',
    act: (c, f) =>
      c.projects.fail({ id: f.project.id, rowVersion: 1, errorMessage: 'TTS provider down' }),
    affected: (f) => [f.project.id],
  },
  {
    name: 'projects.cancel',
    type: 'projects.cancel',
    description: 'Cancelled project "Film"',
    act: (c, f) => c.projects.cancel({ id: f.project.id, rowVersion: 1 }),
    affected: (f) => [f.project.id],
  },
  {
    name: 'projects.softDelete',
    type: 'projects.softDelete',
    description: 'Moved project "Film" to the trash',
    act: (c, f) => c.projects.softDelete({ id: f.project.id, rowVersion: 1 }),
    affected: (f) => [f.project.id],
  },
  {
    name: 'projects.restore',
    type: 'projects.restore',
    description: 'Restored project "Film" from the trash',
    prepare: (a, f) => a.projects.softDelete({ id: f.project.id, rowVersion: 1 }),
    act: (c, f) => c.projects.restore({ id: f.project.id, rowVersion: 2 }),
    affected: (f) => [f.project.id],
  },
  {
    name: 'projects.duplicate',
    type: 'projects.duplicate',
    description: 'Duplicated project "Film" as "Film (copy)"',
    act: (c, f) => c.projects.duplicate({ id: f.project.id }),
    affected: (_f, r) => {
      const copy = r as Fixture['project'];
      expect(copy.scenes).toHaveLength(4);
      expect(copy.assets).toHaveLength(2);
      return [copy.id, ...copy.scenes.map((s) => s.id), ...copy.assets.map((a) => a.id)];
    },
  },
  {
    name: 'scenes.add (append)',
    type: 'scenes.add',
    description: 'Added scene 5 to "Film"',
    act: (c, f) => c.scenes.add({ projectId: f.project.id, scriptText: 'Five' }),
    affected: (_f, r) => [idOf(r)],
  },
  {
    name: 'scenes.add (insert, shifting the following scenes)',
    type: 'scenes.add',
    description: 'Inserted a scene at position 2 of "Film"',
    act: (c, f) =>
      c.scenes.add({ projectId: f.project.id, scriptText: 'One and a half', index: 1 }),
    affected: (f, r) => [idOf(r), ...f.scenes.slice(1).map((s) => s.id)],
  },
  {
    name: 'scenes.update',
    type: 'scenes.update',
    description: 'Edited scene 2 of "Film"',
    act: (c, f) =>
      c.scenes.update({
        id: f.scenes[1]!.id,
        rowVersion: 1,
        scriptText: 'Two, rewritten',
        durationSeconds: 4.5,
        imageFilePath: `${t.dir}/media/film/two.png`,
      }),
    affected: (f) => [f.scenes[1]!.id],
  },
  {
    name: 'scenes.reorder (one move)',
    type: 'scenes.reorder',
    description: 'Moved scene 3 of "Film" to position 1',
    act: (c, f) => {
      const [a, b, c3, d] = f.scenes.map(({ id, rowVersion }) => ({ id, rowVersion }));
      return c.scenes.reorder({ projectId: f.project.id, scenes: [c3!, a!, b!, d!] });
    },
    affected: (f) => f.scenes.slice(0, 3).map((s) => s.id),
  },
  {
    name: 'scenes.reorder (any permutation)',
    type: 'scenes.reorder',
    description: 'Reordered the scenes of "Film"',
    act: (c, f) =>
      c.scenes.reorder({
        projectId: f.project.id,
        scenes: f.scenes.map(({ id, rowVersion }) => ({ id, rowVersion })).reverse(),
      }),
    affected: (f) => f.scenes.map((s) => s.id),
  },
  {
    name: 'scenes.complete',
    type: 'scenes.complete',
    description: 'Marked scene 4 of "Film" as completed',
    act: (c, f) => c.scenes.complete({ id: f.scenes[3]!.id, rowVersion: 1 }),
    affected: (f) => [f.scenes[3]!.id],
  },
  {
    name: 'scenes.delete (closing the gap)',
    type: 'scenes.delete',
    description: 'Deleted scene 2 of "Film"',
    act: (c, f) => c.scenes.delete({ id: f.scenes[1]!.id, rowVersion: 1 }),
    affected: (f) => f.scenes.slice(1).map((s) => s.id),
  },
  {
    name: 'assets.register',
    type: 'assets.register',
    description: 'Registered temporary video "final.mp4" for project "Film"',
    act: (c, f) =>
      c.assets.register({
        projectId: f.project.id,
        assetType: 'Video',
        filePath: `${t.dir}/media/film/final.mp4`,
        fileSizeBytes: 5_000_000,
        mimeType: 'video/mp4',
        isTemporary: true,
      }),
    affected: (_f, r) => [idOf(r)],
  },
  {
    name: 'assets.markPermanent',
    type: 'assets.markPermanent',
    description: 'Kept image "cat.png" of project "Film" permanently',
    act: (c, f) => c.assets.markPermanent({ id: f.image.id, rowVersion: 1 }),
    affected: (f) => [f.image.id],
  },
  {
    name: 'config.set (create)',
    type: 'config.set',
    description: 'Created setting "render.fps"',
    act: (c) =>
      c.config.set({ key: 'render.fps', value: 30, category: 'render', valueType: 'number' }),
    affected: () => ['render.fps'],
  },
  {
    name: 'config.set (change)',
    type: 'config.set',
    description: 'Changed setting "tts.voice"',
    act: (c, f) =>
      c.config.set({ key: 'tts.voice', value: 'Nova', rowVersion: f.setting.rowVersion }),
    affected: () => ['tts.voice'],
  },
  {
    name: 'config.set (sensitive)',
    type: 'config.set',
    description: 'Created sensitive setting "providers/openai:apiKey"',
    act: (c) =>
      c.config.set({
        key: 'providers/openai:apiKey',
        value: 'sk-live-PLAINTEXT-0001',
        category: 'providers',
        valueType: 'string',
        isSensitive: true,
      }),
    affected: () => ['providers/openai:apiKey'],
  },
  {
    name: 'config.deactivate',
    type: 'config.deactivate',
    description: 'Deactivated setting "tts.voice"',
    act: (c, f) => c.config.deactivate({ key: 'tts.voice', rowVersion: f.setting.rowVersion }),
    affected: () => ['tts.voice'],
  },
  {
    name: 'config.set (reactivating a deactivated key)',
    type: 'config.set',
    description: 'Changed setting "tts.voice" (reactivated)',
    prepare: (a, f) => a.config.deactivate({ key: 'tts.voice', rowVersion: f.setting.rowVersion }),
    act: (c, f) =>
      c.config.set({ key: 'tts.voice', value: 'Echo', rowVersion: f.setting.rowVersion + 1 }),
    affected: () => ['tts.voice'],
  },
];

describe('every mutation is logged, undone and redone exactly', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const f = await fixture(t);
    if (c.prepare) await c.prepare(t.as('admin'), f);
    const editor = t.principal('editor').userId;
    const before = state(t.db);
    const forward = versionWatch(t.db);

    const result = await c.act(t.caller, f);
    const after = state(t.db);
    forward();
    expect(after).not.toEqual(before);

    const log = logOf(t.db, editor);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      actionType: c.type,
      description: c.description,
      status: 'Applied',
      inverseActionType: `${c.type}.undo`,
      undoneAt: null,
      canBatch: false,
      correlationId: null,
    });
    expect(log[0]!.affectedResourceIds!.split(',').sort()).toEqual(c.affected(f, result).sort());
    expectChangedColumnsOnly(log[0]!);

    const undone = await t.caller.actions.undo();
    expect(undone.actions).toEqual([
      { id: log[0]!.id, actionType: c.type, description: c.description },
    ]);
    expect(state(t.db)).toEqual(before);
    forward();
    expect(logOf(t.db, editor)[0]).toMatchObject({ status: 'Undone', undoneByUserId: editor });
    await expect(t.caller.actions.undo()).rejects.toMatchObject({ code: 'NOT_FOUND' });

    expect((await t.caller.actions.redo()).actions.map((a) => a.id)).toEqual([log[0]!.id]);
    expect(state(t.db)).toEqual(after);
    forward();
    expect(logOf(t.db, editor)[0]).toMatchObject({ status: 'Applied', undoneAt: null });
    await expect(t.caller.actions.redo()).rejects.toMatchObject({ code: 'NOT_FOUND' });

    // And once more, to show the images compose (undo after redo).
    await t.caller.actions.undo();
    expect(state(t.db)).toEqual(before);
    forward();
    for (const scenesOf of new Set(state(t.db).SceneStates.map((s) => s.ProjectId as string)))
      expect(sceneIndicesAreDense(t.db, scenesOf)).toBe(true);
  });

  it('covers every mutation type of the four services', () => {
    expect(new Set(CASES.map((c) => c.type))).toEqual(
      new Set([
        'projects.create',
        'projects.update',
        'projects.setWizardStep',
        'projects.setStage',
        'projects.complete',
        'projects.fail',
        'projects.cancel',
        'projects.softDelete',
        'projects.restore',
        'projects.duplicate',
        'scenes.add',
        'scenes.update',
        'scenes.reorder',
        'scenes.complete',
        'scenes.delete',
        'assets.register',
        'assets.markPermanent',
        'config.set',
        'config.deactivate',
      ]),
    );
  });

  it('a rejected mutation logs nothing; a hard delete (forever) logs nothing', async () => {
    const f = await fixture(t);
    const editor = t.principal('editor').userId;
    await failure(t.caller.projects.update({ id: f.project.id, rowVersion: 7, title: 'Stale' }));
    await failure(t.caller.scenes.delete({ id: f.scenes[0]!.id, rowVersion: 9 }));
    await failure(t.caller.projects.complete({ id: 'nope', rowVersion: 1 }));
    expect(logCount(t.db, editor)).toBe(0);
    const admin = t.principal('admin').userId;
    const adminActions = logCount(t.db, admin);
    await t.as('admin').projects.hardDelete({ id: f.project.id });
    expect(logCount(t.db, admin)).toBe(adminActions);
  });

  it('a reorder that changes nothing logs nothing', async () => {
    const f = await fixture(t);
    await t.caller.scenes.reorder({
      projectId: f.project.id,
      scenes: f.scenes.map(({ id, rowVersion }) => ({ id, rowVersion })),
    });
    expect(logCount(t.db, t.principal('editor').userId)).toBe(0);
  });
});

describe('sensitive configuration values in the undo log', () => {
  const FIRST = 'sk-live-FIRST-SECRET-7f3a';
  const SECOND = 'sk-live-SECOND-SECRET-9b1c';
  const KEY = 'providers/openai:apiKey';

  /** Every column of every ActionLogs row, as text. */
  const everyLoggedText = () =>
    JSON.stringify(t.db.$client.prepare('SELECT * FROM ActionLogs').all());

  it('row images hold only the ciphertext; undo and redo restore values that still decrypt', async () => {
    const made = await t.caller.config.set({
      key: KEY,
      value: FIRST,
      category: 'providers',
      valueType: 'string',
      isSensitive: true,
    });
    await t.caller.config.set({ key: KEY, value: SECOND, rowVersion: made.rowVersion });
    const text = everyLoggedText();
    expect(text).toContain('$enc');
    expect(text).not.toContain(FIRST);
    expect(text).not.toContain(SECOND);
    expect(text).not.toContain('FIRST-SECRET');
    expect(text).not.toContain('SECOND-SECRET');
    for (const row of logOf(t.db, t.principal('editor').userId))
      expect(row.description).not.toMatch(/sk-live/);

    const admin = t.as('admin');
    await t.caller.actions.undo();
    expect((await admin.config.reveal({ key: KEY })).value).toBe(FIRST);
    await t.caller.actions.redo();
    expect((await admin.config.reveal({ key: KEY })).value).toBe(SECOND);
    expect(everyLoggedText()).not.toContain('SECRET-');
  });

  it('a key rotation re-encrypts the images too: undo after it still gives a readable value', async () => {
    const made = await t.caller.config.set({
      key: KEY,
      value: FIRST,
      category: 'providers',
      valueType: 'string',
      isSensitive: true,
    });
    await t.caller.config.set({ key: KEY, value: SECOND, rowVersion: made.rowVersion });
    const oldKey = loadKeyring().activeKeyId;
    const rotated = rotateSecrets(t.db);
    // Nothing (row or logged image) uses the old key any more; it is retired, kept for backups.
    expect(rotated.retiredKeyIds).toEqual([oldKey]);
    expect(loadKeyring().keys.has(oldKey)).toBe(true);
    expect(everyLoggedText()).not.toContain(`"kid\\":\\"${oldKey}`);
    expect(everyLoggedText()).not.toContain('SECRET-');

    const admin = t.as('admin');
    await t.caller.actions.undo();
    expect((await admin.config.reveal({ key: KEY })).value).toBe(FIRST);
    await t.caller.actions.redo();
    expect((await admin.config.reveal({ key: KEY })).value).toBe(SECOND);
  });
});

describe('conflicts, the redo stack and batches', () => {
  it('undo is CONFLICT when another user changed the resource since: names it, changes nothing', async () => {
    const f = await fixture(t);
    const scene = f.scenes[2]!;
    await t.caller.scenes.update({ id: scene.id, rowVersion: 1, scriptText: 'Mine' });
    await t.as('admin').scenes.update({ id: scene.id, rowVersion: 2, scriptText: 'Theirs' });
    const before = state(t.db);
    const error = await failure(t.caller.actions.undo());
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain(`SceneStates ${scene.id}`);
    expect(error.message).toMatch(/RowVersion is 3, expected 2/);
    expect(state(t.db)).toEqual(before);
    const [entry] = logOf(t.db, t.principal('editor').userId);
    expect(error.message).toContain(`"${entry!.description}" (action ${entry!.id})`);
    expect(entry).toMatchObject({ status: 'Failed', undoneAt: null });
    expect(entry!.errorMessage).toContain(`SceneStates ${scene.id} was changed since`);
  });

  it('undo of a move is CONFLICT when a shifted scene was edited by someone else since', async () => {
    const f = await fixture(t);
    await t.caller.scenes.add({ projectId: f.project.id, scriptText: 'Zero', index: 0 });
    // Scene "Four" was shifted by the insert; the admin then edits it.
    await t.as('admin').scenes.update({ id: f.scenes[3]!.id, rowVersion: 2, scriptText: 'Four!' });
    const before = state(t.db);
    const error = await failure(t.caller.actions.undo());
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain(`SceneStates ${f.scenes[3]!.id}`);
    expect(state(t.db)).toEqual(before);
  });

  it('undo that would break the scene order (another user added a scene since) is CONFLICT', async () => {
    const f = await fixture(t);
    await t.caller.scenes.add({ projectId: f.project.id, scriptText: 'Five' });
    await t.as('admin').scenes.add({ projectId: f.project.id, scriptText: 'Six' });
    const before = state(t.db);
    const error = await failure(t.caller.actions.undo());
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain(`ProjectStates ${f.project.id}`);
    expect(error.message).toMatch(/scene/i);
    expect(state(t.db)).toEqual(before);
    expect(sceneIndicesAreDense(t.db, f.project.id)).toBe(true);
  });

  it('undo of a create never cascades into rows someone else added since', async () => {
    const made = await t.caller.projects.create({ title: 'Mine' });
    await t.as('admin').scenes.add({ projectId: made.id, scriptText: 'Their scene' });
    await t.as('admin').versions.create({ projectId: made.id, versionType: 'Manual' });
    const before = state(t.db);
    const error = await failure(t.caller.actions.undo());
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain(`ProjectStates ${made.id}`);
    expect(error.message).toContain('SceneStates');
    expect(state(t.db)).toEqual(before);
  });

  it('undo of a scene delete after the project was removed for good is CONFLICT, not an internal error', async () => {
    const f = await fixture(t);
    const other = await t.caller.projects.create({ title: 'Other' });
    await t.caller.scenes.delete({ id: f.scenes[3]!.id, rowVersion: 1 });
    await t.as('admin').projects.hardDelete({ id: f.project.id });
    const before = state(t.db);
    const error = await failure(t.caller.actions.undo());
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain(`SceneStates ${f.scenes[3]!.id}`);
    expect(error.message).toMatch(/a row it belongs to no longer exists/);
    expect(state(t.db)).toEqual(before);
    // Not stuck: the next undo takes the action before it.
    expect((await t.caller.actions.undo()).actions.map((a) => a.actionType)).toEqual([
      'projects.create',
    ]);
    expect(await t.caller.projects.list({})).not.toContainEqual(
      expect.objectContaining({ id: other.id }),
    );
  });

  it('undo keeps version numbers moving forward (LastVersionNumber is a counter, not content)', async () => {
    const f = await fixture(t);
    await t.caller.projects.update({ id: f.project.id, rowVersion: 1, title: 'Renamed' });
    const { version } = await t.as('admin').versions.create({ projectId: f.project.id });
    expect(version.versionNumber).toBe(1);
    await t.caller.actions.undo();
    const project = t.db
      .select()
      .from(projectStates)
      .where(eq(projectStates.id, f.project.id))
      .get()!;
    expect(project.title).toBe('Film');
    expect(project.lastVersionNumber).toBe(1);
    await t.as('admin').versions.purge({ id: version.id });
    const next = await t.as('admin').versions.create({ projectId: f.project.id });
    expect(next.version.versionNumber).toBe(2);
  });

  it('a new action clears the redo stack', async () => {
    const f = await fixture(t);
    await t.caller.projects.update({ id: f.project.id, rowVersion: 1, title: 'A' });
    await t.caller.projects.update({ id: f.project.id, rowVersion: 2, title: 'B' });
    await t.caller.actions.undo();
    await t.caller.scenes.complete({ id: f.scenes[0]!.id, rowVersion: 1 });
    const before = state(t.db);
    await expect(t.caller.actions.redo()).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'Nothing to redo',
    });
    expect(state(t.db)).toEqual(before);
    // The undo stack is intact: the scene, then the rename to "A".
    await t.caller.actions.undo();
    await t.caller.actions.undo();
    expect((await t.caller.projects.get({ id: f.project.id })).title).toBe('Film');
  });

  it('undo, redo and a new action in the same millisecond keep their order', async () => {
    const f = await fixture(t);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00.000Z'));
    await t.caller.projects.update({ id: f.project.id, rowVersion: 1, title: 'A' });
    await t.caller.projects.update({ id: f.project.id, rowVersion: 2, title: 'B' });
    await t.caller.actions.undo();
    await t.caller.actions.undo();
    expect((await t.caller.projects.get({ id: f.project.id })).title).toBe('Film');
    await t.caller.actions.redo();
    expect((await t.caller.projects.get({ id: f.project.id })).title).toBe('A');
    await t.caller.actions.redo();
    expect((await t.caller.projects.get({ id: f.project.id })).title).toBe('B');
    await t.caller.actions.undo();
    await t.caller.scenes.complete({ id: f.scenes[0]!.id, rowVersion: 1 });
    await expect(t.caller.actions.redo()).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a multi-scene operation sent with one correlation id undoes and redoes as one step', async () => {
    const f = await fixture(t);
    await t.caller.projects.setWizardStep({ id: f.project.id, rowVersion: 1, step: 2 });
    const before = state(t.db);
    const batch = createCaller(
      createContext({
        db: t.db,
        principal: t.principal('editor'),
        correlationId: 'x',
        batch: true,
      }),
    );
    for (const [i, scene] of f.scenes.entries())
      await batch.scenes.update({ id: scene.id, rowVersion: 1, durationSeconds: 10 + i });
    await batch.scenes.delete({ id: f.scenes[0]!.id, rowVersion: 2 });
    await batch.scenes.add({ projectId: f.project.id, scriptText: 'Intro', index: 0 });
    const after = state(t.db);
    const logged = logOf(t.db, t.principal('editor').userId).filter((r) => r.correlationId === 'x');
    expect(logged).toHaveLength(6);
    expect(logged.every((r) => r.canBatch)).toBe(true);

    const undone = await t.caller.actions.undo();
    expect(undone.actions).toHaveLength(6);
    expect(undone.actions.map((a) => a.actionType)).toEqual([
      'scenes.add',
      'scenes.delete',
      'scenes.update',
      'scenes.update',
      'scenes.update',
      'scenes.update',
    ]);
    expect(state(t.db)).toEqual(before);
    expect((await t.caller.actions.redo()).actions).toHaveLength(6);
    expect(state(t.db)).toEqual(after);
    // The step before the batch is still separate.
    await t.caller.actions.undo();
    expect((await t.caller.actions.undo()).actions.map((a) => a.actionType)).toEqual([
      'projects.setWizardStep',
    ]);
  });
});

describe('RowVersion only moves forward (undo and redo write new versions)', () => {
  it('a write with a version read before an undo is CONFLICT; the later write is kept', async () => {
    const f = await fixture(t);
    const a = t.caller; // the editor
    const b = t.as('admin');
    const x = t.as('admin'); // another client, holding what it read
    await a.projects.update({ id: f.project.id, rowVersion: 1, title: 'Renamed' });
    const read = await x.projects.get({ id: f.project.id });
    expect(read.rowVersion).toBe(2);
    await a.actions.undo();
    const undone = await b.projects.get({ id: f.project.id });
    expect(undone).toMatchObject({ title: 'Film', rowVersion: 3 });
    await b.projects.update({ id: f.project.id, rowVersion: undone.rowVersion, title: 'Theirs' });
    const error = await failure(
      x.projects.update({ id: f.project.id, rowVersion: read.rowVersion, title: 'Stale' }),
    );
    expect(error.code).toBe('CONFLICT');
    expect(await b.projects.get({ id: f.project.id })).toMatchObject({
      title: 'Theirs',
      rowVersion: 4,
    });
  });

  it('a redo writes a new version too, and consecutive undos and redos of one row compose', async () => {
    const f = await fixture(t);
    const watch = versionWatch(t.db);
    await t.caller.projects.update({ id: f.project.id, rowVersion: 1, title: 'A' });
    await t.caller.projects.update({ id: f.project.id, rowVersion: 2, title: 'B' });
    await t.caller.scenes.update({ id: f.scenes[0]!.id, rowVersion: 1, scriptText: 'C' });
    const titles: string[] = [];
    const title = async () =>
      titles.push((await t.caller.projects.get({ id: f.project.id })).title);
    for (const verb of ['undo', 'undo', 'undo', 'redo', 'redo', 'undo', 'redo', 'redo'] as const) {
      await t.caller.actions[verb]();
      watch();
      await title();
    }
    expect(titles).toEqual(['B', 'A', 'Film', 'A', 'B', 'A', 'B', 'B']);
    const project = await t.caller.projects.get({ id: f.project.id });
    // 2 updates and 7 undo/redo steps of the project (the scene's two steps do not count).
    expect(project.rowVersion).toBe(1 + 2 + 6);
    expect(project.scenes[0]!.scriptText).toBe('C');
  });

  it('a scene deleted and brought back by undo gets a version it never had', async () => {
    const f = await fixture(t);
    const scene = f.scenes[1]!;
    await t.caller.scenes.update({ id: scene.id, rowVersion: 1, scriptText: 'Edited' });
    const read = listProjectScenes(t.db, f.project.id)[1]!;
    await t.caller.scenes.delete({ id: scene.id, rowVersion: read.rowVersion });
    await t.caller.actions.undo();
    const back = listProjectScenes(t.db, f.project.id)[1]!;
    expect(back).toMatchObject({ id: scene.id, scriptText: 'Edited' });
    expect(back.rowVersion).toBeGreaterThan(read.rowVersion);
    await expect(
      t.as('admin').scenes.update({ id: scene.id, rowVersion: read.rowVersion, scriptText: 'X' }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await t.caller.actions.undo();
    expect(listProjectScenes(t.db, f.project.id)[1]!.scriptText).toBe('Two');
  });
});

describe('an undo or redo that cannot apply is marked Failed; the next one goes on', () => {
  it('undo: the newest action conflicts, is marked Failed, and the next undo takes the older one', async () => {
    const f = await fixture(t);
    const editor = t.principal('editor').userId;
    await t.caller.projects.update({ id: f.project.id, rowVersion: 1, title: 'Mine' });
    await t.caller.scenes.update({ id: f.scenes[0]!.id, rowVersion: 1, scriptText: 'My one' });
    await t.as('admin').scenes.update({ id: f.scenes[0]!.id, rowVersion: 2, scriptText: 'Theirs' });
    const [rename, edit] = logOf(t.db, editor);
    const before = state(t.db);
    const error = await failure(t.caller.actions.undo());
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain(`"${edit!.description}" (action ${edit!.id})`);
    expect(error.message).toContain('the next undo goes on with the older actions');
    expect(state(t.db)).toEqual(before);
    expect(logOf(t.db, editor)[1]).toMatchObject({ id: edit!.id, status: 'Failed' });

    const next = await t.caller.actions.undo();
    expect(next.actions.map((a) => a.id)).toEqual([rename!.id]);
    const project = await t.caller.projects.get({ id: f.project.id });
    expect(project.title).toBe('Film');
    expect(project.scenes[0]!.scriptText).toBe('Theirs');
    await expect(t.caller.actions.undo()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // The failed action is history, not a redo step: redo gives back the rename only.
    expect((await t.caller.actions.redo()).actions.map((a) => a.id)).toEqual([rename!.id]);
    await expect(t.caller.actions.redo()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const failed = await t.caller.actions.history({ status: 'Failed' });
    expect(failed.items.map((i) => [i.id, i.errorMessage])).toEqual([
      [edit!.id, expect.stringContaining(`SceneStates ${f.scenes[0]!.id} was changed since`)],
    ]);
  });

  it('redo: an action changed since it was undone is marked Failed; the next redo goes on', async () => {
    const f = await fixture(t);
    await t.caller.projects.update({ id: f.project.id, rowVersion: 1, title: 'A' });
    await t.caller.scenes.update({ id: f.scenes[0]!.id, rowVersion: 1, scriptText: 'S' });
    await t.caller.actions.undo(); // the scene
    await t.caller.actions.undo(); // the rename
    const current = await t.as('admin').projects.get({ id: f.project.id });
    await t.as('admin').projects.update({
      id: f.project.id,
      rowVersion: current.rowVersion,
      title: 'Theirs',
    });
    const before = state(t.db);
    const error = await failure(t.caller.actions.redo());
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain(`ProjectStates ${f.project.id}`);
    expect(error.message).toContain('the next redo goes on with the next actions');
    expect(state(t.db)).toEqual(before);
    expect((await t.caller.actions.redo()).actions.map((a) => a.actionType)).toEqual([
      'scenes.update',
    ]);
    const project = await t.caller.projects.get({ id: f.project.id });
    expect(project.title).toBe('Theirs');
    expect(project.scenes[0]!.scriptText).toBe('S');
  });

  it('a conflict in the middle of a batch rolls back the rows already moved', async () => {
    const f = await fixture(t);
    const batch = createCaller(
      createContext({
        db: t.db,
        principal: t.principal('editor'),
        correlationId: 'b',
        batch: true,
      }),
    );
    await batch.scenes.update({ id: f.scenes[0]!.id, rowVersion: 1, scriptText: 'One!' });
    await batch.scenes.update({ id: f.scenes[1]!.id, rowVersion: 1, scriptText: 'Two!' });
    // The older step of the batch conflicts; the newer one is undone first, then rolled back.
    await t.as('admin').scenes.update({ id: f.scenes[0]!.id, rowVersion: 2, scriptText: 'Theirs' });
    const before = state(t.db);
    const error = await failure(t.caller.actions.undo());
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain('and 1 more of its batch');
    expect(state(t.db)).toEqual(before);
    expect(logOf(t.db, t.principal('editor').userId).map((r) => r.status)).toEqual([
      'Failed',
      'Failed',
    ]);
  });
});

describe('the undo log is bounded', () => {
  const saved = { ...UNDO_LOG_LIMITS };
  afterEach(() => Object.assign(UNDO_LOG_LIMITS, saved));

  it('a change too large to keep is applied and logged as Expired without images; undo skips it', async () => {
    const f = await fixture(t);
    const editor = t.principal('editor').userId;
    await t.caller.projects.update({ id: f.project.id, rowVersion: 1, title: 'Small' });
    UNDO_LOG_LIMITS.maxImageBytes = 4_000;
    const big = 'x'.repeat(5_000);
    await t.caller.scenes.update({ id: f.scenes[0]!.id, rowVersion: 1, scriptText: big });
    const [small, large] = logOf(t.db, editor);
    expect(small).toMatchObject({ status: 'Applied' });
    expect(large).toMatchObject({
      actionType: 'scenes.update',
      status: 'Expired',
      payloadJson: null,
      inversePayloadJson: null,
    });
    expect(large!.errorMessage).toMatch(
      /^Not undoable: its row images are \d+ bytes, more than the 4000/,
    );
    expect(listProjectScenes(t.db, f.project.id)[0]!.scriptText).toBe(big);
    // Undo goes on with the action before it; the large change stays.
    expect((await t.caller.actions.undo()).actions.map((a) => a.id)).toEqual([small!.id]);
    expect(listProjectScenes(t.db, f.project.id)[0]!.scriptText).toBe(big);
    await expect(t.caller.actions.undo()).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('each user keeps their newest entries; older ones are pruned first', async () => {
    const f = await fixture(t);
    const editor = t.principal('editor').userId;
    const adminEntries = logCount(t.db, t.principal('admin').userId);
    UNDO_LOG_LIMITS.maxEntriesPerUser = 3;
    for (let i = 0; i < 5; i++) {
      const { rowVersion } = await t.caller.projects.get({ id: f.project.id });
      await t.caller.projects.update({ id: f.project.id, rowVersion, title: `T${i}` });
    }
    expect(logOf(t.db, editor).map((r) => r.description)).toEqual([
      'Renamed project "T1" to "T2"',
      'Renamed project "T2" to "T3"',
      'Renamed project "T3" to "T4"',
    ]);
    // Another user's log is theirs: not pruned by the editor's actions.
    expect(logCount(t.db, t.principal('admin').userId)).toBe(adminEntries);
    for (let i = 0; i < 3; i++) await t.caller.actions.undo();
    expect((await t.caller.projects.get({ id: f.project.id })).title).toBe('T1');
    await expect(t.caller.actions.undo()).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('the defaults: 256 KiB of images per action, 200 actions per user', () => {
    expect(saved).toEqual({ maxImageBytes: 256 * 1024, maxEntriesPerUser: 200 });
  });
});

// ---- property: n undos give back the start, n redos the end --------------------------------

type Command =
  | { kind: 'createProject'; n: number }
  | { kind: 'rename'; p: number; n: number }
  | { kind: 'editProject'; p: number; n: number; clearBrief: boolean }
  | { kind: 'wizard'; p: number; step: number }
  | { kind: 'stage'; p: number; stage: (typeof PROJECT_STAGES)[number]; progress: number }
  | { kind: 'finish'; p: number; how: 'complete' | 'fail' | 'cancel' }
  | { kind: 'trash'; p: number }
  | { kind: 'restore'; p: number }
  | { kind: 'duplicate'; p: number }
  | { kind: 'addScene'; p: number; at: number; n: number }
  | { kind: 'editScene'; p: number; s: number; n: number; duration: number }
  | { kind: 'completeScene'; p: number; s: number }
  | { kind: 'deleteScene'; p: number; s: number }
  | { kind: 'reorder'; p: number; keys: number[] }
  | {
      kind: 'register';
      p: number;
      type: (typeof ASSET_TYPES)[number];
      temporary: boolean;
      n: number;
    }
  | { kind: 'permanent'; p: number; a: number }
  | { kind: 'setConfig'; key: string; n: number; sensitive: boolean }
  | { kind: 'deactivate'; key: string };

const nat = fc.nat({ max: 1000 });
const CONFIG_KEYS = ['ui.theme', 'tts.voice', 'providers/eleven:apiKey'];

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('createProject' as const), n: nat }),
  fc.record({ kind: fc.constant('rename' as const), p: nat, n: nat }),
  fc.record({
    kind: fc.constant('editProject' as const),
    p: nat,
    n: nat,
    clearBrief: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('wizard' as const), p: nat, step: fc.integer({ min: 0, max: 8 }) }),
  fc.record({
    kind: fc.constant('stage' as const),
    p: nat,
    stage: fc.constantFrom(...PROJECT_STAGES),
    progress: fc.integer({ min: 0, max: 100 }),
  }),
  fc.record({
    kind: fc.constant('finish' as const),
    p: nat,
    how: fc.constantFrom('complete' as const, 'fail' as const, 'cancel' as const),
  }),
  fc.record({ kind: fc.constant('trash' as const), p: nat }),
  fc.record({ kind: fc.constant('restore' as const), p: nat }),
  fc.record({ kind: fc.constant('duplicate' as const), p: nat }),
  fc.record({ kind: fc.constant('addScene' as const), p: nat, at: nat, n: nat }),
  fc.record({
    kind: fc.constant('editScene' as const),
    p: nat,
    s: nat,
    n: nat,
    duration: fc.integer({ min: 0, max: 600 }),
  }),
  fc.record({ kind: fc.constant('completeScene' as const), p: nat, s: nat }),
  fc.record({ kind: fc.constant('deleteScene' as const), p: nat, s: nat }),
  fc.record({
    kind: fc.constant('reorder' as const),
    p: nat,
    keys: fc.array(nat, { minLength: 12, maxLength: 12 }),
  }),
  fc.record({
    kind: fc.constant('register' as const),
    p: nat,
    type: fc.constantFrom(...ASSET_TYPES),
    temporary: fc.boolean(),
    n: nat,
  }),
  fc.record({ kind: fc.constant('permanent' as const), p: nat, a: nat }),
  fc.record({
    kind: fc.constant('setConfig' as const),
    key: fc.constantFrom(...CONFIG_KEYS),
    n: nat,
    sensitive: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('deactivate' as const), key: fc.constantFrom(...CONFIG_KEYS) }),
);

const pick = <T>(items: T[], i: number): T | undefined =>
  items.length === 0 ? undefined : items[i % items.length];

function liveProjects(db: AuraDb) {
  return db
    .select()
    .from(projectStates)
    .where(notDeleted(projectStates))
    .orderBy(asc(projectStates.createdAt), asc(projectStates.id))
    .all();
}

/**
 * Runs one command against the current state through the editor's caller; returns false
 * (skipped) when it would be invalid now (no such project, scene or key, wrong status).
 */
async function run(db: AuraDb, c: Caller, command: Command): Promise<boolean> {
  if (command.kind === 'createProject') {
    await c.projects.create({ title: `Project ${command.n}` });
    return true;
  }
  if (command.kind === 'restore') {
    const trashed = db
      .select()
      .from(projectStates)
      .where(onlyDeleted(projectStates))
      .orderBy(asc(projectStates.id))
      .all();
    const project = pick(trashed, command.p);
    if (!project) return false;
    await c.projects.restore({ id: project.id, rowVersion: project.rowVersion });
    return true;
  }
  if (command.kind === 'setConfig') {
    const current = db
      .select()
      .from(configurations)
      .where(eq(configurations.key, command.key))
      .get();
    const value = `${command.key}=${command.n}`;
    await c.config.set(
      current
        ? {
            key: command.key,
            value,
            rowVersion: current.rowVersion,
            isSensitive: command.sensitive,
          }
        : {
            key: command.key,
            value,
            category: 'property',
            valueType: 'string',
            isSensitive: command.sensitive,
          },
    );
    return true;
  }
  if (command.kind === 'deactivate') {
    const current = db
      .select()
      .from(configurations)
      .where(eq(configurations.key, command.key))
      .get();
    if (!current?.isActive) return false;
    await c.config.deactivate({ key: command.key, rowVersion: current.rowVersion });
    return true;
  }

  const project = pick(liveProjects(db), command.p);
  if (!project) return false;
  const key = { id: project.id, rowVersion: project.rowVersion };
  const active = project.status === 'InProgress';
  const scenes = listProjectScenes(db, project.id);
  const assets = db
    .select()
    .from(assetStates)
    .where(eq(assetStates.projectId, project.id))
    .orderBy(asc(assetStates.id))
    .all();
  switch (command.kind) {
    case 'rename':
      await c.projects.update({ ...key, title: `Title ${command.n}` });
      return true;
    case 'editProject':
      await c.projects.update({
        ...key,
        description: `Description ${command.n}`,
        brief: command.clearBrief ? null : { topic: `topic ${command.n}` },
        renderSpec: { fps: 24 + (command.n % 37) },
      });
      return true;
    case 'wizard':
      await c.projects.setWizardStep({ ...key, step: command.step });
      return true;
    case 'stage':
      if (!active) return false;
      await c.projects.setStage({
        ...key,
        stage: command.stage,
        progressPercent: command.progress,
      });
      return true;
    case 'finish':
      if (!active) return false;
      if (command.how === 'complete') await c.projects.complete(key);
      else if (command.how === 'cancel') await c.projects.cancel(key);
      else await c.projects.fail({ ...key, errorMessage: 'Rendering failed' });
      return true;
    case 'trash':
      await c.projects.softDelete(key);
      return true;
    case 'duplicate':
      await c.projects.duplicate({ id: project.id });
      return true;
    case 'addScene':
      await c.scenes.add({
        projectId: project.id,
        scriptText: `Scene ${command.n}`,
        index: command.at % (scenes.length + 1),
      });
      return true;
    case 'editScene': {
      const scene = pick(scenes, command.s);
      if (!scene) return false;
      await c.scenes.update({
        id: scene.id,
        rowVersion: scene.rowVersion,
        scriptText: `Edited ${command.n}`,
        durationSeconds: command.duration,
      });
      return true;
    }
    case 'completeScene': {
      const scene = pick(scenes, command.s);
      if (!scene) return false;
      await c.scenes.complete({ id: scene.id, rowVersion: scene.rowVersion });
      return true;
    }
    case 'deleteScene': {
      const scene = pick(scenes, command.s);
      if (!scene) return false;
      await c.scenes.delete({ id: scene.id, rowVersion: scene.rowVersion });
      return true;
    }
    case 'reorder': {
      const order = scenes
        .map((scene, i) => ({ scene, key: command.keys[i % command.keys.length]!, i }))
        .sort((a, b) => a.key - b.key || a.i - b.i);
      if (order.every((entry, i) => entry.i === i)) return false; // unchanged: not an action
      await c.scenes.reorder({
        projectId: project.id,
        scenes: order.map(({ scene }) => ({ id: scene.id, rowVersion: scene.rowVersion })),
      });
      return true;
    }
    case 'register':
      await c.assets.register({
        projectId: project.id,
        assetType: command.type,
        filePath: `${t.dir}/media/${project.id}/file-${command.n}`,
        fileSizeBytes: command.n,
        isTemporary: command.temporary,
      });
      return true;
    case 'permanent': {
      const asset = pick(assets, command.a);
      if (!asset) return false;
      await c.assets.markPermanent({ id: asset.id, rowVersion: asset.rowVersion });
      return true;
    }
  }
}

describe('property: any sequence of actions', () => {
  it('n undos give back the starting state exactly, n redos the state after the actions', async () => {
    // This test opens its own database per run.
    t.close();
    await fc.assert(
      fc.asyncProperty(
        fc.array(commandArb, { minLength: 1, maxLength: 15 }),
        // Half the runs with a stopped clock: every action, undo and redo in one millisecond.
        fc.boolean(),
        async (commands, stoppedClock) => {
          t = openTestDb();
          try {
            vi.stubEnv('AURA_DATA_DIR', t.dir);
            await fixture(t);
            if (stoppedClock) {
              vi.useFakeTimers({ toFake: ['Date'] });
              vi.setSystemTime(new Date());
            }
            const editor = t.principal('editor').userId;
            const start = state(t.db);
            const forward = versionWatch(t.db);
            let actions = 0;
            for (const command of commands) {
              const logged = logCount(t.db, editor);
              if (!(await run(t.db, t.caller, command))) continue;
              // Each call is exactly one action.
              expect(logCount(t.db, editor)).toBe(logged + 1);
              forward();
              actions++;
            }
            const end = state(t.db);
            for (let i = 0; i < actions; i++) {
              expect((await t.caller.actions.undo()).actions).toHaveLength(1);
              forward();
              for (const project of t.db.select({ id: projectStates.id }).from(projectStates).all())
                expect(sceneIndicesAreDense(t.db, project.id)).toBe(true);
            }
            expect(state(t.db)).toEqual(start);
            await expect(t.caller.actions.undo()).rejects.toMatchObject({ code: 'NOT_FOUND' });
            for (let i = 0; i < actions; i++) {
              await t.caller.actions.redo();
              forward();
            }
            expect(state(t.db)).toEqual(end);
            await expect(t.caller.actions.redo()).rejects.toMatchObject({ code: 'NOT_FOUND' });
            expect(
              t.db
                .select({ n: count() })
                .from(actionLogs)
                .where(and(eq(actionLogs.userId, editor), eq(actionLogs.status, 'Undone')))
                .get()!.n,
            ).toBe(0);
          } finally {
            vi.useRealTimers();
            t.close();
          }
        },
      ),
      { numRuns: 40 },
    );
    // afterEach closes `t` again: give it a fresh one.
    t = openTestDb();
  }, 60_000);
});

describe('undo and redo need the rights the user has now', () => {
  /** Sets a user's role in the Users table; `as` is their caller, signed in with that role. */
  function demote(role: UserRole, from: UserRole) {
    const principal = t.principal(from);
    t.db.update(users).set({ role }).where(eq(users.id, principal.userId)).run();
    return createCaller(createContext({ db: t.db, principal: { ...principal, role } }));
  }
  /** Everything an undo could touch: the content tables and the whole log. */
  const everything = () => ({ rows: state(t.db), log: t.db.select().from(actionLogs).all() });

  it('an admin demoted to editor cannot undo or redo an installation-wide setting; FORBIDDEN, nothing changed', async () => {
    const admin = t.as('admin');
    await admin.config.set({
      key: 'System.notice',
      value: 'Maintenance at 6',
      category: 'System',
      valueType: 'string',
    });
    const before = everything();
    const editor = demote('editor', 'admin');
    const error = await failure(editor.actions.undo());
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toContain("'System.notice' is an installation-wide setting");
    expect(everything()).toEqual(before);
    // Not marked Failed: promoted again, the same action is still the next to undo.
    demote('admin', 'admin');
    await admin.actions.undo();
    expect(await admin.config.list({ category: 'System' })).toMatchObject({ items: [] });
    // And the redo is refused after a demotion too.
    const undone = everything();
    expect((await failure(demote('editor', 'admin').actions.redo())).code).toBe('FORBIDDEN');
    expect(everything()).toEqual(undone);
  });

  it("a change that moved a user-level key into an installation-wide category is not the editor's to undo", async () => {
    const admin = t.as('admin');
    const made = await admin.config.set({
      key: 'ui.theme',
      value: 'dark',
      category: 'ui',
      valueType: 'string',
    });
    await admin.config.set({
      key: 'ui.theme',
      rowVersion: made.rowVersion,
      value: 'dark',
      category: 'Backup',
    });
    const before = everything();
    expect((await failure(demote('editor', 'admin').actions.undo())).code).toBe('FORBIDDEN');
    expect(everything()).toEqual(before);
  });

  it('an editor demoted to viewer cannot undo content changes, even with a session from before', async () => {
    const f = await fixture(t);
    await t.caller.scenes.update({ id: f.scenes[0]!.id, rowVersion: 1, scriptText: 'Mine' });
    const editorId = t.principal('editor').userId;
    const before = everything();
    // A caller whose principal still says editor: the Users table decides.
    t.db.update(users).set({ role: 'viewer' }).where(eq(users.id, editorId)).run();
    expect((await failure(t.caller.actions.undo())).code).toBe('FORBIDDEN');
    expect(() => undo(t.db, editorId)).toThrow(/your role is now viewer/);
    expect(everything()).toEqual(before);
    expect(logOf(t.db, editorId)[0]).toMatchObject({ status: 'Applied' });
  });

  it('an editor still undoes their own user-level settings', async () => {
    await t.caller.config.set({ key: 'tts.speed', value: 2, category: 'tts', valueType: 'number' });
    await t.caller.actions.undo();
    expect(await t.caller.config.list({ category: 'tts' })).toMatchObject({ items: [] });
  });
});
