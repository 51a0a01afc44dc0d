import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import {
  EXPORT_STATUSES,
  NotFoundError,
  StateError,
  exportHistory,
  insertAudited,
  seedDatabase,
  type ExportStatus,
} from '@aura/db';
import { TRPCError } from '@trpc/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import type { RouterInputs } from '../src/root';
import { toTRPCError } from '../src/trpc';
import { EXPORT_PRESETS, ffmpegArgs, getExportPreset } from '../src/exports/presets';
import { exportListInput } from '../src/exports/schema';
import { makeTestClip } from '../src/testing';
import {
  EXPORT_TRANSITIONS,
  buildExportListQuery,
  listExports,
  reportExportProgress,
  transitionExport,
} from '../src/exports/service';
import { UNKNOWN_ID, openTestDb, type TestDb } from './helpers';

type ListInput = RouterInputs['exports']['list'];

let t: TestDb;
let media: string;
let output: string;
let outside: string;
let data: string;
const savedEnv = { ...process.env };

beforeEach(() => {
  t = openTestDb();
  media = path.join(t.dir, 'media');
  output = path.join(t.dir, 'output');
  outside = path.join(t.dir, 'outside');
  data = path.join(t.dir, 'data');
  for (const dir of [media, output, outside, data]) mkdirSync(dir, { recursive: true });
  seedDatabase(t.db, { outputDirectory: output });
  process.env.AURA_MEDIA_ROOTS = [media, output].join(path.delimiter);
  process.env.AURA_DATA_DIR = data;
});
afterEach(() => {
  for (const key of ['AURA_MEDIA_ROOTS', 'AURA_DATA_DIR']) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
  t.close();
});

async function expectError(promise: Promise<unknown>, code: TRPCError['code'], message?: RegExp) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code, (error as Error).message).toBe(code);
  if (message) expect((error as TRPCError).message).toMatch(message);
  return error as TRPCError;
}

async function expectBadRequest(promise: Promise<unknown>, field: string) {
  const error = await expectError(promise, 'BAD_REQUEST');
  expect(error.cause).toBeInstanceOf(ZodError);
  expect(Object.keys((error.cause as ZodError).flatten().fieldErrors)).toContain(field);
}

/** Writes a file (and its folders). */
function file(p: string, content = 'not really a video'): string {
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, content);
  return p;
}

/** Every path under the test directory except the database files: proves nothing was written. */
function tree(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (dir === t.dir && entry.name.startsWith('aura.db')) continue;
      out.push(path.relative(t.dir, full) + (entry.isDirectory() ? '/' : ''));
      if (entry.isDirectory() && !entry.isSymbolicLink()) walk(full);
    }
  };
  walk(t.dir);
  return out.sort();
}

const exportRows = () => t.db.$client.prepare('SELECT * FROM ExportHistory ORDER BY Id').all();
const exportRow = (id: string) =>
  t.db.$client.prepare('SELECT * FROM ExportHistory WHERE Id = ?').get(id) as Record<
    string,
    unknown
  >;

function insertExport(
  status: ExportStatus,
  values: Partial<typeof exportHistory.$inferInsert> = {},
) {
  return insertAudited(
    t.db,
    exportHistory,
    {
      inputFile: path.join(media, 'in.mp4'),
      outputFile: path.join(realpathSync(output), `${status}-${Math.random()}.mp4`),
      presetName: 'youtube-720p',
      status,
      ...values,
    },
    'tester',
  );
}

