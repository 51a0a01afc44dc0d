import path from 'node:path';
import { seedDatabase } from '@aura/db';
import { TRPCError } from '@trpc/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RouterInputs } from '../src/root';
import { UNKNOWN_ID, openTestDb, type TestDb } from './helpers';

type SaveInput = RouterInputs['setup']['saveProgress'];

let t: TestDb;
beforeEach(() => {
  t = openTestDb();
  seedDatabase(t.db, { outputDirectory: path.join(t.dir, 'output') });
});
afterEach(() => {
  t.close();
  vi.restoreAllMocks();
});

const setups = () => t.db.$client.prepare('SELECT * FROM UserSetups ORDER BY Id').all();
const system = () =>
  t.db.$client.prepare('SELECT * FROM SystemConfiguration').get() as Record<string, unknown>;
const snapshot = () => ({ setups: setups(), system: system() });

async function failure(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

async function expectCode(call: () => Promise<unknown>, code: TRPCError['code']) {
  const before = snapshot();
  const error = await failure(call());
  expect(error.code).toBe(code);
  expect(snapshot()).toEqual(before);
  return error;
}

async function expectBadRequest(call: () => Promise<unknown>, field: string) {
  const error = await expectCode(call, 'BAD_REQUEST');
  const cause = error.cause as { flatten?: () => { fieldErrors: Record<string, string[]> } };
  expect(Object.keys(cause.flatten!().fieldErrors)).toContain(field);
  return error;
}

describe('setup.status', () => {
  it('is "not started" before the first save, for the caller', async () => {
    const viewer = t.principal('viewer');
    expect(await t.as('viewer').setup.status()).toEqual({
      id: null,
      userId: viewer.userId,
      completed: false,
      completedAt: null,
      version: null,
      lastStep: 0,
      selectedTier: null,
      wizardState: null,
      createdAt: null,
      updatedAt: null,
      createdBy: null,
      modifiedBy: null,
      rowVersion: null,
      started: false,
    });
  });

  it("another user's setup: admin only (FORBIDDEN otherwise), NOT_FOUND for an unknown user", async () => {
    const editor = t.principal('editor');
    await t.as('editor').setup.saveProgress({ lastStep: 2, wizardState: { a: 1 } });
    const asAdmin = await t.as('admin').setup.status({ userId: editor.userId });
    expect(asAdmin).toMatchObject({
      userId: editor.userId,
      lastStep: 2,
      wizardState: { a: 1 },
      started: true,
    });
    await expectCode(() => t.as('viewer').setup.status({ userId: editor.userId }), 'FORBIDDEN');
    await expectCode(() => t.as('admin').setup.status({ userId: UNKNOWN_ID }), 'NOT_FOUND');
    // Naming oneself is fine for anyone.
    expect((await t.as('editor').setup.status({ userId: editor.userId })).lastStep).toBe(2);
  });

  it('anonymous callers are UNAUTHORIZED on every procedure', async () => {
    await expectCode(() => t.anonymous.setup.status(), 'UNAUTHORIZED');
    await expectCode(() => t.anonymous.setup.saveProgress({ lastStep: 1 }), 'UNAUTHORIZED');
    await expectCode(() => t.anonymous.setup.complete({}), 'UNAUTHORIZED');
    await expectCode(
      () => t.anonymous.setup.reset({ keepState: true, rowVersion: 1 }),
      'UNAUTHORIZED',
    );
  });
});

describe('setup.saveProgress', () => {
  it('viewers save their own progress: first save creates the row, later ones need rowVersion', async () => {
    const viewer = t.principal('viewer');
    const first = await t.as('viewer').setup.saveProgress({
      lastStep: 1,
      wizardState: { language: 'en', steps: [1, 2], nested: { ok: true } },
      selectedTier: 'Free',
      version: '2.0',
    });
    expect(first).toMatchObject({
      userId: viewer.userId,
      lastStep: 1,
      wizardState: { language: 'en', steps: [1, 2], nested: { ok: true } },
      selectedTier: 'Free',
      version: '2.0',
      completed: false,
      rowVersion: 1,
      createdBy: viewer.userId,
      modifiedBy: viewer.userId,
      started: true,
    });
    expect(await t.as('viewer').setup.status()).toEqual(first);
    const raw = setups()[0] as Record<string, unknown>;
    expect(raw.WizardState).toBe('{"language":"en","steps":[1,2],"nested":{"ok":true}}');

    // Omitted fields are kept, null clears.
    const second = await t
      .as('viewer')
      .setup.saveProgress({ lastStep: 3, selectedTier: null, rowVersion: 1 });
    expect(second).toMatchObject({
      lastStep: 3,
      selectedTier: null,
      version: '2.0',
      wizardState: { language: 'en', steps: [1, 2], nested: { ok: true } },
      rowVersion: 2,
    });
    const cleared = await t
      .as('viewer')
      .setup.saveProgress({ lastStep: 3, wizardState: null, rowVersion: 2 });
    expect(cleared.wizardState).toBeNull();
  });

  it('CONFLICT without rowVersion once saved, or with a stale one; NOT_FOUND with one before', async () => {
    await expectCode(
      () => t.as('editor').setup.saveProgress({ lastStep: 1, rowVersion: 1 }),
      'NOT_FOUND',
    );
    await t.as('editor').setup.saveProgress({ lastStep: 1 });
    await t.as('editor').setup.saveProgress({ lastStep: 2, rowVersion: 1 });
    const missing = await expectCode(
      () => t.as('editor').setup.saveProgress({ lastStep: 5 }),
      'CONFLICT',
    );
    expect(missing.message).toMatch(/rowVersion/);
    const stale = await expectCode(
      () => t.as('editor').setup.saveProgress({ lastStep: 5, rowVersion: 1 }),
      'CONFLICT',
    );
    expect(stale.message).toMatch(/you read version 1, it is now 2/);
  });

  it('rejects bad input with the field named, changing nothing', async () => {
    await t.as('editor').setup.saveProgress({ lastStep: 1 });
    const bad: [unknown, string][] = [
      [{ lastStep: -1, rowVersion: 1 }, 'lastStep'],
      [{ lastStep: 1.5, rowVersion: 1 }, 'lastStep'],
      [{ rowVersion: 1 }, 'lastStep'],
      [{ lastStep: 1, wizardState: [1, 2], rowVersion: 1 }, 'wizardState'],
      [{ lastStep: 1, wizardState: 'state', rowVersion: 1 }, 'wizardState'],
      [{ lastStep: 1, wizardState: { when: new Date() }, rowVersion: 1 }, 'wizardState'],
      [{ lastStep: 1, wizardState: { big: 'x'.repeat(300_000) }, rowVersion: 1 }, 'wizardState'],
      [{ lastStep: 1, selectedTier: '', rowVersion: 1 }, 'selectedTier'],
      [{ lastStep: 1, rowVersion: 0 }, 'rowVersion'],
    ];
    for (const [input, field] of bad) {
      await expectBadRequest(() => t.as('editor').setup.saveProgress(input as SaveInput), field);
    }
  });

  it("admins save another user's progress (UserId is that user's, ModifiedBy the admin's); others may not", async () => {
    const viewer = t.principal('viewer');
    const admin = t.principal('admin');
    const saved = await t.as('admin').setup.saveProgress({ userId: viewer.userId, lastStep: 4 });
    expect(saved).toMatchObject({ userId: viewer.userId, createdBy: admin.userId, lastStep: 4 });
    await expectCode(
      () =>
        t.as('editor').setup.saveProgress({ userId: viewer.userId, lastStep: 5, rowVersion: 1 }),
      'FORBIDDEN',
    );
    await expectCode(
      () => t.as('admin').setup.saveProgress({ userId: UNKNOWN_ID, lastStep: 1 }),
      'NOT_FOUND',
    );
    // Each user has their own row.
    await t.as('editor').setup.saveProgress({ lastStep: 1 });
    expect(setups()).toHaveLength(2);
  });
});

describe('setup.complete', () => {
  it("completes a non-admin's setup without touching SystemConfiguration", async () => {
    await t.as('editor').setup.saveProgress({ lastStep: 5 });
    const done = await t.as('editor').setup.complete({ rowVersion: 1 });
    expect(done).toMatchObject({ completed: true, completedAt: expect.any(String), rowVersion: 2 });
    expect(Date.parse(done.completedAt!)).not.toBeNaN();
    expect(system().IsSetupComplete).toBe(0);
    const again = await expectCode(
      () => t.as('editor').setup.complete({ rowVersion: 2 }),
      'CONFLICT',
    );
    expect(again.message).toMatch(/already complete/);
  });

  it("completing an admin's setup also marks the installation set up, in the same transaction", async () => {
    const admin = t.principal('admin');
    const done = await t.as('admin').setup.complete({});
    expect(done).toMatchObject({ completed: true, userId: admin.userId, rowVersion: 1 });
    expect(system()).toMatchObject({ IsSetupComplete: 1, ModifiedBy: admin.userId, RowVersion: 2 });
  });

  it('creates the SystemConfiguration row when it is missing', async () => {
    t.db.$client.exec('DELETE FROM SystemConfiguration');
    await t.as('admin').setup.complete({});
    expect(system()).toMatchObject({ Id: 1, IsSetupComplete: 1 });
  });

  it('rolls back the setup when the system update fails', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    await t.as('admin').setup.saveProgress({ lastStep: 3 });
    t.db.$client.exec(
      "CREATE TRIGGER fail_system BEFORE UPDATE ON SystemConfiguration BEGIN SELECT RAISE(ABORT, 'no'); END",
    );
    await expectCode(
      () => t.as('admin').setup.complete({ rowVersion: 1 }),
      'INTERNAL_SERVER_ERROR',
    );
    expect((setups()[0] as Record<string, unknown>).Completed).toBe(0);
  });

  it("an admin completing someone else's setup does not mark the installation set up", async () => {
    const editor = t.principal('editor');
    await t.as('admin').setup.complete({ userId: editor.userId });
    expect((await t.as('editor').setup.status()).completed).toBe(true);
    expect(system().IsSetupComplete).toBe(0);
    await expectCode(() => t.as('viewer').setup.complete({ userId: editor.userId }), 'FORBIDDEN');
  });

  it('CONFLICT without or with a stale rowVersion once saved', async () => {
    await t.as('viewer').setup.saveProgress({ lastStep: 1 });
    await t.as('viewer').setup.saveProgress({ lastStep: 2, rowVersion: 1 });
    await expectCode(() => t.as('viewer').setup.complete({}), 'CONFLICT');
    await expectCode(() => t.as('viewer').setup.complete({ rowVersion: 1 }), 'CONFLICT');
  });
});

