import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { seedDatabase, type UserRole } from '@aura/db';
import { TRPCError } from '@trpc/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyPassword } from '../src/auth/crypto';
import { login, resolveSession } from '../src/auth/service';
import { buildConfigHistoryQuery } from '../src/config/service';
import { configHistoryInput } from '../src/config/schema';
import { createContext } from '../src/context';
import { createCaller } from '../src/root';
import { TEST_PASSWORD, UNKNOWN_ID, openTestDb, rejectionHelpers, type TestDb } from './helpers';

let t: TestDb;
beforeEach(() => {
  t = openTestDb();
  seedDatabase(t.db, { outputDirectory: path.join(t.dir, 'output') });
});
afterEach(() => t.close());

async function codeOf(promise: Promise<unknown>): Promise<TRPCError['code'] | null> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (error === null) return null;
  expect(error).toBeInstanceOf(TRPCError);
  return (error as TRPCError).code;
}

/** Signs `role`'s test user in: a caller bound to that session, and its token. */
async function signIn(role: UserRole) {
  const principal = t.principal(role);
  const session = await login(t.db, { email: principal.email, password: TEST_PASSWORD });
  return {
    token: session.token,
    caller: createCaller(
      createContext({ db: t.db, principal: session.principal, sessionToken: session.token }),
    ),
  };
}

const users = () => t.db.$client.prepare('SELECT * FROM Users ORDER BY Id').all();
const sessionCount = (userId: string) =>
  (
    t.db.$client.prepare('SELECT count(*) AS n FROM Sessions WHERE UserId = ?').get(userId) as {
      n: number;
    }
  ).n;
const passwordHash = (userId: string) =>
  (
    t.db.$client.prepare('SELECT PasswordHash AS h FROM Users WHERE Id = ?').get(userId) as {
      h: string;
    }
  ).h;

describe('users.resetPassword', () => {
  it('gives another user a generated password once and ends their sessions', async () => {
    const editor = await signIn('editor');
    const editorId = t.principal('editor').userId;
    expect(resolveSession(t.db, editor.token)).not.toBeNull();
    const before = users().find((u) => (u as { Id: string }).Id === editorId) as {
      RowVersion: number;
    };

    const result = await t.as('admin').users.resetPassword({ id: editorId });
    expect(result.password.length).toBeGreaterThanOrEqual(20);
    expect(result.user).not.toHaveProperty('passwordHash');
    expect(result.user.rowVersion).toBe(before.RowVersion + 1);
    expect(await verifyPassword(result.password, passwordHash(editorId))).toBe(true);
    expect(await verifyPassword(TEST_PASSWORD, passwordHash(editorId))).toBe(false);
    expect(sessionCount(editorId)).toBe(0);
    // The cached principal is gone at once, not after the cache's TTL.
    expect(resolveSession(t.db, editor.token)).toBeNull();
    expect(await codeOf(editor.caller.auth.me())).toBe(null); // direct caller keeps its principal
    await expect(
      login(t.db, { email: 'editor@test.local', password: result.password }),
    ).resolves.toMatchObject({ principal: { userId: editorId } });
  });

  it('is refused to non-admins, for oneself, and for unknown or malformed ids; nothing changes', async () => {
    for (const role of ['admin', 'editor', 'viewer'] as const) t.principal(role);
    const { rejects } = rejectionHelpers(users);
    const editorId = t.principal('editor').userId;
    await rejects(() => t.anonymous.users.resetPassword({ id: editorId }), 'UNAUTHORIZED');
    await rejects(() => t.as('viewer').users.resetPassword({ id: editorId }), 'FORBIDDEN');
    await rejects(() => t.as('editor').users.resetPassword({ id: editorId }), 'FORBIDDEN');
    const admin = t.as('admin');
    await rejects(
      () => admin.users.resetPassword({ id: t.principal('admin').userId }),
      'BAD_REQUEST',
    );
    await rejects(() => admin.users.resetPassword({ id: UNKNOWN_ID }), 'NOT_FOUND');
    await rejects(() => admin.users.resetPassword({ id: 'x'.repeat(10_000) }), 'BAD_REQUEST');
  });
});

