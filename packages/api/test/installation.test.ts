import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { INITIAL_ADMIN_FILE } from '../src/auth/service';
import { completeInstallation, installationStatus } from '../src/setup/installation';
import { insertProject, openTestDb, rejectionHelpers, TEST_PASSWORD, type TestDb } from './helpers';
import { projectStates, seedDatabase, systemConfiguration } from '@aura/db';
import { eq } from 'drizzle-orm';

let t: TestDb;
afterEach(() => {
  vi.unstubAllEnvs();
  t.close();
});

describe('installation setup', () => {
  it('is refused while the generated password is in use, then completes once; admins only', async () => {
    t = openTestDb();
    vi.stubEnv('AURA_DATA_DIR', t.dir);
    seedDatabase(t.db, { outputDirectory: path.join(t.dir, 'out') });
    const admin = t.principal('admin');
    // The first start's credentials file, naming this admin and its (test) password.
    writeFileSync(
      path.join(t.dir, INITIAL_ADMIN_FILE),
      `email:    ${admin.email}\npassword: ${TEST_PASSWORD}\n`,
    );
    const viewerView = await t.as('viewer').setup.installation();
    expect(viewerView).toEqual({ isSetupComplete: false, details: null });
    const status = await t.as('admin').setup.installation();
    expect(status.details).toMatchObject({ generatedPasswordInUse: true });
    const { rejects, rejectsField } = rejectionHelpers(() =>
      t.db.select().from(systemConfiguration).all(),
    );
    const rowVersion = status.details!.rowVersion;
    await rejects(
      () => t.as('admin').setup.completeInstallation({ rowVersion }),
      'PRECONDITION_FAILED',
    );
    await rejects(() => t.as('editor').setup.completeInstallation({ rowVersion }), 'FORBIDDEN');
    await rejects(() => t.anonymous.setup.completeInstallation({ rowVersion }), 'UNAUTHORIZED');

    // Once the password no longer matches the file, the wizard can finish.
    const options = { dataDir: t.dir };
    writeFileSync(
      path.join(t.dir, INITIAL_ADMIN_FILE),
      `email:    ${admin.email}\npassword: other-one\n`,
    );
    expect((await installationStatus(t.db, admin, options)).details?.generatedPasswordInUse).toBe(
      false,
    );
    await rejectsField(
      () =>
        t.as('admin').setup.completeInstallation({
          rowVersion,
          outputDirectory: path.join(t.dir, 'aura.db'),
        }),
      'outputDirectory',
    );
    const output = path.join(t.dir, 'renders');
    const done = await completeInstallation(
      t.db,
      admin,
      admin.userId,
      { rowVersion, outputDirectory: output },
      options,
    );
    expect(done).toMatchObject({ isSetupComplete: true, details: { outputDirectory: output } });
    expect((await t.as('viewer').setup.installation()).isSetupComplete).toBe(true);
    await rejects(
      () => t.as('admin').setup.completeInstallation({ rowVersion: done.details!.rowVersion }),
      'CONFLICT',
    );
  });
});

describe('recovery.markFailed', () => {
  it('fails an interrupted project (editors), says how long it was stuck, refuses a finished one', async () => {
    t = openTestDb();
    const stuck = insertProject(
      t.db,
      { title: 'Stuck' },
      { updatedAt: new Date(Date.now() - 90 * 60_000).toISOString() },
    );
    const list = await t.as('viewer').recovery.list({ staleMinutes: 30 });
    expect(list.items.map((p) => [p.title, p.stuckMinutes])).toEqual([['Stuck', 90]]);
    const { rejects } = rejectionHelpers(() => t.db.select().from(projectStates).all());
    const key = { id: stuck.id, rowVersion: list.items[0]!.rowVersion };
    await rejects(() => t.as('viewer').recovery.markFailed(key), 'FORBIDDEN');
    await rejects(
      () => t.caller.recovery.markFailed({ ...key, reason: 'x'.repeat(20_000) }),
      'BAD_REQUEST',
    );
    const failed = await t.caller.recovery.markFailed(key);
    expect(failed).toMatchObject({ status: 'Failed' });
    const row = t.db.select().from(projectStates).where(eq(projectStates.id, stuck.id)).get()!;
    expect(row.errorMessage).toMatch(/interrupted/);
    expect((await t.as('viewer').recovery.list({ staleMinutes: 30 })).items).toEqual([]);
    await rejects(
      () => t.caller.recovery.markFailed({ id: stuck.id, rowVersion: row.rowVersion }),
      'CONFLICT',
    );
  });
});