describe('presets', () => {
  it('lists the catalog with platform, resolution, codec, container and bitrates', async () => {
    const presets = await t.as('viewer').exports.presets();
    const names = presets.map((preset) => preset.name);
    expect(new Set(names).size).toBe(names.length);
    for (const required of [
      'youtube-1080p',
      'youtube-720p',
      'vertical-1080x1920',
      'instagram-square',
      'audio-only',
      'gif-preview',
    ]) {
      expect(names).toContain(required);
    }
    expect(getExportPreset('youtube-1080p')).toMatchObject({
      width: 1920,
      height: 1080,
      resolution: '1920x1080',
      videoCodec: 'h264',
      audioCodec: 'aac',
      videoBitrateKbps: 8000,
      container: 'mp4',
      extension: '.mp4',
    });
    expect(getExportPreset('vertical-1080x1920')).toMatchObject({ width: 1080, height: 1920 });
    expect(getExportPreset('instagram-square')).toMatchObject({ width: 1080, height: 1080 });
    expect(getExportPreset('audio-only')).toMatchObject({
      kind: 'audio',
      videoCodec: null,
      resolution: null,
    });
    const gif = getExportPreset('gif-preview')!;
    expect(gif).toMatchObject({ kind: 'gif', width: 480, audioCodec: null });
    expect(gif.fps).toBeLessThanOrEqual(15);
    expect(gif.maxDurationSeconds).toBeLessThanOrEqual(10);
    for (const preset of presets) {
      expect(preset.extension).toBe(`.${preset.container}`);
      expect(preset.label.length).toBeGreaterThan(0);
      expect(preset.platform.length).toBeGreaterThan(0);
      expect(preset.codec.length).toBeGreaterThan(0);
    }
    await expectError(t.anonymous.exports.presets(), 'UNAUTHORIZED');
  });

  const ffmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
  it.skipIf(!ffmpeg)(
    'produces what each preset promises with a real FFmpeg',
    () => {
      const input = makeTestClip(path.join(t.dir, 'source.mp4'), 0.5);
      for (const preset of EXPORT_PRESETS) {
        const out = path.join(t.dir, `out-${preset.name}${preset.extension}`);
        execFileSync('ffmpeg', ['-loglevel', 'error', ...ffmpegArgs(preset, input, out)]);
        const probe = JSON.parse(
          execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', out], {
            encoding: 'utf8',
          }),
        ) as {
          streams: { codec_type: string; codec_name: string; width?: number; height?: number }[];
        };
        const video = probe.streams.find((s) => s.codec_type === 'video');
        const audio = probe.streams.find((s) => s.codec_type === 'audio');
        expect(video?.codec_name ?? null, preset.name).toBe(preset.videoCodec);
        expect(audio?.codec_name ?? null, preset.name).toBe(preset.audioCodec);
        if (preset.width) expect(video?.width, preset.name).toBe(preset.width);
        if (preset.height) expect(video?.height, preset.name).toBe(preset.height);
        // -n: FFmpeg never overwrites an existing output.
        expect(
          spawnSync('ffmpeg', ['-loglevel', 'error', ...ffmpegArgs(preset, input, out)]).status,
        ).not.toBe(0);
      }
    },
    120_000,
  );
});