describe('auth.changePassword, auth.sessions, auth.signOutOthers', () => {
  it('changes the own password with the current one; other sessions end, this one stays', async () => {
    const first = await signIn('viewer');
    const second = await signIn('viewer');
    const third = await signIn('viewer');
    const userId = t.principal('viewer').userId;
    expect(sessionCount(userId)).toBe(3);

    const sessions = await first.caller.auth.sessions();
    expect(sessions).toHaveLength(3);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    for (const s of sessions) {
      expect(Object.keys(s).sort()).toEqual(
        ['createdAt', 'current', 'expiresAt', 'id', 'lastSeenAt', 'userAgent'].sort(),
      );
      expect(JSON.stringify(s)).not.toContain(first.token);
    }

    const result = await first.caller.auth.changePassword({
      currentPassword: TEST_PASSWORD,
      newPassword: 'a brand new passphrase',
    });
    expect(result).toEqual({ endedSessions: 2 });
    expect(resolveSession(t.db, first.token)).not.toBeNull();
    expect(resolveSession(t.db, second.token)).toBeNull();
    expect(resolveSession(t.db, third.token)).toBeNull();
    expect(await verifyPassword('a brand new passphrase', passwordHash(userId))).toBe(true);
  });

  it('refuses a wrong current password, a too-short or unchanged new one; nothing changes', async () => {
    const me = await signIn('editor');
    const { rejects, rejectsField } = rejectionHelpers(users);
    const wrong = await rejects(
      () =>
        me.caller.auth.changePassword({
          currentPassword: 'not it',
          newPassword: 'a brand new passphrase',
        }),
      'BAD_REQUEST',
    );
    expect(wrong.message).toMatch(/not your current password/);
    await rejectsField(
      () => me.caller.auth.changePassword({ currentPassword: TEST_PASSWORD, newPassword: 'short' }),
      'newPassword',
    );
    await rejectsField(
      () =>
        me.caller.auth.changePassword({
          currentPassword: TEST_PASSWORD,
          newPassword: TEST_PASSWORD,
        }),
      'newPassword',
    );
    await rejects(
      () =>
        me.caller.auth.changePassword({
          currentPassword: TEST_PASSWORD,
          newPassword: 'x'.repeat(100_000),
        }),
      'BAD_REQUEST',
    );
    await rejects(
      () =>
        t.anonymous.auth.changePassword({
          currentPassword: TEST_PASSWORD,
          newPassword: 'a brand new passphrase',
        }),
      'UNAUTHORIZED',
    );
    expect(sessionCount(t.principal('editor').userId)).toBe(1);
  });

  it('signs out every other session of the caller only', async () => {
    const mine = await signIn('editor');
    const other = await signIn('editor');
    const someoneElse = await signIn('viewer');
    expect(await mine.caller.auth.signOutOthers()).toEqual({ endedSessions: 1 });
    expect(resolveSession(t.db, mine.token)).not.toBeNull();
    expect(resolveSession(t.db, other.token)).toBeNull();
    expect(resolveSession(t.db, someoneElse.token)).not.toBeNull();
    expect(await mine.caller.auth.sessions()).toHaveLength(1);
    expect(await codeOf(t.anonymous.auth.signOutOthers())).toBe('UNAUTHORIZED');
    expect(await codeOf(t.anonymous.auth.sessions())).toBe('UNAUTHORIZED');
  });
});

