import { actionLogs, customTemplates, type AuraDb } from '@aura/db';
import { eq } from 'drizzle-orm';
import { TRPCError } from '@trpc/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ZodError } from 'zod';
import { redo, undo } from '../src/actions/service';
import { createContext } from '../src/context';
import { createCaller } from '../src/root';

/** A cursor as the server encodes them: base64url of [list, ...sort keys]. */
const encodeCursor = (list: string, keys: string[]) =>
  Buffer.from(JSON.stringify([list, ...keys])).toString('base64url');
import { openTestDb, type TestDb } from './helpers';

let t: TestDb;
afterEach(() => t.close());

const template = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  description: 'For the undo tests',
  category: 'Testing',
  tags: ['undo'],
  isDefault: false,
  ...extra,
});

function templateRow(db: AuraDb, id: string) {
  return db.select().from(customTemplates).where(eq(customTemplates.id, id)).get();
}

/** A caller whose requests carry a correlation id, batched. */
function batchedCaller(correlationId: string) {
  return createCaller(
    createContext({ db: t.db, principal: t.principal('editor'), correlationId, batch: true }),
  );
}

describe('undo and redo', () => {
  it('logs each mutation with its inverse, in the same transaction, and undo/redo really restore the rows', async () => {
    t = openTestDb();
    const created = await t.caller.customTemplates.create(template('First'));
    const log = t.db.select().from(actionLogs).all();
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      userId: t.principal('editor').userId,
      actionType: 'customTemplates.create',
      status: 'Applied',
      affectedResourceIds: created.id,
      inverseActionType: 'customTemplates.create.undo',
      isPersistent: true,
    });
    expect(Date.parse(log[0]!.expiresAt!) - Date.parse(log[0]!.timestamp)).toBe(30 * 86_400_000);

    const edited = await t.caller.customTemplates.update({
      id: created.id,
      rowVersion: created.rowVersion,
      name: 'Renamed',
    });
    expect(edited.name).toBe('Renamed');

    expect((await t.caller.actions.undo()).actions.map((a) => a.actionType)).toEqual([
      'customTemplates.update',
    ]);
    expect(templateRow(t.db, created.id)).toMatchObject({ name: 'First' });
    expect((await t.caller.actions.undo()).actions.map((a) => a.actionType)).toEqual([
      'customTemplates.create',
    ]);
    expect(templateRow(t.db, created.id)).toBeUndefined();
    await expect(t.caller.actions.undo()).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'Nothing to undo',
    });

    await t.caller.actions.redo();
    expect(templateRow(t.db, created.id)).toMatchObject({ name: 'First' });
    await t.caller.actions.redo();
    expect(templateRow(t.db, created.id)).toMatchObject({ name: 'Renamed' });
    await expect(t.caller.actions.redo()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const statuses = t.db
      .select({ s: actionLogs.status })
      .from(actionLogs)
      .all()
      .map((r) => r.s);
    expect(statuses).toEqual(['Applied', 'Applied']);
  });

  it('undo fails with CONFLICT naming the resource when it changed since, and changes nothing', async () => {
    t = openTestDb();
    const created = await t.caller.customTemplates.create(template('Mine'));
    // Someone else edits the same template afterwards.
    await t
      .as('admin')
      .customTemplates.update({ id: created.id, rowVersion: created.rowVersion, name: 'Theirs' });
    const before = templateRow(t.db, created.id);
    await expect(t.caller.actions.undo()).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining(`CustomTemplates ${created.id}`),
    });
    expect(templateRow(t.db, created.id)).toEqual(before);
    expect(
      t.db
        .select()
        .from(actionLogs)
        .where(eq(actionLogs.userId, t.principal('editor').userId))
        .get()!.status,
    ).toBe('Failed');
  });

  it('each user has their own stack; a new action clears that user’s redo stack only', async () => {
    t = openTestDb();
    const a = await t.caller.customTemplates.create(template('Editor one'));
    const b = await t.as('admin').customTemplates.create(template('Admin one'));
    await t.caller.actions.undo();
    expect(templateRow(t.db, a.id)).toBeUndefined();
    expect(templateRow(t.db, b.id)).toBeDefined();
    // The admin's new action does not clear the editor's redo stack…
    await t.as('admin').customTemplates.create(template('Admin two'));
    await t.caller.actions.redo();
    expect(templateRow(t.db, a.id)).toBeDefined();
    // …but the editor's own new action does.
    await t.caller.actions.undo();
    await t.caller.customTemplates.create(template('Editor two'));
    await expect(t.caller.actions.redo()).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'Nothing to redo',
    });
  });

  it('actions sharing a correlation id undo and redo as one step', async () => {
    t = openTestDb();
    const batch = batchedCaller('drag-1');
    const one = await batch.customTemplates.create(template('One'));
    const two = await batch.customTemplates.create(template('Two'));
    const alone = await t.caller.customTemplates.create(template('Alone'));
    expect((await t.caller.actions.undo()).actions).toHaveLength(1);
    expect(templateRow(t.db, alone.id)).toBeUndefined();
    const step = await t.caller.actions.undo();
    expect(step.actions.map((a) => a.actionType)).toEqual([
      'customTemplates.create',
      'customTemplates.create',
    ]);
    expect([templateRow(t.db, one.id), templateRow(t.db, two.id)]).toEqual([undefined, undefined]);
    expect((await t.caller.actions.redo()).actions).toHaveLength(2);
    expect([templateRow(t.db, one.id)?.name, templateRow(t.db, two.id)?.name]).toEqual([
      'One',
      'Two',
    ]);
  });

  it('a viewer cannot undo; the log is the user’s own unless admin', async () => {
    t = openTestDb();
    await t.caller.customTemplates.create(template('Logged'));
    await expect(t.as('viewer').actions.undo()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const editorId = t.principal('editor').userId;
    await expect(t.as('viewer').actions.history({ userId: editorId })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect((await t.as('admin').actions.history({ userId: editorId })).items).toHaveLength(1);
    expect((await t.as('viewer').actions.history({})).items).toHaveLength(0);
  });

  it('expired actions cannot be undone', async () => {
    t = openTestDb();
    await t.caller.customTemplates.create(template('Old'));
    expect(() =>
      undo(t.db, t.principal('editor').userId, new Date(Date.now() + 31 * 86_400_000)),
    ).toThrow(/Nothing to undo/);
    expect(() => redo(t.db, t.principal('editor').userId)).toThrow(/Nothing to redo/);
  });
});

