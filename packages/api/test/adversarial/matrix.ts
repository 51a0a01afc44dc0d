/**
 * Each procedure's minimum role, with a valid input against the fixture world: the role matrix
 * (roles.test.ts) checks it call by call, the fuzz (fuzz.ts) checks no generated call gets past it.
 */
import path from 'node:path';
import { existsSync, mkdirSync } from 'node:fs';
import type { Role, Who, World } from './world';
import { makeLegacyDb } from '../legacy/fixture';
/** The least a caller must be: anyone, signed in, an editor (writes content), an admin. */
export type MinimumRole = 'public' | 'authed' | Role;

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
export const otherSetupVersion = (w: World) =>
  w.rowVersion('UserSetups', w.ids.users.other.userId, 'UserId');
const ownSetupVersion = (w: World, who: Who) =>
  w.rowVersion('UserSetups', w.ids.users[who === 'anonymous' ? 'viewer' : who].userId, 'UserId');

/**
 * Every procedure: its minimum role and a valid input against the fixture world. A procedure
 * missing here fails the suite until someone classifies it.
 */
export const MATRIX: Record<string, [MinimumRole, InputFor]> = {
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
  'auth.changePassword': [
    'authed',
    () => ({
      currentPassword: 'correct horse battery',
      newPassword: 'a new correct horse battery',
    }),
  ],
  'auth.sessions': ['authed', () => undefined],
  'auth.signOutOthers': ['authed', () => undefined],
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
  'users.resetPassword': ['admin', (w) => ({ id: w.ids.users.other.userId })],
  'users.exportData': ['authed', () => ({})],
  // A dry run: the real erasure is covered by test/privacy.
  'users.forget': ['admin', (w) => ({ userId: w.ids.users.other.userId, dryRun: true })],

  'projects.list': ['authed', () => ({})],
  'projects.get': ['authed', (w) => ({ id: project(w) })],
  'projects.byJobId': ['authed', () => ({ jobId: 'render-1' })],
  'projects.activity': ['authed', (w) => ({ projectId: project(w) })],
  'projects.audit': ['authed', (w) => ({ id: project(w) })],
  'projects.missingFiles': ['authed', (w) => ({ id: project(w) })],
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
  'recovery.markFailed': ['editor', (w) => ({ ...projectVersioned(w), reason: 'gave up' })],

  'versions.list': ['authed', (w) => ({ projectId: project(w) })],
  'versions.get': ['authed', (w) => ({ id: w.ids.versions[0] })],
  'versions.trash': ['authed', (w) => ({ projectId: project(w) })],
  'versions.trashAll': ['authed', () => ({})],
  'trash.deleters': ['authed', () => undefined],
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
  'search.global': ['authed', () => ({ q: 'project' })],
  'customTemplates.trash': ['authed', () => ({})],
  'customTemplates.createProject': [
    'editor',
    (w) => ({ customTemplateId: w.ids.customTemplate, title: 'From a custom template' }),
  ],
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
  'customTemplates.purge': [
    'admin',
    versioned('CustomTemplates', (w) => w.ids.trashedCustomTemplate),
  ],

  'live.changes': ['authed', () => undefined],

  'exports.presets': ['authed', () => undefined],
  'exports.get': ['authed', (w) => ({ id: w.ids.queuedExport })],
  'exports.list': ['authed', () => ({})],
  'exports.forProject': ['authed', (w) => ({ projectId: project(w) })],
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
  'setup.installation': ['authed', () => undefined],
  'setup.completeInstallation': [
    'admin',
    (w) => ({ rowVersion: w.rowVersion('SystemConfiguration', 1) }),
  ],
  'system.get': ['authed', () => undefined],
  'system.testFfmpeg': ['admin', () => ({})],
  'system.update': [
    'admin',
    (w) => ({
      rowVersion: w.rowVersion('SystemConfiguration', 1),
      outputDirectory: path.join(w.site.media, 'renders'),
    }),
  ],
  'worker.status': ['authed', () => undefined],
  'worker.jobs': ['authed', () => undefined],
  'worker.runs': ['authed', () => ({ job: 'backup' })],
  'storage.summary': ['authed', () => undefined],
  'storage.history': ['authed', () => ({ days: 7 })],
  'storage.largest': ['authed', () => ({})],
  'storage.awaiting': ['authed', () => ({})],
  'storage.collect': ['admin', () => ({ dryRun: true })],

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
  'config.categories': ['authed', () => undefined],
  'config.history': ['authed', () => ({ key: 'Ui.Theme' })],

  'backups.list': ['authed', () => ({})],
  'backups.schedule': ['authed', () => undefined],
  'backups.run': ['admin', () => undefined],
  'backups.settings': ['authed', () => undefined],
  'backups.setSchedule': [
    'admin',
    (w) => ({
      keep: 5,
      keepRowVersion: w.rowVersion('Configurations', 'Backup.Keep', 'Key'),
    }),
  ],
  'backups.restoreSteps': ['admin', () => undefined],

  // A dry run of a generated .NET Aura database inside the media root (built once per site).
  'legacy.import': ['admin', (w) => ({ path: legacyFile(w.site.media), dryRun: true })],
};

function legacyFile(media: string): string {
  const file = path.join(media, 'legacy', 'aura.db');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    makeLegacyDb(path.dirname(file), { seed: 20251208, journalMode: 'delete', name: 'aura.db' });
  }
  return file;
}

/** Whether `who` may call a procedure whose minimum role is `minimum`. */
export function allowed(who: Who, minimum: MinimumRole): boolean {
  return RANK[who] >= NEEDS[minimum];
}