describe('customTemplates.createProject', () => {
  const sections = {
    scriptStructure: {
      sections: [{ name: 'Hook', durationSeconds: 15 }],
      tone: 'upbeat',
      targetDurationSeconds: 60,
      pacing: 'fast' as const,
    },
    videoStructure: {
      aspectRatio: '9:16' as const,
      resolution: { width: 1080, height: 1920 },
      fps: 30,
      transitions: { type: 'cut' as const, durationSeconds: 0 },
    },
    llmPipeline: {
      provider: 'ollama',
      model: 'llama3',
      temperature: 0.7,
      steps: [{ name: 'Write', kind: 'script' as const }],
    },
    visualPreferences: {
      style: 'bold',
      palette: ['#112233'],
      fonts: { heading: 'Inter', body: 'Inter' },
    },
  };

  it('creates an undoable project whose specs come from the sections', async () => {
    const editor = t.as('editor');
    const template = await editor.customTemplates.create({
      name: 'Vertical promo',
      category: 'Marketing',
      ...sections,
    });
    const project = await editor.customTemplates.createProject({
      customTemplateId: template.id,
      title: 'Launch teaser',
    });
    expect(project.title).toBe('Launch teaser');
    expect(JSON.parse(project.briefJson!)).toEqual({ tone: 'upbeat', targetDurationSeconds: 60 });
    expect(JSON.parse(project.planSpecJson!)).toEqual({
      sections: sections.scriptStructure.sections,
      pacing: 'fast',
      llmPipeline: sections.llmPipeline,
    });
    expect(JSON.parse(project.renderSpecJson!)).toEqual({
      width: 1080,
      height: 1920,
      fps: 30,
      aspectRatio: '9:16',
      transitions: { type: 'cut', durationSeconds: 0 },
      visual: sections.visualPreferences,
    });
    expect(project.voiceSpecJson).toBeNull();
    expect(project.createdBy).toBe(t.principal('editor').userId);

    await editor.actions.undo();
    expect(await codeOf(editor.projects.get({ id: project.id }))).toBe('NOT_FOUND');
  });

  it('an empty template makes a project with empty specs', async () => {
    const template = await t.as('admin').customTemplates.create({ name: 'Blank', category: 'X' });
    const project = await t.as('admin').customTemplates.createProject({
      customTemplateId: template.id,
      title: 'From blank',
    });
    expect([project.briefJson, project.planSpecJson, project.renderSpecJson]).toEqual([
      null,
      null,
      null,
    ]);
  });

  it('is refused to viewers, for trashed or unknown templates and bad titles; nothing changes', async () => {
    const editor = t.as('editor');
    const template = await editor.customTemplates.create({ name: 'T', category: 'C' });
    const projects = () => t.db.$client.prepare('SELECT * FROM ProjectStates').all();
    const { rejects } = rejectionHelpers(projects);
    await rejects(
      () =>
        t.as('viewer').customTemplates.createProject({ customTemplateId: template.id, title: 'x' }),
      'FORBIDDEN',
    );
    await rejects(
      () =>
        t.anonymous.customTemplates.createProject({ customTemplateId: template.id, title: 'x' }),
      'UNAUTHORIZED',
    );
    await rejects(
      () => editor.customTemplates.createProject({ customTemplateId: UNKNOWN_ID, title: 'x' }),
      'NOT_FOUND',
    );
    await rejects(
      () => editor.customTemplates.createProject({ customTemplateId: 'nope', title: 'x' }),
      'BAD_REQUEST',
    );
    await rejects(
      () => editor.customTemplates.createProject({ customTemplateId: template.id, title: '  ' }),
      'BAD_REQUEST',
    );
    await rejects(
      () =>
        editor.customTemplates.createProject({
          customTemplateId: template.id,
          title: 'x'.repeat(100_000),
        }),
      'BAD_REQUEST',
    );
    await editor.customTemplates.softDelete({ id: template.id, rowVersion: template.rowVersion });
    await rejects(
      () => editor.customTemplates.createProject({ customTemplateId: template.id, title: 'x' }),
      'NOT_FOUND',
    );
  });

  it('refuses a template whose stored section no longer validates', async () => {
    const template = await t.as('editor').customTemplates.create({ name: 'Old', category: 'C' });
    t.db.$client
      .prepare('UPDATE CustomTemplates SET VideoStructureJson = ? WHERE Id = ?')
      .run('{"legacy":true}', template.id);
    expect(
      await codeOf(
        t.as('editor').customTemplates.createProject({ customTemplateId: template.id, title: 'x' }),
      ),
    ).toBe('PRECONDITION_FAILED');
  });
});