describe('exports.enqueue', () => {
  it('queues an export with the real paths and the preset’s platform, resolution and codec', async () => {
    const input = file(path.join(media, 'takes', 'final.mov'));
    const row = await t.caller.exports.enqueue({
      presetName: 'youtube-1080p',
      inputFile: input,
      outputFile: 'launch',
    });
    expect(row).toMatchObject({
      status: 'Queued',
      progress: 0,
      presetName: 'youtube-1080p',
      platform: 'YouTube',
      resolution: '1920x1080',
      codec: 'h264/aac',
      inputFile: realpathSync(input),
      outputFile: path.join(realpathSync(output), 'launch.mp4'),
      startedAt: null,
      completedAt: null,
      rowVersion: 1,
      createdBy: t.principal('editor').userId,
    });
    // Enqueueing writes no file.
    expect(existsSync(path.join(output, 'launch.mp4'))).toBe(false);

    const nested = await t.as('admin').exports.enqueue({
      presetName: 'vertical-1080x1920',
      inputFile: input,
      outputFile: './shorts//2026/clip.MP4',
    });
    expect(nested.outputFile).toBe(path.join(realpathSync(output), 'shorts', '2026', 'clip.MP4'));
    expect(existsSync(path.join(output, 'shorts'))).toBe(false);

    const audio = await t.caller.exports.enqueue({
      presetName: 'audio-only',
      inputFile: input,
      outputFile: 'podcast/episode-1',
    });
    expect(audio).toMatchObject({ resolution: null, codec: 'aac', platform: 'Podcast' });
    expect(audio.outputFile.endsWith(path.join('podcast', 'episode-1.m4a'))).toBe(true);
  });

  it('accepts an input symlink that stays inside the roots, storing its target', async () => {
    const target = file(path.join(media, 'real.mp4'));
    symlinkSync(target, path.join(media, 'alias.mp4'));
    const row = await t.caller.exports.enqueue({
      presetName: 'youtube-720p',
      inputFile: path.join(media, 'alias.mp4'),
      outputFile: 'from-alias.mp4',
    });
    expect(row.inputFile).toBe(realpathSync(target));
    // A finished export in the output directory may be the input of another one.
    const previous = file(path.join(output, 'previous.mp4'));
    await t.caller.exports.enqueue({
      presetName: 'gif-preview',
      inputFile: previous,
      outputFile: 'previous-preview',
    });
  });

  it('rejects path traversal, absolute outputs, escaping symlinks and wrong extensions, writing nothing', async () => {
    const input = file(path.join(media, 'clip.mp4'));
    file(path.join(output, 'taken.txt'));
    symlinkSync(outside, path.join(output, 'escape'));
    symlinkSync(path.join(t.dir, 'nowhere'), path.join(output, 'broken'));
    mkdirSync(path.join(output, 'inner'));
    const rowsBefore = exportRows();
    const treeBefore = tree();

    const attempts: [string, RegExp][] = [
      ['../x.mp4', /must not contain '\.\.'/],
      ['a/../../x.mp4', /must not contain '\.\.'/],
      ['inner/../../outside/x.mp4', /must not contain '\.\.'/],
      ['..', /must not contain '\.\.'/],
      ['/tmp/evil.mp4', /not an absolute path/],
      [path.join(outside, 'x.mp4'), /not an absolute path/],
      ['C:\\evil.mp4', /not an absolute path/],
      ['a\\..\\..\\x.mp4', /use \/ to separate/],
      ['sub/', /must name a file/],
      ['.', /must name a file/],
      ['./', /must name a file/],
      ['x.mov', /ends in \.mov, but preset youtube-1080p writes \.mp4/],
      ['x.gif', /ends in \.gif/],
      ['escape/x.mp4', /folder escape leads outside the output directory/],
      ['escape/deeper/x.mp4', /folder escape leads outside/],
      ['broken/x.mp4', /folder broken is a broken link/],
      ['taken.txt/x.mp4', /folder taken\.txt is not a folder/],
    ];
    for (const [outputFile, message] of attempts) {
      const error = await expectError(
        t.caller.exports.enqueue({ presetName: 'youtube-1080p', inputFile: input, outputFile }),
        'BAD_REQUEST',
        message,
      );
      expect(error.message, outputFile).not.toContain(t.dir);
    }
    expect(exportRows()).toEqual(rowsBefore);
    expect(tree()).toEqual(treeBefore);
  });

  it('never overwrites: an existing file, a symlink at the target or an active export of it', async () => {
    const input = file(path.join(media, 'clip.mp4'));
    file(path.join(output, 'exists.mp4'));
    symlinkSync(path.join(outside, 'target.mp4'), path.join(output, 'trap.mp4'));
    const enqueue = (outputFile: string) =>
      t.caller.exports.enqueue({ presetName: 'youtube-720p', inputFile: input, outputFile });

    await expectError(enqueue('exists.mp4'), 'CONFLICT', /exists\.mp4 already exists/);
    await expectError(enqueue('exists'), 'CONFLICT', /already exists/);
    await expectError(enqueue('trap.mp4'), 'CONFLICT', /already exists/);
    expect(existsSync(path.join(outside, 'target.mp4'))).toBe(false);

    const first = await enqueue('same');
    await expectError(
      enqueue('same.mp4'),
      'CONFLICT',
      new RegExp(`export ${first.id} \\(Queued\\)`),
    );
    await expectError(enqueue('./same.mp4'), 'CONFLICT');
    transitionExport(t.db, first.id, 'InProgress');
    await expectError(enqueue('same.mp4'), 'CONFLICT', /InProgress/);
    // Once it no longer runs, the name is free again (the worker never left a file).
    await t.caller.exports.cancel({ id: first.id });
    const second = await enqueue('same.mp4');
    expect(second.outputFile).toBe(first.outputFile);
  });

  it('rejects inputs that are missing, relative, folders or outside the roots, symlinks included', async () => {
    file(path.join(media, 'clip.mp4'));
    const secret = file(path.join(outside, 'secret.mp4'));
    symlinkSync(secret, path.join(media, 'escape.mp4'));
    symlinkSync(outside, path.join(media, 'escape-dir'));
    const rowsBefore = exportRows();
    const treeBefore = tree();

    // `outside` is beside the test database, so in its data directory: the service's, not media.
    const inDataDir = /service's own files in the data directory/;
    const attempts: [string, RegExp][] = [
      ['media/clip.mp4', /must be an absolute path/],
      [path.join(media, 'missing.mp4'), /does not exist/],
      [path.join(media, 'clip.mp4', 'x'), /does not exist/],
      [media, /a media folder itself/],
      [path.join(media, 'takes'), /does not exist/],
      [secret, inDataDir],
      [path.join(media, 'escape.mp4'), inDataDir],
      [path.join(media, 'escape-dir', 'secret.mp4'), inDataDir],
      [`${media}/../outside/secret.mp4`, /must not contain '\.\.'/],
      [path.join(t.dir, 'aura.db'), /service's database/],
      [`${media}/clip.mp4\u0001`, /control characters/],
      ['/etc/passwd', /outside the allowed media folders/],
    ];
    for (const [inputFile, message] of attempts) {
      await expectError(
        t.caller.exports.enqueue({ presetName: 'youtube-720p', inputFile, outputFile: 'x.mp4' }),
        'BAD_REQUEST',
        message,
      );
    }
    mkdirSync(path.join(media, 'folder'));
    await expectError(
      t.caller.exports.enqueue({
        presetName: 'youtube-720p',
        inputFile: path.join(media, 'folder'),
        outputFile: 'x.mp4',
      }),
      'BAD_REQUEST',
      /not a regular file/,
    );
    const valid = {
      presetName: 'youtube-720p',
      inputFile: path.join(media, 'clip.mp4'),
      outputFile: 'x',
    };
    await expectBadRequest(t.caller.exports.enqueue({ ...valid, presetName: 'vhs' }), 'presetName');
    await expectBadRequest(t.caller.exports.enqueue({ ...valid, inputFile: '' }), 'inputFile');
    await expectBadRequest(
      t.caller.exports.enqueue({ ...valid, inputFile: `${valid.inputFile}\0.txt` }),
      'inputFile',
    );
    await expectBadRequest(
      t.caller.exports.enqueue({ ...valid, outputFile: 'a\0b' }),
      'outputFile',
    );
    await expectError(t.as('viewer').exports.enqueue(valid), 'FORBIDDEN');
    await expectError(t.anonymous.exports.enqueue(valid), 'UNAUTHORIZED');
    expect(exportRows()).toEqual(rowsBefore);
    expect(tree().filter((p) => p !== 'media/folder/')).toEqual(treeBefore);
  });

  it('defaults the media roots to `media` in the data directory and the output directory', async () => {
    delete process.env.AURA_MEDIA_ROOTS;
    const inData = file(path.join(data, 'renders', 'a.mp4'));
    const inDataMedia = file(path.join(data, 'media', 'a.mp4'));
    const inOutput = file(path.join(output, 'b.mp4'));
    const inMedia = file(path.join(media, 'c.mp4'));
    await t.caller.exports.enqueue({
      presetName: 'youtube-720p',
      inputFile: inDataMedia,
      outputFile: 'a',
    });
    await t.caller.exports.enqueue({
      presetName: 'youtube-720p',
      inputFile: inOutput,
      outputFile: 'b2',
    });
    // The rest of the data directory is the service's, and `media` beside the database is not a
    // root while AURA_DATA_DIR points elsewhere.
    await expectError(
      t.caller.exports.enqueue({ presetName: 'youtube-720p', inputFile: inData, outputFile: 'd' }),
      'BAD_REQUEST',
      /service's own files/,
    );
    await expectError(
      t.caller.exports.enqueue({ presetName: 'youtube-720p', inputFile: inMedia, outputFile: 'c' }),
      'BAD_REQUEST',
      /service's own files/,
    );
    // A configured root that does not exist holds nothing, and does not break the others.
    process.env.AURA_MEDIA_ROOTS = [path.join(t.dir, 'gone'), media].join(path.delimiter);
    await t.caller.exports.enqueue({
      presetName: 'youtube-720p',
      inputFile: inMedia,
      outputFile: 'c',
    });
    await expectError(
      t.caller.exports.enqueue({ presetName: 'youtube-720p', inputFile: inData, outputFile: 'd' }),
      'BAD_REQUEST',
    );
  });

  it('creates a missing output directory', async () => {
    rmSync(output, { recursive: true });
    const input = file(path.join(media, 'clip.mp4'));
    const row = await t.caller.exports.enqueue({
      presetName: 'youtube-720p',
      inputFile: input,
      outputFile: 'x',
    });
    expect(existsSync(output)).toBe(true);
    expect(row.outputFile).toBe(path.join(realpathSync(output), 'x.mp4'));
  });
});

describe('exports.get, cancel and retry', () => {
  it('gets one export; NOT_FOUND and UNAUTHORIZED otherwise', async () => {
    const row = insertExport('Queued');
    expect(await t.as('viewer').exports.get({ id: row.id })).toEqual(row);
    await expectError(t.caller.exports.get({ id: UNKNOWN_ID }), 'NOT_FOUND');
    await expectError(t.anonymous.exports.get({ id: row.id }), 'UNAUTHORIZED');
  });

  it('cancels queued and running exports only', async () => {
    const queued = insertExport('Queued');
    const running = insertExport('InProgress');
    const cancelled = await t.caller.exports.cancel({ id: queued.id });
    expect(cancelled).toMatchObject({
      status: 'Cancelled',
      rowVersion: 2,
      modifiedBy: t.principal('editor').userId,
    });
    expect(cancelled.completedAt).toEqual(expect.any(String));
    expect((await t.as('admin').exports.cancel({ id: running.id })).status).toBe('Cancelled');

    const finals = (['Completed', 'Failed', 'Cancelled'] as const).map((s) => insertExport(s));
    const other = insertExport('Queued');
    const before = exportRows();
    for (const row of finals) {
      await expectError(
        t.caller.exports.cancel({ id: row.id }),
        'CONFLICT',
        new RegExp(`is ${row.status} and cannot become Cancelled; ${row.status} is final`),
      );
    }
    await expectError(t.caller.exports.cancel({ id: UNKNOWN_ID }), 'NOT_FOUND');
    await expectError(t.as('viewer').exports.cancel({ id: other.id }), 'FORBIDDEN');
    await expectError(t.anonymous.exports.cancel({ id: other.id }), 'UNAUTHORIZED');
    expect(exportRows()).toEqual(before);
  });

  it('retries a failed or cancelled export as a new queued row, leaving the old one alone', async () => {
    const input = file(path.join(media, 'clip.mp4'));
    const original = await t.caller.exports.enqueue({
      presetName: 'instagram-square',
      inputFile: input,
      outputFile: 'square',
    });
    transitionExport(t.db, original.id, 'InProgress');
    const failed = transitionExport(t.db, original.id, 'Failed', { errorMessage: 'boom' });

    const retry = await t.as('admin').exports.retry({ id: original.id });
    expect(retry.id).not.toBe(original.id);
    expect(retry).toMatchObject({
      status: 'Queued',
      progress: 0,
      inputFile: original.inputFile,
      outputFile: original.outputFile,
      presetName: 'instagram-square',
      platform: 'Instagram',
      resolution: '1080x1080',
      codec: 'h264/aac',
      errorMessage: null,
      startedAt: null,
      completedAt: null,
      createdBy: t.principal('admin').userId,
    });
    expect(await t.caller.exports.get({ id: original.id })).toEqual(failed);

    // The retry now owns the output: retrying the failed one again conflicts.
    await expectError(
      t.caller.exports.retry({ id: original.id }),
      'CONFLICT',
      /already the output/,
    );
    await t.caller.exports.cancel({ id: retry.id });
    const again = await t.caller.exports.retry({ id: retry.id });
    expect(again.status).toBe('Queued');
  });

  it('refuses to retry exports that are not Failed or Cancelled, or whose files changed', async () => {
    const input = file(path.join(media, 'clip.mp4'));
    const enqueue = async (outputFile: string) =>
      t.caller.exports.enqueue({ presetName: 'youtube-720p', inputFile: input, outputFile });
    const queued = await enqueue('q');
    const running = await enqueue('r');
    transitionExport(t.db, running.id, 'InProgress');
    const done = await enqueue('d');
    transitionExport(t.db, done.id, 'InProgress');
    transitionExport(t.db, done.id, 'Completed');
    const before = exportRows();
    for (const [row, status] of [
      [queued, 'Queued'],
      [running, 'InProgress'],
      [done, 'Completed'],
    ] as const) {
      await expectError(
        t.caller.exports.retry({ id: row.id }),
        'CONFLICT',
        new RegExp(`is ${status}; only a Failed or Cancelled export can be retried`),
      );
    }
    await expectError(t.caller.exports.retry({ id: UNKNOWN_ID }), 'NOT_FOUND');
    await expectError(t.as('viewer').exports.retry({ id: queued.id }), 'FORBIDDEN');
    await expectError(t.anonymous.exports.retry({ id: queued.id }), 'UNAUTHORIZED');
    expect(exportRows()).toEqual(before);

    // A half-written output left behind: retrying must not overwrite it.
    const partial = await enqueue('partial');
    transitionExport(t.db, partial.id, 'Cancelled');
    file(partial.outputFile);
    await expectError(
      t.caller.exports.retry({ id: partial.id }),
      'CONFLICT',
      /cannot be retried: outputFile partial\.mp4 already exists/,
    );
    // The input is gone.
    const lost = await enqueue('lost');
    transitionExport(t.db, lost.id, 'Cancelled');
    rmSync(input);
    await expectError(
      t.caller.exports.retry({ id: lost.id }),
      'CONFLICT',
      /cannot be retried: inputFile does not exist/,
    );
    file(input);
    // The output directory moved elsewhere since.
    t.db.$client
      .prepare('UPDATE SystemConfiguration SET OutputDirectory = ?')
      .run(path.join(t.dir, 'output2'));
    await expectError(t.caller.exports.retry({ id: lost.id }), 'CONFLICT', /output directory/);
    expect(exportRows().length).toBe(before.length + 2);
  });
});

describe('exports.list', () => {
  const minute = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString();

  function seedMany(count: number) {
    const rows = [];
    for (let i = 0; i < count; i++) {
      const row = insertExport(EXPORT_STATUSES[i % EXPORT_STATUSES.length]!);
      // Pairs share a CreatedAt: the Id breaks the tie.
      const createdAt = minute(Math.floor(i / 2));
      t.db.$client
        .prepare('UPDATE ExportHistory SET CreatedAt = ? WHERE Id = ?')
        .run(createdAt, row.id);
      rows.push({ ...row, createdAt });
    }
    return rows;
  }

  async function collect(input: Omit<ListInput, 'cursor'>) {
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let guard = 0; guard < 50; guard++) {
      const page: Awaited<ReturnType<typeof t.caller.exports.list>> = await t
        .as('viewer')
        .exports.list({ ...input, cursor });
      ids.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    return ids;
  }

  const newestFirst = (
    a: { createdAt: string; id: string },
    b: { createdAt: string; id: string },
  ) => (a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.id < b.id ? 1 : -1);

  it('pages newest first by status and date range (both ends inclusive)', async () => {
    const rows = seedMany(31);
    const cases: [Omit<ListInput, 'cursor'>, (r: (typeof rows)[number]) => boolean][] = [
      [{ limit: 4 }, () => true],
      [{ limit: 3, status: 'Failed' }, (r) => r.status === 'Failed'],
      [
        { limit: 4, createdFrom: minute(3), createdTo: minute(9) },
        (r) => r.createdAt >= minute(3) && r.createdAt <= minute(9),
      ],
      [
        { limit: 2, status: 'Queued', createdFrom: minute(5) },
        (r) => r.status === 'Queued' && r.createdAt >= minute(5),
      ],
      // Offsets are normalised to UTC: 01:07+01:00 is 00:07Z.
      [{ limit: 5, createdTo: '2026-01-01T01:07:00+01:00' }, (r) => r.createdAt <= minute(7)],
    ];
    for (const [input, keep] of cases) {
      const expected = rows
        .filter(keep)
        .sort(newestFirst)
        .map((r) => r.id);
      expect(expected.length, JSON.stringify(input)).toBeGreaterThan(0);
      expect(await collect(input), JSON.stringify(input)).toEqual(expected);
    }
    const page = await t.caller.exports.list({ limit: 31 });
    expect(page.items).toHaveLength(31);
    expect(page.nextCursor).toBeNull();
  });

  it('rejects bad input naming the field', async () => {
    await expectBadRequest(t.caller.exports.list({ limit: 0 }), 'limit');
    await expectBadRequest(t.caller.exports.list({ status: 'Done' as never }), 'status');
    await expectBadRequest(t.caller.exports.list({ createdFrom: 'yesterday' }), 'createdFrom');
    await expectBadRequest(
      t.caller.exports.list({ createdFrom: minute(5), createdTo: minute(4) }),
      'createdTo',
    );
    await expectBadRequest(t.caller.exports.list({ cursor: 'x' }), 'cursor');
    await expectError(t.anonymous.exports.list(), 'UNAUTHORIZED');
  });

  it('is served by an index, never a full scan', () => {
    seedMany(20);
    const cursor = listExports(t.db, exportListInput.parse({ limit: 5 })).nextCursor;
    expect(cursor).toEqual(expect.any(String));
    for (const input of [
      {},
      { status: 'Queued' },
      { cursor },
      { status: 'Failed', cursor },
      { createdFrom: minute(1), createdTo: minute(8) },
      { status: 'Completed', createdFrom: minute(1) },
    ] as ListInput[]) {
      const { sql, params } = buildExportListQuery(t.db, exportListInput.parse(input)).toSQL();
      const details = (
        t.db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as {
          detail: string;
        }[]
      )
        .map((row) => row.detail)
        .join('\n');
      expect(details, JSON.stringify(input)).not.toMatch(/^SCAN ExportHistory$/m);
      expect(details, JSON.stringify(input)).toMatch(/USING (COVERING )?INDEX IX_ExportHistory_/);
    }
  });
});

describe('transitionExport', () => {
  const allowed = new Set([
    'Queued>InProgress',
    'Queued>Cancelled',
    'InProgress>Completed',
    'InProgress>Failed',
    'InProgress>Cancelled',
  ]);

  it('allows exactly the forward moves of the status machine', () => {
    expect(
      Object.entries(EXPORT_TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from}>${to}`)),
    ).toEqual([...allowed]);
    for (const from of EXPORT_STATUSES) {
      for (const to of EXPORT_STATUSES) {
        const row = insertExport(from);
        const before = exportRow(row.id);
        const move = () => transitionExport(t.db, row.id, to, {}, 'worker-1');
        if (allowed.has(`${from}>${to}`)) {
          const moved = move();
          expect(moved, `${from}>${to}`).toMatchObject({
            status: to,
            rowVersion: 2,
            modifiedBy: 'worker-1',
          });
        } else {
          expect(move, `${from}>${to}`).toThrow(StateError);
          try {
            move();
          } catch (error) {
            expect(toTRPCError(error)?.code).toBe('CONFLICT');
            expect((error as Error).message).toContain(`is ${from} and cannot become ${to}`);
          }
          expect(exportRow(row.id), `${from}>${to}`).toEqual(before);
        }
      }
    }
  });

  it('records start, end, progress, size, duration and the error', () => {
    const row = insertExport('Queued');
    const started = transitionExport(t.db, row.id, 'InProgress');
    expect(started.startedAt).toEqual(expect.any(String));
    expect(started).toMatchObject({ progress: 0, completedAt: null, modifiedBy: 'worker' });
    expect(reportExportProgress(t.db, row.id, 42.5).progress).toBe(42.5);
    const done = transitionExport(t.db, row.id, 'Completed', {
      fileSize: 1234,
      durationSeconds: 12.5,
    });
    expect(done).toMatchObject({
      progress: 100,
      fileSize: 1234,
      durationSeconds: 12.5,
      rowVersion: 4,
    });
    expect(done.completedAt! >= done.startedAt!).toBe(true);

    const failing = insertExport('InProgress');
    expect(transitionExport(t.db, failing.id, 'Failed').errorMessage).toBe('Export failed');
    const failing2 = insertExport('InProgress');
    expect(
      transitionExport(t.db, failing2.id, 'Failed', { errorMessage: 'ffmpeg exited with 1' }),
    ).toMatchObject({ errorMessage: 'ffmpeg exited with 1', status: 'Failed' });
  });

  it('rejects bad fields, unknown ids and progress outside a run, changing nothing', () => {
    const row = insertExport('InProgress');
    const before = exportRow(row.id);
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return toTRPCError(error)?.code ?? (error as Error).constructor.name;
      }
      return 'no error';
    };
    expect(code(() => transitionExport(t.db, row.id, 'Completed', { progress: 150 }))).toBe(
      'BAD_REQUEST',
    );
    expect(code(() => transitionExport(t.db, row.id, 'Completed', { fileSize: -1 }))).toBe(
      'BAD_REQUEST',
    );
    expect(code(() => transitionExport(t.db, row.id, 'Done' as ExportStatus))).toBe('BAD_REQUEST');
    expect(code(() => reportExportProgress(t.db, row.id, -1))).toBe('BAD_REQUEST');
    expect(exportRow(row.id)).toEqual(before);
    expect(() => transitionExport(t.db, 'missing', 'Cancelled')).toThrow(NotFoundError);
    const queued = insertExport('Queued');
    expect(code(() => reportExportProgress(t.db, queued.id, 10))).toBe('CONFLICT');
  });
});
