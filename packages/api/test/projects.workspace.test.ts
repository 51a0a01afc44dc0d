import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TRPCError } from '@trpc/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import type { RouterInputs } from '../src/root';
import { projectActivityInput, projectListInput } from '../src/projects/schema';
import { buildProjectListQuery } from '../src/projects/service';
import { buildProjectActivityQuery } from '../src/projects/workspace';
import { insertProject, openTestDb, type TestDb } from './helpers';

type ListInput = RouterInputs['projects']['list'];

let t: TestDb;
beforeEach(() => {
  t = openTestDb();
});
afterEach(() => t.close());

const day = (d: number, hour = 12) => new Date(Date.UTC(2026, 0, d, hour)).toISOString();

async function titles(input: ListInput) {
  const page = await t.caller.projects.list({ limit: 100, ...input });
  return page.items.map((p) => p.title).sort();
}

async function badRequestField(call: Promise<unknown>, field: string) {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe('BAD_REQUEST');
  const cause = (error as TRPCError).cause;
  expect(cause).toBeInstanceOf(ZodError);
  expect((cause as ZodError).issues.map((i) => i.path.join('.'))).toContain(field);
}

describe('projects.list: date ranges and owner', () => {
  beforeEach(() => {
    insertProject(t.db, { title: 'old' }, { createdAt: day(1), updatedAt: day(2) });
    insertProject(t.db, { title: 'mid' }, { createdAt: day(5), updatedAt: day(20) });
    insertProject(t.db, { title: 'new' }, { createdAt: day(10), updatedAt: day(11) });
  });

  it('filters by created and updated ranges, both ends inclusive', async () => {
    expect(await titles({ createdFrom: day(5) })).toEqual(['mid', 'new']);
    expect(await titles({ createdTo: day(5) })).toEqual(['mid', 'old']);
    expect(await titles({ createdFrom: day(2), createdTo: day(9) })).toEqual(['mid']);
    expect(await titles({ updatedFrom: day(11) })).toEqual(['mid', 'new']);
    expect(await titles({ updatedFrom: day(3), updatedTo: day(12) })).toEqual(['new']);
    expect(await titles({ createdFrom: day(2), updatedTo: day(12), sort: 'title' })).toEqual([
      'new',
    ]);
  });

  it('accepts offsets and compares in UTC', async () => {
    // 2026-01-05T12:00 UTC is 14:00 at +02:00.
    expect(await titles({ createdFrom: '2026-01-05T14:00:00+02:00', createdTo: day(5) })).toEqual([
      'mid',
    ]);
  });

  it('owner "mine" lists the projects the caller created, none for another user', async () => {
    await t.as('editor').projects.create({ title: 'editor’s' });
    await t.as('admin').projects.create({ title: 'admin’s' });
    expect(await titles({ owner: 'mine' })).toEqual(['editor’s']);
    expect(
      (await t.as('admin').projects.list({ owner: 'mine' })).items.map((p) => p.title),
    ).toEqual(['admin’s']);
    expect((await t.as('viewer').projects.list({ owner: 'mine' })).items).toEqual([]);
  });

  it('pages within the filters with a cursor of the same shape', async () => {
    for (let i = 0; i < 5; i++)
      insertProject(t.db, { title: `r${i}` }, { createdAt: day(15, i), updatedAt: day(16, i) });
    const first = await t.caller.projects.list({ createdFrom: day(15, 0), limit: 2 });
    expect(first.items.map((p) => p.title)).toEqual(['r4', 'r3']);
    const second = await t.caller.projects.list({
      createdFrom: day(15, 0),
      limit: 2,
      cursor: first.nextCursor,
    });
    expect(second.items.map((p) => p.title)).toEqual(['r2', 'r1']);
  });

  it('refuses an inverted range, a malformed date and an unknown owner, as BAD_REQUEST', async () => {
    await badRequestField(
      t.caller.projects.list({ createdFrom: day(5), createdTo: day(1) }),
      'createdTo',
    );
    await badRequestField(
      t.caller.projects.list({ updatedFrom: day(5), updatedTo: day(1) }),
      'updatedTo',
    );
    await badRequestField(t.caller.projects.list({ createdFrom: 'yesterday' }), 'createdFrom');
    await badRequestField(t.caller.projects.list({ updatedTo: 'x'.repeat(100_000) }), 'updatedTo');
    await badRequestField(
      t.caller.projects.list({ owner: 'theirs' } as unknown as ListInput),
      'owner',
    );
  });

  it('reads through an index, without a sort, for every order with ranges and owner', () => {
    const viewer = t.principal('editor').userId;
    for (const input of [
      { createdFrom: day(1) },
      { updatedFrom: day(1), updatedTo: day(30) },
      { sort: 'created', createdFrom: day(1), createdTo: day(30) },
      { sort: 'title', owner: 'mine', updatedFrom: day(1) },
      { owner: 'mine', status: 'InProgress' },
    ] as ListInput[]) {
      const { sql, params } = buildProjectListQuery(
        t.db,
        projectListInput.parse(input),
        viewer,
      ).toSQL();
      const details = (
        t.db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]
      )
        .map((r) => r.detail)
        .join('\n');
      expect(details, JSON.stringify(input)).toMatch(/USING (COVERING )?INDEX IX_ProjectStates_/);
      expect(details, JSON.stringify(input)).not.toMatch(/^SCAN ProjectStates$|TEMP B-TREE/m);
    }
  });
});

