/**
 * The role matrix: every procedure of the router (read from the router, so a new one is covered
 * the day it is added) called with a valid input by nobody, a viewer, an editor and an admin, each
 * call on its own copy of the fixture world. A caller at or above the procedure's minimum role
 * succeeds; anonymous gets UNAUTHORIZED and a signed-in caller below the minimum FORBIDDEN, and
 * neither changes anything (SQLite's data_version, seen from a second connection, stays put).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callProcedure,
  codeOf,
  createWorldSite,
  openWorld,
  outcome,
  procedures,
  ROLES,
  type Role,
  type Who,
  type World,
  type WorldSite,
} from './world';

/** The least a caller must be: anyone, signed in, an editor (writes content), an admin. */
type MinimumRole = 'public' | 'authed' | Role;

const RANK: Record<Who, number> = { anonymous: 0, viewer: 1, editor: 2, admin: 3 };
const NEEDS: Record<MinimumRole, number> = { public: 0, authed: 1, viewer: 1, editor: 2, admin: 3 };

type InputFor = (w: World, who: Who) => unknown;

const project = (w: World) => w.ids.project;
const versioned = (table: string, id: (w: World) => string) => (w: World) => ({
  id: id(w),
  rowVersion: w.rowVersion(table, id(w)),
});
const projectVersioned = versioned('ProjectStates', project);
const ownToken = (w: World, who: Who) =>
  who === 'anonymous' ? w.ids.tokens.viewer : w.ids.tokens[who];
const otherSetupVersion = (w: World) =>
  w.rowVersion('UserSetups', w.ids.users.other.userId, 'UserId');
const ownSetupVersion = (w: World, who: Who) =>
  w.rowVersion('UserSetups', w.ids.users[who === 'anonymous' ? 'viewer' : who].userId, 'UserId');

/**
 * Every procedure: its minimum role and a valid input against the fixture world. A procedure
 * missing here fails the suite until someone classifies it.
 */
