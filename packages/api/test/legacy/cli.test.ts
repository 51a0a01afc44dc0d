import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InvalidInputError } from '@aura/db';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { LegacyUsageError, parseImportLegacyArgs, runImportLegacy } from '../../src/legacy/cli';
import { openTestDb, type TestDb } from '../helpers';
import { makeLegacyDb } from './fixture';

/** `pnpm aura import:legacy`: its arguments, the owner it picks, the report it writes. */

let work: string;
let t: TestDb;
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'aura-legacy-cli-'));
  t = openTestDb();
  vi.stubEnv('AURA_DB_PATH', t.file);
  vi.stubEnv('AURA_DATA_DIR', t.dir);
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterAll(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  t.close();
  rmSync(work, { recursive: true, force: true });
});

describe('import:legacy arguments', () => {
  it('takes one file and the options in any order', () => {
    expect(parseImportLegacyArgs(['a.db'])).toEqual({
      file: 'a.db',
      dryRun: false,
      reportFile: null,
      ownerEmail: null,
    });
    expect(
      parseImportLegacyArgs(['--report', 'r.json', 'a.db', '--dry-run', '--owner', 'x@y.z']),
    ).toEqual({ file: 'a.db', dryRun: true, reportFile: 'r.json', ownerEmail: 'x@y.z' });
  });

  it('refuses what it does not understand', () => {
    for (const args of [[], ['a.db', 'b.db'], ['a.db', '--force'], ['a.db', '--report']]) {
      expect(() => parseImportLegacyArgs(args), args.join(' ')).toThrow(LegacyUsageError);
    }
  });
});

describe('import:legacy', () => {
  it('needs --owner when the only admin is not obvious', async () => {
    const file = makeLegacyDb(work, { seed: 41, journalMode: 'delete' });
    await expect(
      runImportLegacy(t.db, { file, dryRun: true, reportFile: null, ownerEmail: null }),
    ).rejects.toThrow(InvalidInputError);
  });

  it('refuses the service database as the legacy file', async () => {
    expect(
      await runImportLegacy(t.db, {
        file: t.file,
        dryRun: true,
        reportFile: null,
        ownerEmail: null,
      }),
    ).toBe(1);
  });

  it('imports for the only admin and writes the JSON report', async () => {
    const admin = t.principal('admin');
    const file = makeLegacyDb(work, { seed: 43, journalMode: 'wal' });
    const reportFile = path.join(work, 'report.json');
    expect(await runImportLegacy(t.db, { file, dryRun: false, reportFile, ownerEmail: null })).toBe(
      0,
    );
    const report = z
      .object({
        owner: z.object({ id: z.string() }),
        dryRun: z.boolean(),
        importedRows: z.number(),
        tables: z.array(z.object({ legacyTable: z.string(), imported: z.number() })),
      })
      .parse(JSON.parse(readFileSync(reportFile, 'utf8')));
    expect(report.owner.id).toBe(admin.userId);
    expect(report.dryRun).toBe(false);
    expect(report.importedRows).toBeGreaterThan(100);
    expect(readFileSync(reportFile, 'utf8')).not.toContain('legacyFixtureNotAKey');
  });
});