describe('history', () => {
  it('filters and pages, and exports as JSON and CSV', async () => {
    t = openTestDb();
    const made = await t.caller.customTemplates.create(template('Comma, "quoted"'));
    await t.caller.customTemplates.update({
      id: made.id,
      rowVersion: made.rowVersion,
      description: 'changed',
    });
    await t.caller.customTemplates.softDelete({ id: made.id, rowVersion: made.rowVersion + 1 });
    await t.caller.actions.undo();

    const page1 = await t.caller.actions.history({ limit: 2 });
    expect(page1.items.map((i) => i.actionType)).toEqual([
      'customTemplates.softDelete',
      'customTemplates.update',
    ]);
    expect(page1.items[0]!.status).toBe('Undone');
    expect(page1.items[0]).not.toHaveProperty('payloadJson');
    const page2 = await t.caller.actions.history({ limit: 2, cursor: page1.nextCursor! });
    expect(page2.items.map((i) => i.actionType)).toEqual(['customTemplates.create']);
    expect((await t.caller.actions.history({ status: 'Undone' })).items).toHaveLength(1);
    expect(
      (await t.caller.actions.history({ actionType: 'customTemplates.update' })).items,
    ).toHaveLength(1);

    const json = JSON.parse((await t.caller.actions.export({ format: 'json' })).content);
    expect(json).toHaveLength(3);
    const csv = (await t.caller.actions.export({ format: 'csv' })).content.split('\r\n');
    expect(csv[0]).toBe(
      'id,timestamp,actionType,description,status,affectedResourceIds,undoneAt,undoneByUserId,correlationId,expiresAt',
    );
    expect(csv).toHaveLength(4);
    expect(csv[3]).toContain('"Created custom template ""Comma, ""quoted"""""');
  });

  it('a malformed or foreign cursor is BAD_REQUEST on cursor, not an internal error', async () => {
    t = openTestDb();
    await t.caller.customTemplates.create(template('One'));
    const [only] = (await t.caller.actions.history({})).items;
    for (const cursor of [
      'x',
      `${only!.timestamp}|${only!.id}`,
      encodeCursor('trash', [only!.timestamp, only!.id]),
      encodeCursor('actions.history', [only!.timestamp]),
      Buffer.from('[1,2,3]').toString('base64url'),
      '%E0%A4%A',
    ]) {
      const error = await t.caller.actions.history({ cursor }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, cursor).toBeInstanceOf(TRPCError);
      expect((error as TRPCError).code).toBe('BAD_REQUEST');
      expect((error as TRPCError).cause).toBeInstanceOf(ZodError);
      expect(Object.keys(((error as TRPCError).cause as ZodError).flatten().fieldErrors)).toEqual([
        'cursor',
      ]);
    }
  });

  it('pages through actions logged in one millisecond without skipping or repeating one', async () => {
    t = openTestDb();
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2030-01-01T00:00:00.000Z'));
      for (let i = 0; i < 7; i++) await t.caller.customTemplates.create(template(`T${i}`));
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await t.caller.actions.history({ limit: 3, cursor });
        seen.push(...page.items.map((i) => i.description));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual([6, 5, 4, 3, 2, 1, 0].map((i) => `Created custom template "T${i}"`));
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('undo images of updates', () => {
  it('hold only the changed columns on both sides, for custom templates and versions too', async () => {
    t = openTestDb();
    const made = await t.caller.customTemplates.create(template('Big', { tags: ['a', 'b'] }));
    await t.caller.customTemplates.update({
      id: made.id,
      rowVersion: made.rowVersion,
      description: 'changed',
    });
    const project = await t.caller.projects.create({ title: 'P' });
    const { version } = await t.caller.versions.create({ projectId: project.id });
    await t.caller.versions.softDelete({ id: version.id, rowVersion: version.rowVersion });
    const images = (type: string) => {
      const row = t.db.select().from(actionLogs).where(eq(actionLogs.actionType, type)).get()!;
      const after = (JSON.parse(row.payloadJson!) as { changes: { after: object }[] }).changes[0]!;
      const before = (JSON.parse(row.inversePayloadJson!) as { changes: { before: object }[] })
        .changes[0]!;
      return [Object.keys(before.before).sort(), Object.keys(after.after).sort()];
    };
    expect(images('customTemplates.update')).toEqual([
      ['description', 'id', 'rowVersion', 'updatedAt'],
      ['description', 'id', 'rowVersion', 'updatedAt'],
    ]);
    const [before, after] = images('versions.softDelete');
    expect(before).toEqual(after);
    expect(before).toContain('deletedAt');
    expect(before).not.toContain('versionNumber');
  });
});

describe('undo of version and template actions', () => {
  it('undoes a version moved to the trash, a restore of a version, and a project made from a template', async () => {
    t = openTestDb();
    const { seedDatabase, projectStates, sceneStates, insertAudited, projectVersions } =
      await import('@aura/db');
    seedDatabase(t.db, { outputDirectory: t.dir });
    const project = insertAudited(
      t.db,
      projectStates,
      { title: 'Undo me', briefJson: '{"v":1}' },
      'x',
    );
    insertAudited(
      t.db,
      sceneStates,
      { projectId: project.id, sceneIndex: 0, scriptText: 'one' },
      'x',
    );
    const v1 = (await t.caller.versions.create({ projectId: project.id })).version;

    const trashed = await t.caller.versions.softDelete({ id: v1.id, rowVersion: v1.rowVersion });
    expect(trashed.isDeleted).toBe(true);
    await t.caller.actions.undo();
    expect(
      t.db.select().from(projectVersions).where(eq(projectVersions.id, v1.id)).get(),
    ).toMatchObject({ isDeleted: false, rowVersion: v1.rowVersion + 2 });

    t.db
      .update(projectStates)
      .set({ briefJson: '{"v":2}' })
      .where(eq(projectStates.id, project.id))
      .run();
    t.db
      .update(sceneStates)
      .set({ scriptText: 'two' })
      .where(eq(sceneStates.projectId, project.id))
      .run();
    await t.caller.versions.restore({ versionId: v1.id });
    expect(
      t.db.select().from(projectStates).where(eq(projectStates.id, project.id)).get()!.briefJson,
    ).toBe('{"v":1}');
    const undone = await t.caller.actions.undo();
    expect(undone.actions[0]!.actionType).toBe('versions.restoreContent');
    expect(
      t.db.select().from(projectStates).where(eq(projectStates.id, project.id)).get()!.briefJson,
    ).toBe('{"v":2}');
    expect(
      t.db.select().from(sceneStates).where(eq(sceneStates.projectId, project.id)).get()!
        .scriptText,
    ).toBe('two');

    const made = await t.caller.templates.createProject({
      templateId: 'system-youtube-explainer',
      title: 'From template',
    });
    expect(
      t.db.select().from(projectStates).where(eq(projectStates.id, made.id)).get(),
    ).toBeDefined();
    await t.caller.actions.undo();
    expect(
      t.db.select().from(projectStates).where(eq(projectStates.id, made.id)).get(),
    ).toBeUndefined();
  });
});

describe('row images', () => {
  it('an update logs only the columns it changed, so a rename of a project with large specs stays small', async () => {
    t = openTestDb();
    const { projectStates, insertAudited } = await import('@aura/db');
    const specs = JSON.stringify({ research: 'x'.repeat(500_000) });
    const p = insertAudited(t.db, projectStates, { title: 'Big', briefJson: specs }, 'x');
    await t.caller.projects.update({ id: p.id, rowVersion: p.rowVersion, title: 'Bigger' });
    const [log] = t.db.select().from(actionLogs).all();
    expect(log!.payloadJson!.length + log!.inversePayloadJson!.length).toBeLessThan(2_000);
    const inverse = JSON.parse(log!.inversePayloadJson!) as { changes: { before: unknown }[] };
    expect(inverse.changes[0]!.before).toMatchObject({
      id: p.id,
      title: 'Big',
      rowVersion: 1,
    });
    await t.caller.actions.undo();
    expect(t.db.select().from(projectStates).where(eq(projectStates.id, p.id)).get()).toMatchObject(
      {
        title: 'Big',
        briefJson: specs,
        // The old content under a new version: 1, 2 for the rename, 3 for its undo.
        rowVersion: 3,
      },
    );
  });
});