const MATRIX: Record<string, [MinimumRole, InputFor]> = {
  'health.get': ['public', () => undefined],
  'health.details': ['authed', () => undefined],
  'auth.login': [
    'public',
    () => ({ email: 'viewer@adversarial.test', password: 'correct horse battery' }),
  ],
  'auth.logout': ['public', () => undefined],
  'auth.me': ['authed', () => undefined],
  'auth.tokens.create': ['authed', () => ({ name: 'new token' })],
  'auth.tokens.list': ['authed', () => ({})],
  'auth.tokens.revoke': ['authed', (w, who) => ({ id: ownToken(w, who) })],
  'users.list': ['admin', () => undefined],
  'users.create': ['admin', () => ({ email: 'new@adversarial.test', role: 'viewer' })],
  'users.update': [
    'admin',
    (w) => ({
      id: w.ids.users.other.userId,
      rowVersion: w.rowVersion('Users', w.ids.users.other.userId),
      displayName: 'Renamed',
    }),
  ],

  'projects.list': ['authed', () => ({})],
  'projects.get': ['authed', (w) => ({ id: project(w) })],
  'projects.byJobId': ['authed', () => ({ jobId: 'render-1' })],
  'projects.trash': ['authed', () => ({})],
  'projects.create': ['editor', () => ({ title: 'New' })],
  'projects.update': ['editor', (w) => ({ ...projectVersioned(w), title: 'Renamed' })],
  'projects.setWizardStep': ['editor', (w) => ({ ...projectVersioned(w), step: 2 })],
  'projects.setStage': ['editor', (w) => ({ ...projectVersioned(w), stage: 'TTS' })],
  'projects.complete': ['editor', projectVersioned],
  'projects.fail': ['editor', (w) => ({ ...projectVersioned(w), errorMessage: 'broke' })],
  'projects.cancel': ['editor', projectVersioned],
  'projects.softDelete': ['editor', projectVersioned],
  'projects.restore': ['editor', versioned('ProjectStates', (w) => w.ids.trashedProject)],
  'projects.duplicate': ['editor', (w) => ({ id: project(w) })],
  'projects.hardDelete': ['admin', (w) => ({ id: project(w) })],

  'scenes.add': ['editor', (w) => ({ projectId: project(w), scriptText: 'Third scene' })],
  'scenes.update': [
    'editor',
    (w) => ({ ...versioned('SceneStates', (x) => x.ids.scenes[0]!)(w), scriptText: 'Edited' }),
  ],
  'scenes.reorder': [
    'editor',
    (w) => ({
      projectId: project(w),
      scenes: [...w.ids.scenes]
        .reverse()
        .map((id) => ({ id, rowVersion: w.rowVersion('SceneStates', id) })),
    }),
  ],
  'scenes.complete': ['editor', versioned('SceneStates', (w) => w.ids.scenes[0]!)],
  'scenes.delete': ['editor', versioned('SceneStates', (w) => w.ids.scenes[1]!)],

  'assets.list': ['authed', (w) => ({ projectId: project(w) })],
  'assets.register': [
    'editor',
    (w) => ({
      projectId: project(w),
      assetType: 'Audio',
      filePath: path.join(w.site.media, 'voice.wav'),
      fileSizeBytes: 5,
    }),
  ],
  'assets.markPermanent': ['editor', versioned('AssetStates', (w) => w.ids.asset)],

  'checkpoints.list': ['authed', (w) => ({ projectId: project(w) })],
  'checkpoints.latestValid': ['authed', (w) => ({ projectId: project(w) })],
  'checkpoints.create': ['editor', (w) => ({ projectId: project(w), stageName: 'TTS' })],
  'checkpoints.invalidate': ['editor', versioned('RenderCheckpoints', (w) => w.ids.checkpoint)],
  'recovery.list': ['authed', () => ({})],

  'versions.list': ['authed', (w) => ({ projectId: project(w) })],
  'versions.get': ['authed', (w) => ({ id: w.ids.versions[0] })],
  'versions.trash': ['authed', (w) => ({ projectId: project(w) })],
  'versions.diff': [
    'authed',
    (w) => ({ fromVersionId: w.ids.versions[0], toVersionId: w.ids.versions[1] }),
  ],
  'versions.stats': ['authed', (w) => ({ projectId: project(w) })],
  'versions.create': ['editor', (w) => ({ projectId: project(w), name: 'three' })],
  'versions.describe': [
    'editor',
    (w) => ({ ...versioned('ProjectVersions', (x) => x.ids.versions[0]!)(w), name: 'first' }),
  ],
  'versions.setImportant': [
    'editor',
    (w) => ({ ...versioned('ProjectVersions', (x) => x.ids.versions[0]!)(w), important: true }),
  ],
  'versions.softDelete': ['editor', versioned('ProjectVersions', (w) => w.ids.versions[1]!)],
  'versions.undelete': ['editor', versioned('ProjectVersions', (w) => w.ids.trashedVersion)],
  'versions.restore': [
    'editor',
    (w) => ({
      versionId: w.ids.versions[0],
      projectRowVersion: w.rowVersion('ProjectStates', project(w)),
    }),
  ],
  'versions.purge': ['admin', (w) => ({ id: w.ids.trashedVersion })],
  'versions.collectBlobs': ['admin', () => ({})],
  'versions.checkReferences': ['admin', () => ({})],

  'actions.history': ['authed', () => ({})],
  'actions.export': ['authed', () => ({ format: 'json' })],
  'actions.undo': ['editor', () => undefined],
  'actions.redo': ['editor', () => undefined],

  'templates.list': ['authed', () => ({})],
  'templates.get': ['authed', (w) => ({ id: w.ids.template })],
  'templates.createProject': [
    'editor',
    (w) => ({ templateId: w.ids.template, title: 'From a template' }),
  ],
  'templates.rate': ['editor', (w) => ({ templateId: w.ids.template, rating: 4 })],
  'customTemplates.get': ['authed', (w) => ({ id: w.ids.customTemplate })],
  'customTemplates.list': ['authed', () => ({})],
  'customTemplates.trash': ['authed', () => ({})],
  'customTemplates.create': ['editor', () => ({ name: 'Another', category: 'Talk' })],
  'customTemplates.update': [
    'editor',
    (w) => ({ ...versioned('CustomTemplates', (x) => x.ids.customTemplate)(w), name: 'Renamed' }),
  ],
  'customTemplates.softDelete': [
    'editor',
    versioned('CustomTemplates', (w) => w.ids.customTemplate),
  ],
  'customTemplates.restore': [
    'editor',
    versioned('CustomTemplates', (w) => w.ids.trashedCustomTemplate),
  ],

  'exports.presets': ['authed', () => undefined],
  'exports.get': ['authed', (w) => ({ id: w.ids.queuedExport })],
  'exports.list': ['authed', () => ({})],
  'exports.enqueue': [
    'editor',
    (w) => ({
      presetName: 'audio-mp3',
      inputFile: path.join(w.site.media, 'in.mp4'),
      outputFile: 'voice.mp3',
    }),
  ],
  'exports.cancel': ['editor', (w) => ({ id: w.ids.queuedExport })],
  'exports.retry': ['editor', (w) => ({ id: w.ids.cancelledExport })],

  'setup.status': ['authed', () => ({})],
  'setup.saveProgress': [
    'authed',
    (w, who) => ({ lastStep: 2, rowVersion: ownSetupVersion(w, who) }),
  ],
  'setup.complete': ['authed', (w, who) => ({ rowVersion: ownSetupVersion(w, who) })],
  'setup.reset': ['authed', (w, who) => ({ keepState: true, rowVersion: ownSetupVersion(w, who) })],
  'system.get': ['authed', () => undefined],
  'system.update': [
    'admin',
    (w) => ({
      rowVersion: w.rowVersion('SystemConfiguration', 1),
      outputDirectory: path.join(w.site.media, 'renders'),
    }),
  ],
  'worker.status': ['authed', () => undefined],

  'config.get': ['authed', () => ({ key: 'Ui.Theme' })],
  'config.list': ['authed', () => ({ category: 'Ui' })],
  // A user-level key; installation-wide keys are checked below.
  'config.set': [
    'editor',
    (w) => ({
      key: 'Ui.Theme',
      value: 'light',
      rowVersion: w.rowVersion('Configurations', 'Ui.Theme', 'Key'),
    }),
  ],
  'config.deactivate': [
    'editor',
    (w) => ({ key: 'Ui.Theme', rowVersion: w.rowVersion('Configurations', 'Ui.Theme', 'Key') }),
  ],
  'config.reveal': ['admin', () => ({ key: 'Ui.Theme' })],

  'backups.list': ['authed', () => ({})],
  'backups.schedule': ['authed', () => undefined],
  'backups.run': ['admin', () => undefined],
};

