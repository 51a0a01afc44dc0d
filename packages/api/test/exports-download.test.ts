import { closeSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  exportHistory,
  insertAudited,
  InvalidInputError,
  NotFoundError,
  seedDatabase,
  StateError,
} from '@aura/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openExportDownload, parseByteRange } from '../src/exports/download';
import { buildProjectExportsQuery } from '../src/exports/project';
import { UNKNOWN_ID, openTestDb, type TestDb } from './helpers';

let t: TestDb;
let output: string;
let media: string;
const savedEnv = { ...process.env };

beforeEach(() => {
  t = openTestDb();
  output = path.join(t.dir, 'output');
  media = path.join(t.dir, 'media');
  mkdirSync(output, { recursive: true });
  mkdirSync(media, { recursive: true });
  seedDatabase(t.db, { outputDirectory: output });
  process.env.AURA_MEDIA_ROOTS = [media, output].join(path.delimiter);
  process.env.AURA_DATA_DIR = path.join(t.dir, 'data');
});
afterEach(() => {
  for (const key of ['AURA_MEDIA_ROOTS', 'AURA_DATA_DIR']) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
  t.close();
});

/** An export row pointing at `outputFile`, as the worker leaves a finished one. */
function exportRow(outputFile: string, status: 'Completed' | 'Failed' = 'Completed') {
  return insertAudited(
    t.db,
    exportHistory,
    {
      inputFile: path.join(media, 'in.mp4'),
      outputFile,
      presetName: 'YouTube 1080p',
      status,
      progress: status === 'Completed' ? 100 : 10,
    },
    'worker',
  );
}

function refusal(id: string): unknown {
  try {
    closeSync(openExportDownload(t.db, id).fd);
    return null;
  } catch (error) {
    return error;
  }
}

describe('openExportDownload', () => {
  it('opens the completed output inside the output directory', () => {
    const file = path.join(output, 'clip.mp4');
    writeFileSync(file, 'video bytes');
    const download = openExportDownload(t.db, exportRow(file).id);
    try {
      expect(download).toMatchObject({ size: 11, name: 'clip.mp4', contentType: 'video/mp4' });
    } finally {
      closeSync(download.fd);
    }
  });

  it('refuses what is not a completed export', () => {
    const file = path.join(output, 'failed.mp4');
    writeFileSync(file, 'x');
    expect(refusal(exportRow(file, 'Failed').id)).toBeInstanceOf(StateError);
    expect(refusal(UNKNOWN_ID)).toBeInstanceOf(NotFoundError);
    expect(refusal('../../aura.db')).toBeInstanceOf(InvalidInputError);
  });

  it('never serves a file outside the output folder: the database, .., symlinks, media', () => {
    const secret = path.join(t.dir, 'secret.txt');
    writeFileSync(secret, 'not yours');
    const link = path.join(output, 'link.mp4');
    symlinkSync(secret, link);
    const linkedDir = path.join(output, 'dir');
    symlinkSync(t.dir, linkedDir);
    const inMedia = path.join(media, 'other.mp4');
    writeFileSync(inMedia, 'x');
    for (const outputFile of [
      t.file,
      secret,
      path.join(output, '..', 'secret.txt'),
      link,
      path.join(linkedDir, 'secret.txt'),
      inMedia,
      output,
      path.join(output, 'missing.mp4'),
    ]) {
      const error = refusal(exportRow(outputFile).id);
      expect(error, outputFile).toBeInstanceOf(StateError);
    }
    expect(readFileSync(secret, 'utf8')).toBe('not yours');
  });
});

describe('parseByteRange', () => {
  it.each([
    [null, null],
    ['items=0-1', null],
    ['bytes=0-99', { start: 0, end: 99 }],
    ['bytes=10-', { start: 10, end: 999 }],
    ['bytes=-100', { start: 900, end: 999 }],
    ['bytes=-5000', { start: 0, end: 999 }],
    ['bytes=990-5000', { start: 990, end: 999 }],
    ['bytes=1000-', 'unsatisfiable'],
    ['bytes=5-2', 'unsatisfiable'],
    ['bytes=0-1,5-6', 'unsatisfiable'],
    ['bytes=abc', 'unsatisfiable'],
    ['bytes=-', 'unsatisfiable'],
    ['bytes=-0', 'unsatisfiable'],
    [`bytes=${'9'.repeat(400)}-`, 'unsatisfiable'],
  ])('%s', (header, expected) => {
    expect(parseByteRange(header, 1000)).toEqual(expected);
  });
});

describe('exports.forProject', () => {
  it("lists the exports made from the project's assets, newest first, paged", async () => {
    const editor = t.as('editor');
    const project = await editor.projects.create({ title: 'With exports' });
    const other = await editor.projects.create({ title: 'Other' });
    const mine = path.join(media, 'mine.mp4');
    const theirs = path.join(media, 'theirs.mp4');
    await editor.assets.register({
      projectId: project.id,
      assetType: 'Video',
      filePath: mine,
      fileSizeBytes: 0,
    });
    await editor.assets.register({
      projectId: other.id,
      assetType: 'Video',
      filePath: theirs,
      fileSizeBytes: 0,
    });
    const row = (input: string, at: string) => {
      const created = insertAudited(
        t.db,
        exportHistory,
        {
          inputFile: input,
          outputFile: path.join(output, `${at}.mp4`),
          presetName: 'YouTube 1080p',
        },
        'worker',
      );
      t.db.$client
        .prepare('UPDATE ExportHistory SET CreatedAt = ? WHERE Id = ?')
        .run(at, created.id);
      return created.id;
    };
    const first = row(mine, '2026-01-01T00:00:00.000Z');
    const second = row(mine, '2026-01-02T00:00:00.000Z');
    row(theirs, '2026-01-03T00:00:00.000Z');
    const page = await editor.exports.forProject({ projectId: project.id, limit: 1 });
    expect(page.items.map((item) => item.id)).toEqual([second]);
    const next = await editor.exports.forProject({
      projectId: project.id,
      limit: 1,
      cursor: page.nextCursor ?? undefined,
    });
    expect(next.items.map((item) => item.id)).toEqual([first]);
    expect(next.nextCursor).toBeNull();
    await expect(editor.exports.forProject({ projectId: UNKNOWN_ID })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(t.anonymous.exports.forProject({ projectId: project.id })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });

  it('reads through the AssetStates ProjectId and ExportHistory InputFile indexes', () => {
    const built = buildProjectExportsQuery(t.db, {
      projectId: UNKNOWN_ID,
      limit: 20,
      cursor: null,
    }).toSQL();
    const plan = t.db.$client
      .prepare(`EXPLAIN QUERY PLAN ${built.sql}`)
      .all(...built.params)
      .map((step) => String((step as { detail: unknown }).detail))
      .join('\n');
    expect(plan).toMatch(/IX_AssetStates_ProjectId/);
    expect(plan).toMatch(/IX_ExportHistory_InputFile/);
    expect(plan).not.toMatch(/SCAN (ExportHistory|AssetStates)\b(?! USING)/);
  });
});