describe('setup.reset', () => {
  async function completed() {
    await t
      .as('viewer')
      .setup.saveProgress({ lastStep: 6, wizardState: { tier: 'Pro' }, selectedTier: 'Pro' });
    return t.as('viewer').setup.complete({ rowVersion: 1 });
  }

  it('keepState: back to step 0, not completed, state kept', async () => {
    const done = await completed();
    const reset = await t
      .as('viewer')
      .setup.reset({ keepState: true, rowVersion: done.rowVersion! });
    expect(reset).toMatchObject({
      completed: false,
      completedAt: null,
      lastStep: 0,
      wizardState: { tier: 'Pro' },
      rowVersion: 3,
    });
  });

  it('keepState false drops the wizard state', async () => {
    const done = await completed();
    const reset = await t
      .as('viewer')
      .setup.reset({ keepState: false, rowVersion: done.rowVersion! });
    expect(reset).toMatchObject({ completed: false, lastStep: 0, wizardState: null });
    expect((setups()[0] as Record<string, unknown>).WizardState).toBeNull();
  });

  it('NOT_FOUND before any save, CONFLICT when stale, BAD_REQUEST without keepState, FORBIDDEN for others', async () => {
    await expectCode(
      () => t.as('viewer').setup.reset({ keepState: true, rowVersion: 1 }),
      'NOT_FOUND',
    );
    const done = await completed();
    await expectCode(
      () => t.as('viewer').setup.reset({ keepState: true, rowVersion: 1 }),
      'CONFLICT',
    );
    await expectBadRequest(
      () =>
        t.as('viewer').setup.reset({ rowVersion: done.rowVersion! } as {
          keepState: boolean;
          rowVersion: number;
        }),
      'keepState',
    );
    const viewer = t.principal('viewer');
    await expectCode(
      () =>
        t
          .as('editor')
          .setup.reset({ userId: viewer.userId, keepState: true, rowVersion: done.rowVersion! }),
      'FORBIDDEN',
    );
    const byAdmin = await t.as('admin').setup.reset({
      userId: viewer.userId,
      keepState: false,
      rowVersion: done.rowVersion!,
    });
    expect(byAdmin).toMatchObject({
      userId: viewer.userId,
      completed: false,
      modifiedBy: t.principal('admin').userId,
    });
  });
});
