import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  SECRET_KEY_FILE,
  assetStates,
  insertAudited,
  renderCheckpoints,
  seedDatabase,
} from '@aura/db';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { INITIAL_ADMIN_FILE } from '../src/auth/service';
import { listRecoverableProjects } from '../src/checkpoints/recovery';
import { runScheduledBackup } from '../src/maintenance/backups';
import { cleanupCheckpoints, cleanupTemporaryAssets } from '../src/maintenance/cleanup';
import { mediaGuard } from '../src/media/paths';
import { insertProject, openTestDb, rejectionHelpers, type TestDb } from './helpers';

/**
 * The path guard: no path a client sends reaches the service's own files, and no cleanup deletes
 * them even when a row names them. The data directory is the database's folder (AURA_DATA_DIR),
 * the media roots are its `media` folder and the output directory.
 */

let t: TestDb;
let data: string;
let media: string;
let output: string;
let outside: string;

beforeEach(() => {
  t = openTestDb();
  data = realpathSync(t.dir);
  media = path.join(data, 'media');
  output = path.join(data, 'output');
  for (const dir of [media, output]) mkdirSync(dir);
  outside = realpathSync(mkdtempSync(path.join(tmpdir(), 'aura-outside-')));
  seedDatabase(t.db, { outputDirectory: output });
  vi.stubEnv('AURA_DATA_DIR', data);
  vi.stubEnv('AURA_MEDIA_ROOTS', '');
  vi.stubEnv('AURA_BACKUP_DIR', '');
});

afterEach(() => {
  vi.unstubAllEnvs();
  t.close();
  rmSync(outside, { recursive: true, force: true });
});

const DAY = 24 * 60 * 60_000;

/**
 * The service's own files, as they are in a running installation, with their contents (null for
 * the live database files: reading them with fs would drop this process's SQLite locks).
 */
function serviceFiles(): Map<string, Buffer | null> {
  const backup = runScheduledBackup(t.db);
  expect(backup.status).toBe('Succeeded');
  writeFileSync(path.join(data, SECRET_KEY_FILE), '{"keys":{}}');
  writeFileSync(path.join(data, INITIAL_ADMIN_FILE), 'email: admin\npassword: x\n');
  const files = [
    t.file,
    `${t.file}-wal`,
    `${t.file}-shm`,
    path.join(data, SECRET_KEY_FILE),
    path.join(data, INITIAL_ADMIN_FILE),
    backup.file!,
  ];
  const live = new Set(files.slice(0, 3));
  return new Map(files.map((file) => [file, live.has(file) ? null : readFileSync(file)]));
}

/** Every service file is still there, unchanged where it can be read; the database is sound. */
function expectIntact(files: Map<string, Buffer | null>) {
  for (const [file, content] of files) {
    expect(existsSync(file), file).toBe(true);
    if (content) expect(readFileSync(file)).toEqual(content);
  }
  expect(t.db.$client.pragma('integrity_check', { simple: true })).toBe('ok');
}

/** Every row a path-taking procedure writes. */
function snapshot() {
  const all = (table: string) => t.db.$client.prepare(`SELECT * FROM "${table}"`).all();
  return ['AssetStates', 'SceneStates', 'RenderCheckpoints', 'ExportHistory'].map(all);
}
const { rejects, rejectsField } = rejectionHelpers(snapshot);

/** Paths into the service's files or out of the media roots, and why each is refused. */
function hostilePaths(files: Iterable<string>): string[] {
  mkdirSync(path.join(outside, 'sub'), { recursive: true });
  writeFileSync(path.join(outside, 'sub', 'clip.mp4'), 'x');
  symlinkSync(t.file, path.join(media, 'db-link.mp4'));
  symlinkSync(data, path.join(media, 'data-link'));
  symlinkSync(outside, path.join(media, 'out-link'));
  writeFileSync(path.join(data, 'notes.txt'), 'not media');
  return [
    ...files,
    'media/clip.mp4', // relative
    `${media}/../aura.db`,
    `${media}/clip\u0007.mp4`,
    path.join(media, 'db-link.mp4'), // a link to the database
    path.join(media, 'data-link', 'aura.db'), // a folder link into the data directory
    path.join(media, 'out-link', 'sub', 'clip.mp4'), // a folder link out of the roots
    path.join(outside, 'sub', 'clip.mp4'), // absolute, outside the roots
    '/etc/hosts',
    path.join(data, 'notes.txt'), // the data directory is not media
    data,
    media, // a root itself is not a file in it
  ];
}

