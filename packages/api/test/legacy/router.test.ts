import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TRPCError } from '@trpc/server';
import { projectStates } from '@aura/db';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PATH_MAX } from '../../src/limits';
import { openTestDb, type TestDb } from '../helpers';
import { makeLegacyDb } from './fixture';

/** legacy.import: admins only, the path through the media guard, every input bounded. */

let work: string;
let media: string;
let file: string;
let t: TestDb;
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'aura-legacy-router-'));
  media = path.join(work, 'media');
  mkdirSync(media);
  file = makeLegacyDb(media, { seed: 31, journalMode: 'delete' });
  t = openTestDb();
  vi.stubEnv('AURA_MEDIA_ROOTS', media);
  vi.stubEnv('AURA_DATA_DIR', t.dir);
});
afterAll(() => {
  vi.unstubAllEnvs();
  t.close();
  rmSync(work, { recursive: true, force: true });
});

async function codeOf(call: Promise<unknown>): Promise<string | null> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  if (error === null) return null;
  expect(error).toBeInstanceOf(TRPCError);
  return (error as TRPCError).code;
}

const projects = () => t.db.select().from(projectStates).all().length;

describe('legacy.import', () => {
  it('is for admins only', async () => {
    expect(await codeOf(t.anonymous.legacy.import({ path: file, dryRun: true }))).toBe(
      'UNAUTHORIZED',
    );
    for (const role of ['viewer', 'editor'] as const) {
      expect(await codeOf(t.as(role).legacy.import({ path: file, dryRun: false }))).toBe(
        'FORBIDDEN',
      );
    }
    expect(projects()).toBe(0);
  });

  it('takes only a file inside a media root that is not one of the service files', async () => {
    const outside = makeLegacyDb(work, { seed: 32, journalMode: 'delete' });
    const admin = t.as('admin');
    for (const bad of [outside, t.file, `${media}/../${path.basename(outside)}`, 'relative.db']) {
      expect(await codeOf(admin.legacy.import({ path: bad, dryRun: false })), bad).toBe(
        'BAD_REQUEST',
      );
    }
    expect(
      await codeOf(admin.legacy.import({ path: 'x'.repeat(PATH_MAX + 1), dryRun: true })),
    ).toBe('BAD_REQUEST');
    expect(
      await codeOf(
        admin.legacy.import({ path: file, dryRun: true, ownerEmail: 'x'.repeat(300) + '@a.b' }),
      ),
    ).toBe('BAD_REQUEST');
    expect(
      await codeOf(
        admin.legacy.import({ path: file, dryRun: true, ownerEmail: 'nobody@test.local' }),
      ),
    ).toBe('NOT_FOUND');
    expect(projects()).toBe(0);
  });

  it('refuses a file that is not a .NET Aura database', async () => {
    const other = path.join(media, 'notes.db');
    writeFileSync(other, 'not a database at all\n'.repeat(20));
    expect(await codeOf(t.as('admin').legacy.import({ path: other, dryRun: false }))).toBe(
      'PRECONDITION_FAILED',
    );
  });

  it('dry run first, then the import, both returning the report', async () => {
    const admin = t.as('admin');
    const dry = await admin.legacy.import({ path: file, dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(projects()).toBe(0);
    const editor = t.principal('editor');
    const real = await admin.legacy.import({
      path: file,
      dryRun: false,
      ownerEmail: editor.email.toUpperCase(),
    });
    expect(real.dryRun).toBe(false);
    expect(real.owner.id).toBe(editor.userId);
    expect(real.importedRows).toBe(dry.importedRows);
    expect(projects()).toBe(real.tables.find((r) => r.legacyTable === 'ProjectStates')?.imported);
    const owned = t.db.select().from(projectStates).all();
    expect(owned.every((p) => p.createdBy === editor.userId)).toBe(true);
    const again = await admin.legacy.import({ path: file, dryRun: false });
    expect(again.nothingNew).toBe(true);
  });
});