describe('projects.activity', () => {
  it("lists every user's actions on the project and its scenes, newest first, with names", async () => {
    const editor = t.as('editor');
    const admin = t.as('admin');
    const project = await editor.projects.create({ title: 'Tour' });
    const other = await editor.projects.create({ title: 'Other' });
    const scene = await editor.scenes.add({ projectId: project.id, scriptText: 'Hello' });
    await admin.scenes.update({ id: scene.id, rowVersion: scene.rowVersion, scriptText: 'Hi' });
    await editor.scenes.add({ projectId: other.id, scriptText: 'Elsewhere' });

    const page = await t.as('viewer').projects.activity({ projectId: project.id });
    expect(page.items.map((a) => a.actionType)).toEqual([
      'scenes.update',
      'scenes.add',
      'projects.create',
    ]);
    expect(page.items[0]).toMatchObject({ userName: 'admin', mine: false, status: 'Applied' });
    expect(page.items[2]).toMatchObject({ userName: 'editor', mine: false });
    const own = await editor.projects.activity({ projectId: project.id });
    expect(own.items.map((a) => a.mine)).toEqual([false, true, true]);
    expect(own.items[0]).not.toHaveProperty('payloadJson');
  });

  it('shows an undone step as Undone, and pages with a cursor', async () => {
    const editor = t.as('editor');
    const project = await editor.projects.create({ title: 'Tour' });
    for (let i = 0; i < 3; i++)
      await editor.scenes.add({ projectId: project.id, scriptText: `Scene ${i}` });
    await editor.actions.undo();
    const first = await editor.projects.activity({ projectId: project.id, limit: 2 });
    expect(first.items.map((a) => a.status)).toEqual(['Undone', 'Applied']);
    const rest = await editor.projects.activity({
      projectId: project.id,
      limit: 2,
      cursor: first.nextCursor,
    });
    expect(rest.items.map((a) => a.actionType)).toEqual(['scenes.add', 'projects.create']);
    expect(rest.nextCursor).toBeNull();
  });

  it('answers NOT_FOUND for an unknown project and BAD_REQUEST for a malformed id', async () => {
    await expect(
      t.caller.projects.activity({ projectId: '01900000-0000-7000-8000-000000000000' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await badRequestField(t.caller.projects.activity({ projectId: '../etc' }), 'projectId');
    await expect(t.anonymous.projects.activity({ projectId: '../etc' })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });

  it('reads through IX_ActionLogs_ProjectId_Timestamp_Id without a sort', () => {
    const query = projectActivityInput.parse({ projectId: '01900000-0000-7000-8000-000000000000' });
    const { sql, params } = buildProjectActivityQuery(t.db, query).toSQL();
    const details = (
      t.db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]
    )
      .map((r) => r.detail)
      .join('\n');
    expect(details).toContain('IX_ActionLogs_ProjectId_Timestamp_Id');
    expect(details).not.toContain('TEMP B-TREE');
  });
});

describe('projects.audit', () => {
  it('names who created and who last changed the project', async () => {
    const project = await t.as('editor').projects.create({ title: 'Tour' });
    const renamed = await t
      .as('admin')
      .projects.update({ id: project.id, rowVersion: project.rowVersion, title: 'Tour 2' });
    const audit = await t.as('viewer').projects.audit({ id: project.id });
    expect(audit).toMatchObject({
      rowVersion: renamed.rowVersion,
      updatedAt: renamed.updatedAt,
      creator: { displayName: 'editor' },
      lastEditor: { displayName: 'admin' },
    });
    expect(JSON.stringify(audit)).not.toContain('@');
  });

  it('is NOT_FOUND for a project in the trash', async () => {
    const project = await t.caller.projects.create({ title: 'Tour' });
    await t.caller.projects.softDelete({ id: project.id, rowVersion: project.rowVersion });
    await expect(t.caller.projects.audit({ id: project.id })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});

describe('projects.missingFiles', () => {
  it('reports referenced files gone from disk and paths outside the media folders', async () => {
    const media = path.join(t.dir, 'media');
    mkdirSync(media);
    const present = path.join(media, 'a.wav');
    const gone = path.join(media, 'b.png');
    writeFileSync(present, 'x');
    process.env.AURA_MEDIA_ROOTS = media;
    const project = await t.caller.projects.create({ title: 'Tour' });
    const scene = await t.caller.scenes.add({ projectId: project.id, scriptText: 'x' });
    // Written straight to the row: the path guard refuses a missing file at registration.
    t.db.$client
      .prepare('UPDATE SceneStates SET AudioFilePath = ?, ImageFilePath = ? WHERE Id = ?')
      .run(present, gone, scene.id);
    t.db.$client
      .prepare('UPDATE SceneStates SET AudioFilePath = ? WHERE Id = ?')
      .run(present, scene.id);
    const outside = await t.caller.scenes.update({
      id: scene.id,
      rowVersion: scene.rowVersion,
      durationSeconds: 2,
    });
    expect(outside.durationSeconds).toBe(2);
    const result = await t.as('viewer').projects.missingFiles({ id: project.id });
    expect(result.truncated).toBe(false);
    expect(result.checked).toBe(2);
    expect(result.missing).toEqual([
      { kind: 'sceneImage', ownerId: scene.id, path: gone, reason: 'missing' },
    ]);
    const other = path.join(t.dir, 'other');
    mkdirSync(other);
    process.env.AURA_MEDIA_ROOTS = other;
    // Outside every media folder now: reported as such, never looked at.
    const again = await t.caller.projects.missingFiles({ id: project.id });
    expect(again.missing.map((m) => m.reason)).toEqual(['outsideMediaRoots', 'outsideMediaRoots']);
    delete process.env.AURA_MEDIA_ROOTS;
  });

  it('is NOT_FOUND for an unknown project', async () => {
    await expect(
      t.caller.projects.missingFiles({ id: '01900000-0000-7000-8000-000000000000' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