/** A temporary asset row written by hand (no path check), two days old: due for cleanup. */
function insertOldTemporaryAsset(projectId: string, filePath: string) {
  const row = insertAudited(
    t.db,
    assetStates,
    { projectId, assetType: 'Audio', filePath, fileSizeBytes: 1, isTemporary: true },
    'tester',
  );
  t.db.$client
    .prepare('UPDATE AssetStates SET CreatedAt = ? WHERE Id = ?')
    .run(new Date(Date.now() - 2 * DAY).toISOString(), row.id);
}

describe('the path guard', () => {
  it('refuses every path into the service files on every procedure that takes a path', async () => {
    const files = serviceFiles();
    const project = await t.caller.projects.create({ title: 'Paths' });
    const scene = await t.caller.scenes.add({ projectId: project.id, scriptText: 'One' });
    writeFileSync(path.join(media, 'in.mp4'), 'video');
    const calls: [string, (p: string) => Promise<unknown>][] = [
      [
        'filePath',
        (filePath) =>
          t.caller.assets.register({
            projectId: project.id,
            assetType: 'Video',
            filePath,
            fileSizeBytes: 1,
            isTemporary: true,
          }),
      ],
      [
        'audioFilePath',
        (audioFilePath) =>
          t.caller.scenes.add({ projectId: project.id, scriptText: 'x', audioFilePath }),
      ],
      [
        'imageFilePath',
        (imageFilePath) =>
          t.caller.scenes.update({ id: scene.id, rowVersion: scene.rowVersion, imageFilePath }),
      ],
      [
        'outputFilePath',
        (outputFilePath) =>
          t.caller.checkpoints.create({
            projectId: project.id,
            stageName: 'Render',
            outputFilePath,
          }),
      ],
      [
        'inputFile',
        (inputFile) =>
          t.caller.exports.enqueue({ presetName: 'youtube-720p', inputFile, outputFile: 'x' }),
      ],
    ];
    for (const hostile of hostilePaths(files.keys())) {
      for (const [field, call] of calls) await rejectsField(() => call(hostile), field);
    }
    // What the guard accepts: real locations inside a root (new files too).
    const ok = await calls[0]![1](path.join(media, 'new', 'voice.wav'));
    expect(ok).toMatchObject({ filePath: path.join(media, 'new', 'voice.wav') });
    const viaLink = await calls[0]![1](path.join(media, 'data-link', 'media', 'in.mp4'));
    expect(viaLink).toMatchObject({ filePath: path.join(media, 'in.mp4') });
    await calls[3]![1](path.join(output, 'partial.mp4'));
    await calls[4]![1](path.join(media, 'in.mp4'));
    expectIntact(files);
  });

  it('never lets a cleanup delete the service files, even when rows name them (finding 2)', async () => {
    const files = serviceFiles();
    const project = await t.caller.projects.create({ title: 'Hostile' });
    // Through the API: refused, nothing written.
    for (const file of files.keys()) {
      await rejectsField(
        () =>
          t.caller.assets.register({
            projectId: project.id,
            assetType: 'Video',
            filePath: file,
            fileSizeBytes: 1,
            isTemporary: true,
          }),
        'filePath',
      );
    }
    // Written into the tables by hand, as temporary assets and invalid checkpoints.
    symlinkSync(data, path.join(media, 'data-link'));
    const named = [
      ...files.keys(),
      ...[...files.keys()].map((f) => path.join(media, 'data-link', path.relative(data, f))),
    ];
    for (const filePath of named) {
      insertOldTemporaryAsset(project.id, filePath);
      insertAudited(
        t.db,
        renderCheckpoints,
        { projectId: project.id, stageName: 'Render', outputFilePath: filePath, isValid: false },
        'tester',
      );
    }
    for (const roots of [undefined, [data], [path.dirname(data)], [media, data]]) {
      const assets = cleanupTemporaryAssets(t.db, { roots });
      const checkpoints = cleanupCheckpoints(t.db, { roots });
      expect(assets.filesDeleted + checkpoints.filesDeleted).toBe(0);
    }
    expectIntact(files);
    expect(t.db.$client.prepare('SELECT count(*) AS n FROM ProjectStates').get()).toEqual({ n: 1 });
    // A real temporary media file is still cleaned up.
    const temp = path.join(media, 'old.wav');
    writeFileSync(temp, 'x');
    insertOldTemporaryAsset(project.id, temp);
    expect(cleanupTemporaryAssets(t.db)).toMatchObject({ deleted: 1, filesDeleted: 1 });
    expect(existsSync(temp)).toBe(false);
  });

  it('ignores a media root that is, holds or lies in the service folders', () => {
    const roots = (value: string) => {
      vi.stubEnv('AURA_MEDIA_ROOTS', value);
      return mediaGuard(t.db).roots;
    };
    expect(roots('')).toEqual([media, output]);
    expect(roots(data)).toEqual([]);
    expect(roots(path.dirname(data))).toEqual([]);
    expect(roots(path.join(data, 'backups'))).toEqual([]);
    expect(roots(path.join(data, 'backups', 'inner'))).toEqual([]);
    expect(roots([data, outside, media].join(path.delimiter))).toEqual([outside, media]);
    // A separate database file location is protected wherever it is.
    vi.stubEnv('AURA_DB_PATH', path.join(outside, 'aura.db'));
    expect(roots(outside)).toEqual([]);
  });

  it('refuses an output directory that holds the service files (legacy rows included)', async () => {
    writeFileSync(path.join(media, 'in.mp4'), 'video');
    t.db.$client.prepare('UPDATE SystemConfiguration SET OutputDirectory = ?').run(data);
    await rejects(
      () =>
        t.caller.exports.enqueue({
          presetName: 'youtube-720p',
          inputFile: path.join(media, 'in.mp4'),
          outputFile: 'aura',
        }),
      'PRECONDITION_FAILED',
    );
    expect(mediaGuard(t.db).roots).toEqual([media]);
  });
});