const WHO: readonly Who[] = ['anonymous', ...ROLES];

/** Runs one call on a fresh world and returns its error code (null on success) and whether it wrote. */
async function attempt(
  site: WorldSite,
  who: Who,
  name: string,
  input: (w: World, who: Who) => unknown,
) {
  const w = openWorld(site);
  try {
    const args = input(w, who);
    const before = w.dataVersion();
    const error = await outcome(callProcedure(w.caller(who), name, args));
    return { code: codeOf(error), error, wrote: w.dataVersion() !== before };
  } finally {
    w.close();
  }
}

let site: WorldSite;
beforeAll(async () => {
  site = await createWorldSite();
});
afterAll(() => site?.dispose());

describe('role matrix', () => {
  it('classifies every procedure of the router, and only those', () => {
    const names = [...procedures().keys()];
    const unclassified = names.filter((name) => !(name in MATRIX));
    const stale = Object.keys(MATRIX).filter((name) => !names.includes(name));
    expect(unclassified, 'classify the new procedure in MATRIX').toEqual([]);
    expect(stale, 'procedures in MATRIX that the router no longer has').toEqual([]);
  });

  it('sees a write: the no-change check can fail', async () => {
    const rename = MATRIX['projects.update']![1];
    expect((await attempt(site, 'editor', 'projects.update', rename)).wrote).toBe(true);
  });

  const names = [...procedures().keys()].filter((name) => name in MATRIX).sort();
  it.each(names)('%s', async (name) => {
    const [minimum, input] = MATRIX[name]!;
    const problems: string[] = [];
    for (const who of WHO) {
      const { code, error, wrote } = await attempt(site, who, name, input);
      const allowed = RANK[who] >= NEEDS[minimum];
      const expected = allowed ? null : who === 'anonymous' ? 'UNAUTHORIZED' : 'FORBIDDEN';
      if (code !== expected) {
        const detail = error instanceof Error ? `: ${error.message}` : '';
        problems.push(
          `${who}: expected ${expected ?? 'success'}, got ${code ?? 'success'}${detail}`,
        );
      }
      if (!allowed && wrote) problems.push(`${who}: a refused call changed the database`);
    }
    expect(problems).toEqual([]);
  });
});

