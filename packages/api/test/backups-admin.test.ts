import { mkdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { backupRuns, configurations } from '@aura/db';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backupDownload } from '../src/maintenance/backup-admin';
import { openTestDb, rejectionHelpers, UNKNOWN_ID, type TestDb } from './helpers';

let t: TestDb;
afterEach(() => {
  vi.unstubAllEnvs();
  t.close();
});

describe('backups: schedule, restore steps, download', () => {
  it('an admin changes interval and keep count; others are refused; bad values change nothing', async () => {
    t = openTestDb();
    const admin = t.as('admin');
    const before = await t.as('viewer').backups.settings();
    expect(before).toMatchObject({ intervalHours: 6, keep: 10 });
    const { rejects, rejectsField } = rejectionHelpers(() =>
      t.db.select().from(configurations).all(),
    );
    await rejects(() => t.as('editor').backups.setSchedule({ keep: 3 }), 'FORBIDDEN');
    await rejects(() => t.anonymous.backups.setSchedule({ keep: 3 }), 'UNAUTHORIZED');
    await rejectsField(
      () =>
        admin.backups.setSchedule({
          intervalHours: 6,
          intervalRowVersion: before.intervalRowVersion ?? undefined,
          keep: 0,
          keepRowVersion: before.keepRowVersion ?? undefined,
        }),
      'keep',
    );
    await rejectsField(() => admin.backups.setSchedule({ intervalHours: 10_000 }), 'intervalHours');
    await rejectsField(() => admin.backups.setSchedule({}), 'intervalHours');

    const after = await admin.backups.setSchedule({
      intervalHours: 12,
      intervalRowVersion: before.intervalRowVersion ?? undefined,
      keep: 3,
      keepRowVersion: before.keepRowVersion ?? undefined,
    });
    expect(after).toMatchObject({ intervalHours: 12, keep: 3 });
    expect((await admin.backups.schedule()).intervalHours).toBe(12);
    const again = await admin.backups.setSchedule({
      keep: 4,
      keepRowVersion: after.keepRowVersion ?? undefined,
    });
    expect(again.keep).toBe(4);
    // The RowVersion read before that change is stale now.
    await rejects(
      () => admin.backups.setSchedule({ keep: 5, keepRowVersion: after.keepRowVersion ?? 1 }),
      'CONFLICT',
    );
  });

  it('restore steps name this installation and say the server must be stopped; admins only', async () => {
    t = openTestDb();
    vi.stubEnv('AURA_BACKUP_DIR', path.join(t.dir, 'backups'));
    const steps = await t.as('admin').backups.restoreSteps();
    expect(steps.databasePath).toBe(t.file);
    expect(steps.backupDirectory).toBe(path.join(t.dir, 'backups'));
    expect(steps.steps[0]!.text).toMatch(/stopped/);
    expect(steps.steps.map((s) => s.command).join('\n')).toContain(
      `AURA_DB_PATH="${t.file}" pnpm db:restore`,
    );
    await expect(t.as('editor').backups.restoreSteps()).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('serves only the file of a recorded, successful run inside the backup folder', async () => {
    t = openTestDb();
    const dir = path.join(t.dir, 'backups');
    vi.stubEnv('AURA_BACKUP_DIR', dir);
    const run = await t.as('admin').backups.run();
    expect(run.status).toBe('Succeeded');
    const download = backupDownload(t.db, run.id);
    expect(download).toMatchObject({ name: path.basename(run.file!), sizeBytes: run.sizeBytes });
    expect(path.dirname(download.path)).toBe(dir);

    expect(() => backupDownload(t.db, UNKNOWN_ID)).toThrow(/not found/i);
    // A row pointing outside the folder (written by hand) is refused.
    const outside = path.join(t.dir, 'elsewhere.db');
    writeFileSync(outside, 'x');
    t.db.update(backupRuns).set({ file: outside }).run();
    expect(() => backupDownload(t.db, run.id)).toThrow(/not in the backup folder/);
    // So is a link inside the folder that leads out.
    const link = path.join(dir, 'link.db');
    symlinkSync(outside, link);
    t.db.update(backupRuns).set({ file: link }).run();
    expect(() => backupDownload(t.db, run.id)).toThrow(/not in the backup folder/);
    unlinkSync(link);
    expect(() => backupDownload(t.db, run.id)).toThrow(/gone/);
    t.db.update(backupRuns).set({ status: 'Failed', file: null }).run();
    expect(() => backupDownload(t.db, run.id)).toThrow(/failed/);
    mkdirSync(path.join(dir, 'sub'), { recursive: true });
  });
});