describe('config.reveal is logged; config.history', () => {
  it("lists a key's changes, deactivation and reveals newest first, never a secret", async () => {
    const admin = t.as('admin');
    const editor = t.as('editor');
    const created = await editor.config.set({
      key: 'ui.theme',
      value: 'dark',
      category: 'UI',
      valueType: 'string',
    });
    const changed = await editor.config.set({
      key: 'ui.theme',
      value: 'light',
      rowVersion: created.rowVersion,
    });
    await admin.config.reveal({ key: 'ui.theme' });
    await editor.config.deactivate({ key: 'ui.theme', rowVersion: changed.rowVersion });

    const page = await t.as('viewer').config.history({ key: 'ui.theme' });
    expect(page.items.map((i) => i.actionType)).toEqual([
      'config.deactivate',
      'config.reveal',
      'config.set',
      'config.set',
    ]);
    expect(page.items[1]).toMatchObject({
      userName: 'admin',
      status: 'Expired',
      description: 'Revealed setting "ui.theme"',
      value: null,
    });
    expect(page.items[2]).toMatchObject({
      value: 'light',
      valueRedacted: false,
      userName: 'editor',
    });
    expect(page.items[3]).toMatchObject({ value: 'dark' });

    const second = await t.as('viewer').config.history({
      key: 'ui.theme',
      limit: 2,
      cursor: (await t.as('viewer').config.history({ key: 'ui.theme', limit: 2 })).nextCursor,
    });
    expect(second.items.map((i) => i.actionType)).toEqual(['config.set', 'config.set']);
    expect(second.nextCursor).toBeNull();
  });

  it('a sensitive value is redacted in the history; its reveal is on record', async () => {
    const admin = t.as('admin');
    await admin.config.set({
      key: 'providers/openai:apiKey',
      value: 'sk-top-secret',
      category: 'Providers',
      valueType: 'string',
      isSensitive: true,
    });
    expect((await admin.config.reveal({ key: 'providers/openai:apiKey' })).value).toBe(
      'sk-top-secret',
    );
    const history = await admin.config.history({ key: 'providers/openai:apiKey' });
    expect(history.items.map((i) => [i.actionType, i.valueRedacted])).toEqual([
      ['config.reveal', false],
      ['config.set', true],
    ]);
    expect(JSON.stringify(history)).not.toContain('sk-top-secret');
    const log = JSON.stringify(t.db.$client.prepare('SELECT * FROM ActionLogs').all());
    expect(log).not.toContain('sk-top-secret');
  });

  it('a reveal is not undoable: undo takes the change before it', async () => {
    const admin = t.as('admin');
    await admin.config.set({ key: 'a.b', value: 1, category: 'UI', valueType: 'number' });
    await admin.config.reveal({ key: 'a.b' });
    const undone = await admin.actions.undo();
    expect(undone.actions.map((a) => a.actionType)).toEqual(['config.set']);
  });

  it('reveal is refused to non-admins and logs nothing then; history needs a sign-in', async () => {
    await t.as('admin').config.set({ key: 'k', value: 's', category: 'UI', valueType: 'string' });
    const logs = () => t.db.$client.prepare('SELECT * FROM ActionLogs').all();
    const { rejects } = rejectionHelpers(logs);
    await rejects(() => t.as('editor').config.reveal({ key: 'k' }), 'FORBIDDEN');
    await rejects(() => t.as('admin').config.reveal({ key: 'missing' }), 'NOT_FOUND');
    await rejects(() => t.anonymous.config.history({ key: 'k' }), 'UNAUTHORIZED');
    await rejects(() => t.as('viewer').config.history({ key: '../../etc' }), 'BAD_REQUEST');
    await rejects(
      () => t.as('viewer').config.history({ key: 'k', cursor: 'garbage' }),
      'BAD_REQUEST',
    );
  });

  it('lists the categories with their active and inactive counts', async () => {
    const editor = t.as('editor');
    const a = await editor.config.set({
      key: 'ui.a',
      value: 1,
      category: 'UI',
      valueType: 'number',
    });
    await editor.config.set({ key: 'ui.b', value: 2, category: 'UI', valueType: 'number' });
    await editor.config.deactivate({ key: 'ui.a', rowVersion: a.rowVersion });
    const categories = await t.as('viewer').config.categories();
    expect(categories).toContainEqual({ category: 'UI', active: 1, inactive: 1 });
    expect(categories.map((c) => c.category)).toEqual(
      [...categories.map((c) => c.category)].sort(),
    );
    expect(categories.find((c) => c.category === 'Retention')?.active).toBeGreaterThan(0);
    expect(await codeOf(t.anonymous.config.categories())).toBe('UNAUTHORIZED');
  });

  it('the history query seeks an index', () => {
    const plan = t.db.$client
      .prepare(
        `EXPLAIN QUERY PLAN ${buildConfigHistoryQuery(t.db, configHistoryInput.parse({ key: 'k' })).toSQL().sql}`,
      )
      .all(...buildConfigHistoryQuery(t.db, configHistoryInput.parse({ key: 'k' })).toSQL().params)
      .map((r) => (r as { detail: string }).detail)
      .join('\n');
    expect(plan).toMatch(/USING INDEX IX_ActionLogs_/);
    expect(plan).not.toMatch(/SCAN ActionLogs\b(?! USING)/);
  });
});