describe('installation-wide settings and other users\u2019 things', () => {
  const setting = (key: string, value: unknown) => (w: World) => {
    const rowVersion = w.rowVersion('Configurations', key, 'Key');
    if (!Number.isNaN(rowVersion)) return { key, value, rowVersion };
    const valueType = typeof value === 'number' ? 'number' : 'string';
    return { key, value, valueType, category: key.split('.')[0] };
  };

  it.each([
    ['Retention.SoftDeletePurgeDays', 30],
    ['Retention.TemporaryAssetHours', 24],
    ['Backup.Keep', 5],
    ['Backup.IntervalHours', 12],
    ['System.Banner', 'hello'],
  ])('config.set %s is admin-only', async (key, value) => {
    const input = setting(key, value);
    for (const who of ['viewer', 'editor'] as const) {
      const result = await attempt(site, who, 'config.set', input);
      expect(result.code, `${who} sets ${key}`).toBe('FORBIDDEN');
      expect(result.wrote).toBe(false);
    }
    expect((await attempt(site, 'admin', 'config.set', input)).code).toBeNull();
  });

  it('config.deactivate of an installation-wide key is admin-only', async () => {
    const input = setting('Backup.Keep', 5);
    const deactivate = (w: World) => {
      const { key, rowVersion } = input(w) as { key: string; rowVersion?: number };
      return { key, rowVersion: rowVersion ?? 1 };
    };
    for (const who of ['viewer', 'editor'] as const) {
      const result = await attempt(site, who, 'config.deactivate', deactivate);
      expect(result.code, who).toBe('FORBIDDEN');
      expect(result.wrote).toBe(false);
    }
  });

  it("only an admin revokes another user's token; for others it does not exist", async () => {
    const other = (w: World) => ({ id: w.ids.tokens.other });
    for (const who of ['viewer', 'editor'] as const) {
      const result = await attempt(site, who, 'auth.tokens.revoke', other);
      expect(result.code, who).toBe('NOT_FOUND');
      expect(result.wrote).toBe(false);
    }
    expect((await attempt(site, 'admin', 'auth.tokens.revoke', other)).code).toBeNull();
  });

  it.each([
    ['setup.status', () => ({})],
    ['setup.saveProgress', (w: World) => ({ lastStep: 3, rowVersion: otherSetupVersion(w) })],
    ['setup.complete', (w: World) => ({ rowVersion: otherSetupVersion(w) })],
    [
      'setup.reset',
      (w: World) => ({
        keepState: true,
        rowVersion: otherSetupVersion(w),
      }),
    ],
    ['actions.history', () => ({})],
    ['actions.export', () => ({ format: 'csv' })],
    ['auth.tokens.list', () => ({})],
  ] as const)("%s of another user is the admin's", async (name, base) => {
    const input = (w: World) => ({
      ...(base(w) as object),
      userId: w.ids.users.other.userId,
    });
    for (const who of ['viewer', 'editor'] as const) {
      const result = await attempt(site, who, name, input);
      if (name === 'auth.tokens.list') {
        // A non-admin's userId is ignored: they get their own tokens, never the other's.
        expect(result.code).toBeNull();
        continue;
      }
      expect(result.code, who).toBe('FORBIDDEN');
      expect(result.wrote).toBe(false);
    }
    expect((await attempt(site, 'admin', name, input)).code).toBeNull();
  });

  it("a non-admin's token list never shows another user's token", async () => {
    const w = openWorld(site);
    try {
      const list = (await w
        .caller('editor')
        .auth.tokens.list({ userId: w.ids.users.other.userId, all: true })) as { id: string }[];
      const ids = list.map((token) => token.id);
      expect(ids).toContain(w.ids.tokens.editor);
      expect(ids).not.toContain(w.ids.tokens.other);
    } finally {
      w.close();
    }
  });
});