describe('system.update outputDirectory', () => {
  const row = () => t.db.$client.prepare('SELECT * FROM SystemConfiguration').get();

  it('must be an absolute folder outside the service folders', async () => {
    const admin = t.as('admin');
    const { rejectsField: refused } = rejectionHelpers(() => [row(), existsSync('out')]);
    const current = await admin.system.get();
    const bad = [
      'out',
      '<script>alert(1)</script>',
      `${outside}/a\u0001b`,
      `${outside}/../x`,
      data,
      path.dirname(data),
      path.join(data, 'backups'),
      path.join(data, 'backups', 'inner'),
      t.file,
    ];
    for (const outputDirectory of bad) {
      await refused(
        () => admin.system.update({ rowVersion: current.rowVersion, outputDirectory }),
        'outputDirectory',
      );
    }
    expect(existsSync(path.join(data, 'backups', 'inner'))).toBe(false);
    const moved = await admin.system.update({
      rowVersion: current.rowVersion,
      outputDirectory: path.join(outside, 'exports'),
    });
    expect(moved.outputDirectory).toBe(path.join(outside, 'exports'));
    expect(mediaGuard(t.db).roots).toEqual([media, path.join(outside, 'exports')]);
  });
});

describe('recovery.list', () => {
  it('never looks at a path outside the media roots', () => {
    const project = insertProject(
      t.db,
      { title: 'Stale', status: 'InProgress' },
      { updatedAt: new Date(Date.now() - DAY).toISOString() },
    );
    const paths = ['/etc/hosts', '/etc/no-such-file-here', t.file, path.join(media, 'gone.wav')];
    for (const filePath of paths) {
      insertAudited(
        t.db,
        assetStates,
        { projectId: project.id, assetType: 'Audio', filePath, fileSizeBytes: 1 },
        'tester',
      );
    }
    const looked: string[] = [];
    const page = listRecoverableProjects(
      t.db,
      { limit: 10, cursor: null },
      {
        exists: (p) => {
          looked.push(p);
          return existsSync(p);
        },
      },
    );
    expect(looked).toEqual([path.join(media, 'gone.wav')]);
    const reasons = Object.fromEntries(
      page.items[0]!.missingFiles.map((file) => [file.path, file.reason]),
    );
    // An existing and a missing file outside the roots get the same answer.
    expect(reasons).toEqual({
      '/etc/hosts': 'outsideMediaRoots',
      '/etc/no-such-file-here': 'outsideMediaRoots',
      [t.file]: 'outsideMediaRoots',
      [path.join(media, 'gone.wav')]: 'missing',
    });
  });
});
