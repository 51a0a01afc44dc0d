import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidInputError, seedDatabase, workspaceRoot } from '@aura/db';
import { TRPCError } from '@trpc/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RouterInputs } from '../src/root';
import { updateSystemConfiguration } from '../src/system/service';
import { openTestDb, type TestDb } from './helpers';

type UpdateInput = RouterInputs['system']['update'];

const FFMPEG = '/usr/bin/ffmpeg';

let t: TestDb;
let initialOutput: string;
beforeEach(() => {
  t = openTestDb();
  initialOutput = path.join(t.dir, 'output');
  seedDatabase(t.db, { outputDirectory: initialOutput });
});
afterEach(() => t.close());

const row = () =>
  t.db.$client.prepare('SELECT * FROM SystemConfiguration').get() as Record<string, unknown>;

/** An executable shell script in the test directory. */
function script(name: string, body: string, mode = 0o755): string {
  const file = path.join(t.dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, mode);
  return file;
}

async function failure(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

/** BAD_REQUEST on `field` (message and zod field errors), with nothing changed. */
async function expectBadRequest(input: UpdateInput, field: string, message?: RegExp) {
  const before = row();
  const error = await failure(t.as('admin').system.update(input));
  expect(error.code).toBe('BAD_REQUEST');
  const cause = error.cause as { flatten?: () => { fieldErrors: Record<string, string[]> } };
  expect(Object.keys(cause.flatten!().fieldErrors)).toContain(field);
  if (message) expect(error.message).toMatch(message);
  expect(row()).toEqual(before);
  return error;
}

describe('system.get', () => {
  it('returns the single row to any signed-in user', async () => {
    for (const role of ['viewer', 'editor', 'admin'] as const) {
      expect(await t.as(role).system.get()).toMatchObject({
        id: 1,
        isSetupComplete: false,
        ffmpegPath: null,
        outputDirectory: initialOutput,
        rowVersion: 1,
      });
    }
  });

  it('UNAUTHORIZED for anonymous callers; NOT_FOUND on an unseeded database', async () => {
    expect((await failure(t.anonymous.system.get())).code).toBe('UNAUTHORIZED');
    t.db.$client.exec('DELETE FROM SystemConfiguration');
    expect((await failure(t.as('viewer').system.get())).code).toBe('NOT_FOUND');
  });
});

describe('system.update', () => {
  it('admin only: editors and viewers FORBIDDEN, anonymous UNAUTHORIZED, nothing changed', async () => {
    const before = row();
    for (const caller of [t.as('editor'), t.as('viewer')]) {
      expect(
        (await failure(caller.system.update({ rowVersion: 1, ffmpegPath: FFMPEG }))).code,
      ).toBe('FORBIDDEN');
    }
    expect(
      (await failure(t.anonymous.system.update({ rowVersion: 1, ffmpegPath: FFMPEG }))).code,
    ).toBe('UNAUTHORIZED');
    expect(row()).toEqual(before);
  });

  it('accepts the real FFmpeg and a creatable output directory; bumps RowVersion, stamps ModifiedBy', async () => {
    const output = path.join(t.dir, 'exports', 'nested', 'deep');
    const updated = await t.as('admin').system.update({
      rowVersion: 1,
      ffmpegPath: FFMPEG,
      outputDirectory: output,
    });
    expect(updated).toMatchObject({
      ffmpegPath: FFMPEG,
      outputDirectory: output,
      rowVersion: 2,
      modifiedBy: t.principal('admin').userId,
      isSetupComplete: false,
    });
    expect(existsSync(output)).toBe(true);
    // The write probe was cleaned up.
    expect(readdirSync(output)).toEqual([]);
    expect(await t.as('viewer').system.get()).toEqual(updated);
    // null clears the FFmpeg path; omitted fields stay.
    const cleared = await t.as('admin').system.update({ rowVersion: 2, ffmpegPath: null });
    expect(cleared).toMatchObject({ ffmpegPath: null, outputDirectory: output, rowVersion: 3 });
  });

  it('resolves a bare command name on PATH; an output directory must be absolute', async () => {
    const relative = path.relative(workspaceRoot(), path.join(t.dir, 'rel-out'));
    await expectBadRequest(
      { rowVersion: 1, outputDirectory: relative },
      'outputDirectory',
      /must be an absolute path/,
    );
    expect(existsSync(path.join(t.dir, 'rel-out'))).toBe(false);
    const updated = await t.as('admin').system.update({
      rowVersion: 1,
      ffmpegPath: 'ffmpeg',
      outputDirectory: path.join(t.dir, 'abs-out'),
    });
    expect(path.isAbsolute(updated.ffmpegPath!)).toBe(true);
    expect(path.basename(updated.ffmpegPath!)).toBe('ffmpeg');
    expect(updated.outputDirectory).toBe(path.join(t.dir, 'abs-out'));
    expect(existsSync(path.join(t.dir, 'abs-out'))).toBe(true);
  });

  describe('ffmpegPath must be an executable FFmpeg', () => {
    it('refuses a program that is not FFmpeg, quoting what it printed', async () => {
      const fake = script('fake-ffmpeg', 'echo "Hello from a fake encoder"');
      await expectBadRequest(
        { rowVersion: 1, ffmpegPath: fake },
        'ffmpegPath',
        /^ffmpegPath: .*fake-ffmpeg is not FFmpeg: `-version` printed "Hello from a fake encoder"/,
      );
      const silent = script('silent', 'exit 0');
      await expectBadRequest(
        { rowVersion: 1, ffmpegPath: silent },
        'ffmpegPath',
        /printed nothing/,
      );
    });

    it('refuses a file without execute permission', async () => {
      const plain = script('not-executable', 'echo "ffmpeg version 6"', 0o644);
      await expectBadRequest(
        { rowVersion: 1, ffmpegPath: plain },
        'ffmpegPath',
        /is not executable/,
      );
    });

    it('refuses a missing file, a directory, a relative path and an unknown command', async () => {
      await expectBadRequest(
        { rowVersion: 1, ffmpegPath: path.join(t.dir, 'missing') },
        'ffmpegPath',
        /cannot be read: a parent does not exist \(ENOENT\)|cannot be read: .*ENOENT/,
      );
      await expectBadRequest({ rowVersion: 1, ffmpegPath: t.dir }, 'ffmpegPath', /is a directory/);
      await expectBadRequest(
        { rowVersion: 1, ffmpegPath: 'bin/ffmpeg' },
        'ffmpegPath',
        /absolute path/,
      );
      await expectBadRequest(
        { rowVersion: 1, ffmpegPath: 'no-such-ffmpeg-here' },
        'ffmpegPath',
        /not found on PATH/,
      );
      await expectBadRequest({ rowVersion: 1, ffmpegPath: '  ' }, 'ffmpegPath');
    });

    it('refuses a program that fails or hangs on -version', async () => {
      const failing = script('failing', 'echo "ffmpeg version 6" ; exit 3');
      await expectBadRequest(
        { rowVersion: 1, ffmpegPath: failing },
        'ffmpegPath',
        /exited with code 3/,
      );
      // exec: the shell becomes sleep, so the timeout's kill reaches the process holding the pipe.
      const hanging = script('hanging', 'exec sleep 5');
      const before = row();
      let error: unknown;
      try {
        updateSystemConfiguration(
          t.db,
          'tester',
          { rowVersion: 1, ffmpegPath: hanging },
          { ffmpegTimeoutMs: 300 },
        );
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe('ffmpegPath');
      expect((error as InvalidInputError).message).toMatch(/did not finish within 300 ms/);
      expect(row()).toEqual(before);
    });
  });

  describe('outputDirectory must be creatable and writable', () => {
    it('refuses a path that is a file, or lies under a file', async () => {
      const file = path.join(t.dir, 'a-file');
      writeFileSync(file, 'x');
      await expectBadRequest(
        { rowVersion: 1, outputDirectory: file },
        'outputDirectory',
        /exists and is not a directory/,
      );
      await expectBadRequest(
        { rowVersion: 1, outputDirectory: path.join(file, 'sub') },
        'outputDirectory',
        /cannot be (created|read): .*ENOTDIR/,
      );
    });

    it('refuses a place where nothing can be created', async () => {
      await expectBadRequest(
        { rowVersion: 1, outputDirectory: '/proc/aura-output-test' },
        'outputDirectory',
        /cannot be created/,
      );
      // Exists but is not writable.
      await expectBadRequest(
        { rowVersion: 1, outputDirectory: '/proc' },
        'outputDirectory',
        /is not writable/,
      );
    });

    it.skipIf(process.getuid?.() === 0)(
      'refuses a read-only directory (non-root only)',
      async () => {
        const readOnly = path.join(t.dir, 'read-only');
        mkdirSync(readOnly, { mode: 0o555 });
        await expectBadRequest(
          { rowVersion: 1, outputDirectory: readOnly },
          'outputDirectory',
          /not writable/,
        );
        await expectBadRequest(
          { rowVersion: 1, outputDirectory: path.join(readOnly, 'child') },
          'outputDirectory',
          /cannot be created/,
        );
      },
    );

    it('refuses an empty path (schema)', async () => {
      await expectBadRequest({ rowVersion: 1, outputDirectory: '' }, 'outputDirectory');
    });
  });

  it('CONFLICT on a stale rowVersion before touching the disk; nothing changed, nothing created', async () => {
    await t.as('admin').system.update({ rowVersion: 1, ffmpegPath: FFMPEG });
    const before = row();
    const target = path.join(t.dir, 'should-not-exist');
    const error = await failure(
      t.as('admin').system.update({ rowVersion: 1, outputDirectory: target, ffmpegPath: null }),
    );
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toMatch(/you read version 1, it is now 2/);
    expect(row()).toEqual(before);
    expect(existsSync(target)).toBe(false);
  });

  it('does not leave a created directory behind when the FFmpeg check fails', async () => {
    const target = path.join(t.dir, 'new-out');
    const fake = script('fake', 'echo nope');
    await expectBadRequest(
      { rowVersion: 1, outputDirectory: target, ffmpegPath: fake },
      'ffmpegPath',
    );
    expect(existsSync(target)).toBe(false);
  });

  it('BAD_REQUEST without rowVersion', async () => {
    await expectBadRequest({ ffmpegPath: FFMPEG } as UpdateInput, 'rowVersion');
  });
});