describe('system.testFfmpeg', () => {
  function script(name: string, body: string, mode = 0o755): string {
    const file = path.join(t.dir, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, mode);
    return file;
  }

  it('runs the given, then the saved, then PATH ffmpeg and returns the first line', async () => {
    const admin = t.as('admin');
    const given = await admin.system.testFfmpeg({ ffmpegPath: '/usr/bin/ffmpeg' });
    expect(given).toMatchObject({
      ok: true,
      source: 'input',
      path: '/usr/bin/ffmpeg',
      error: null,
    });
    expect(given.version).toMatch(/^ffmpeg version /);

    expect(await admin.system.testFfmpeg()).toMatchObject({ ok: true, source: 'path' });
    const fake = script('fake-ffmpeg', 'echo "ffmpeg version 9.9-test"; echo second line');
    t.db.$client.prepare('UPDATE SystemConfiguration SET FFmpegPath = ?').run(fake);
    expect(await admin.system.testFfmpeg({})).toMatchObject({
      ok: true,
      source: 'configured',
      path: fake,
      version: 'ffmpeg version 9.9-test',
    });
  });

  it('reports a program that runs but is not a working FFmpeg', async () => {
    const admin = t.as('admin');
    const other = await admin.system.testFfmpeg({ ffmpegPath: script('other', 'echo hello') });
    expect(other).toMatchObject({ ok: false, version: 'hello' });
    expect(other.error).toMatch(/not FFmpeg/);
    const failing = await admin.system.testFfmpeg({ ffmpegPath: script('fails', 'exit 3') });
    expect(failing).toMatchObject({ ok: false });
    expect(failing.error).toMatch(/exited with code 3/);
  });

  it('a path that is not an executable file is BAD_REQUEST; only admins may run it', async () => {
    const system = () => t.db.$client.prepare('SELECT * FROM SystemConfiguration').all();
    const { rejectsField, rejects } = rejectionHelpers(system);
    const admin = t.as('admin');
    await rejectsField(() => admin.system.testFfmpeg({ ffmpegPath: t.dir }), 'ffmpegPath');
    await rejectsField(
      () => admin.system.testFfmpeg({ ffmpegPath: path.join(t.dir, 'missing') }),
      'ffmpegPath',
    );
    await rejectsField(
      () => admin.system.testFfmpeg({ ffmpegPath: script('noexec', 'echo x', 0o644) }),
      'ffmpegPath',
    );
    await rejectsField(
      () => admin.system.testFfmpeg({ ffmpegPath: 'relative/ffmpeg' }),
      'ffmpegPath',
    );
    await rejects(
      () => admin.system.testFfmpeg({ ffmpegPath: `/${'a'.repeat(100_000)}` }),
      'BAD_REQUEST',
    );
    await rejects(() => t.as('editor').system.testFfmpeg({}), 'FORBIDDEN');
    await rejects(() => t.anonymous.system.testFfmpeg({}), 'UNAUTHORIZED');
  });

  it('the output directory is validated on save: not the data directory or the database', async () => {
    const admin = t.as('admin');
    const { rowVersion } = await admin.system.get();
    const { rejectsField } = rejectionHelpers(() =>
      t.db.$client.prepare('SELECT * FROM SystemConfiguration').all(),
    );
    await rejectsField(
      () => admin.system.update({ rowVersion, outputDirectory: t.dir }),
      'outputDirectory',
    );
    await rejectsField(
      () => admin.system.update({ rowVersion, outputDirectory: path.dirname(t.dir) }),
      'outputDirectory',
    );
    await rejectsField(
      () => admin.system.update({ rowVersion, outputDirectory: t.file }),
      'outputDirectory',
    );
    const ok = await admin.system.update({
      rowVersion,
      outputDirectory: path.join(t.dir, 'exports', 'new'),
    });
    expect(ok.outputDirectory).toBe(path.join(t.dir, 'exports', 'new'));
  });
});
