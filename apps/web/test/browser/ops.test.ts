import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createCaller, createContext, type Principal } from '@aura/api';
import { createAuraClient, type AuraClient } from '@aura/api/client';
import { recordJobRun, recordWorkerHeartbeat } from '@aura/api/worker';
import { seedDatabase, type UserRole } from '@aura/db';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectAccessible,
  expectNoSideScroll,
  hasBuild,
  PHONE,
  shot,
  startBrowserSuite,
  type BrowserSuite,
} from './harness';

/** formatBytes of the dashboard, to compare a page's figure with the procedure's. */
function formatBytes(bytes: number | null): string {
  if (bytes === null) return 'n/a';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

const INITIAL_ADMIN_FILE = 'initial-admin-credentials.txt';

/**
 * The operations pages of the administration console (backups, storage, worker, recovery,
 * setup, health): every action once by the right role through the real UI, refused to the wrong
 * one with a clear message, the figures equal to the procedures' answers.
 */
describe.skipIf(!hasBuild())('operations pages in the browser', () => {
  let suite: BrowserSuite | undefined;
  const clients = {} as Record<UserRole, AuraClient>;
  const open = (...args: Parameters<BrowserSuite['newPage']>) => {
    if (!suite) throw new Error('the browser suite did not start');
    return suite.newPage(...args);
  };

  beforeAll(async () => {
    suite = await startBrowserSuite(async (db, users, dir) => {
      seedDatabase(db, { outputDirectory: path.join(dir, 'output') });
      const as = (role: UserRole) => {
        const principal: Principal = {
          userId: users[role].id,
          email: users[role].email,
          displayName: users[role].displayName,
          role,
          via: 'session',
        };
        return createCaller(createContext({ db, principal }));
      };
      const editor = as('editor');
      const kept = await editor.projects.create({
        title: 'River documentary',
        brief: { topic: 'Rivers of Europe', audience: 'students' },
      });
      await editor.versions.create({ projectId: kept.id, name: 'First cut' });
      await editor.projects.update({
        id: kept.id,
        rowVersion: (await editor.projects.get({ id: kept.id })).rowVersion,
        brief: { topic: 'Rivers of Europe', audience: 'everyone' },
      });
      await editor.versions.create({ projectId: kept.id, name: 'Second cut' });
      // A purged version leaves blobs no version references: awaiting collection, past the grace.
      const scrapped = await editor.projects.create({
        title: 'Scrapped draft',
        brief: { topic: 'A draft nobody wanted' },
      });
      const { version } = await editor.versions.create({ projectId: scrapped.id });
      await as('admin').versions.purge({ id: version.id });
      db.$client
        .prepare(
          "UPDATE ContentBlobs SET LastReferencedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-3 hours') WHERE ReferenceCount = 0",
        )
        .run();
      // A render that stopped three hours ago.
      const stalled = await editor.projects.create({ title: 'Stalled render' });
      db.$client
        .prepare(
          "UPDATE ProjectStates SET UpdatedAt = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-3 hours') WHERE Id = ?",
        )
        .run(stalled.id);
      // The worker's heartbeat and a little history.
      const now = new Date();
      recordWorkerHeartbeat(db, {
        workerId: 'ops-host:7',
        hostname: 'ops-host',
        pid: 7,
        startedAt: new Date(now.getTime() - 3_600_000).toISOString(),
        tickCount: 720,
        tickIntervalMs: 600_000,
        jobs: [
          {
            name: 'backup',
            intervalMs: 60_000,
            lastRunAt: now.toISOString(),
            lastDurationMs: 4,
            lastError: null,
            runs: 60,
            failures: 1,
            nextRunAt: new Date(now.getTime() + 60_000).toISOString(),
          },
          {
            name: 'cleanup.blobs',
            intervalMs: 300_000,
            lastRunAt: now.toISOString(),
            lastDurationMs: 12,
            lastError: null,
            runs: 12,
            failures: 0,
            nextRunAt: new Date(now.getTime() + 300_000).toISOString(),
          },
        ],
      });
      recordJobRun(db, {
        jobName: 'backup',
        workerId: 'ops-host:7',
        startedAt: new Date(now.getTime() - 120_000),
        durationMs: 9,
        error: 'Backup failed: no space left on the device',
      });
      recordJobRun(db, {
        jobName: 'backup',
        workerId: 'ops-host:7',
        startedAt: now,
        durationMs: 4,
        result: { due: false },
      });
      recordJobRun(db, {
        jobName: 'cleanup.blobs',
        workerId: 'ops-host:7',
        startedAt: now,
        durationMs: 12,
        result: { collectable: 0, removed: 0 },
      });
      recordJobRun(db, {
        jobName: 'integrity',
        workerId: 'ops-host:7',
        startedAt: now,
        durationMs: 3,
        result: { ok: true },
      });
      // The first start's credentials file, as ensureInitialAdmin writes it.
      writeFileSync(
        path.join(dir, INITIAL_ADMIN_FILE),
        `Aura Data: the first administrator\nemail:    ${users.admin.email}\npassword: ${users.admin.password}\n`,
        { mode: 0o600 },
      );
    });
    for (const role of ['admin', 'editor', 'viewer'] as const) {
      clients[role] = createAuraClient({
        url: `${suite.baseUrl}/api/trpc`,
        token: suite.users[role].token,
      });
    }
  }, 180_000);

  afterAll(async () => {
    await suite?.stop();
  }, 30_000);

  async function refused(call: Promise<unknown>, code: string, message: RegExp) {
    const error = await call.then(
      () => null,
      (e: unknown) => e as { message: string; data?: { code?: string } },
    );
    expect(error?.data?.code).toBe(code);
    expect(error?.message).toMatch(message);
  }

  /** Waits until the toasts have gone (their close button is the shared provider's). */
  async function noNotifications(page: Page) {
    await expect
      .poll(() => page.locator('.mantine-Notification-root').count(), { timeout: 15_000 })
      .toBe(0);
  }

  /** Lets hydration and the first client queries finish (the live stream never goes idle). */
  async function settle(page: Page) {
    await page.waitForLoadState('load');
    await page.waitForTimeout(500);
  }

  it('backups: an admin backs up now with live status, sets the schedule, downloads, reads the restore steps', async () => {
    const page = await open('admin');
    // Slow the backup call down so its running state can be seen.
    await page.route('**/api/trpc/backups.run**', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      await route.continue();
    });
    await page.goto('/backups');
    await page.getByText('No backup has been taken yet.').waitFor();
    await page.getByTestId('backup-now').click();
    await page.getByText('Backing up… copying and checking the database').waitFor();
    await page
      .getByTestId('backup-status')
      .getByText(/^Done: /)
      .waitFor({ timeout: 20_000 });
    await page.getByTestId('backup-run').first().waitFor();
    const runs = await clients.admin.backups.list.query({ limit: 5 });
    expect(runs.items).toHaveLength(1);
    expect(runs.items[0]).toMatchObject({ status: 'Succeeded', trigger: 'Manual' });
    const row = page.getByTestId('backup-run').first();
    await expect(row.textContent()).resolves.toContain(formatBytes(runs.items[0]!.sizeBytes));
    await expect(row.textContent()).resolves.toContain('Checked: ok');

    // Download: the file of the run, for an admin only.
    const href = await row.getByRole('link', { name: /^Download / }).getAttribute('href');
    expect(href).toBe(`/api/backups/${runs.items[0]!.id}/download`);
    const download = await page.request.get(href!);
    expect(download.status()).toBe(200);
    expect((await download.body()).subarray(0, 15).toString()).toBe('SQLite format 3');
    const asEditor = await fetch(`${suite!.baseUrl}${href}`, {
      headers: { authorization: `Bearer ${suite!.users.editor.token}` },
    });
    expect(asEditor.status).toBe(403);
    await expect(asEditor.json()).resolves.toEqual({ error: 'Only an admin may download backups' });

    // Schedule: keep 4, every 12 hours.
    await page.getByLabel('Every (hours)').fill('12');
    await page.getByLabel('Backups kept').fill('4');
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await page.getByText('Backup schedule saved').waitFor();
    await expect(clients.viewer.backups.settings.query()).resolves.toMatchObject({
      intervalHours: 12,
      keep: 4,
    });
    // An out-of-range value is refused next to the field.
    await page.getByLabel('Backups kept').fill('0');
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await page.getByText(/Backup.Keep must be a whole number from 1 to 1000/).waitFor();

    const steps = await page.getByTestId('restore-steps').textContent();
    expect(steps).toContain(`AURA_DB_PATH="${suite!.dbFile}" pnpm db:restore`);
    await page.getByText('Restore is a command-line step').waitFor();
    await page.getByLabel('Backups kept').fill('4');
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await noNotifications(page);
    await expectAccessible(page);
    await expectNoSideScroll(page);
    await shot(page, 'ops-backups-admin');
    await page.setViewportSize({ width: PHONE, height: 900 });
    await expectNoSideScroll(page);
    await page.context().close();
  }, 120_000);

  it('backups: refused to an editor and a viewer, on the page and at the API', async () => {
    const page = await open('viewer');
    await page.goto('/backups');
    await page.getByText('Only an admin can manage backups').waitFor();
    await expect(page.getByTestId('backup-now').count()).resolves.toBe(0);
    await shot(page, 'ops-backups-viewer');
    await page.context().close();
    await refused(clients.editor.backups.run.mutate(), 'FORBIDDEN', /Only an admin may do this/);
    await refused(
      clients.viewer.backups.setSchedule.mutate({ keep: 2 }),
      'FORBIDDEN',
      /Only an admin may do this/,
    );
  }, 60_000);

  it('storage: the figures are the procedures\u2019, the chart is drawn; an admin dry-runs then collects', async () => {
    const viewerPage = await open('viewer');
    await viewerPage.goto('/storage');
    const summary = await clients.viewer.storage.summary.query();
    expect(summary.awaiting.collectableCount).toBeGreaterThan(0);
    await expect(viewerPage.getByTestId('stat-logical').textContent()).resolves.toContain(
      formatBytes(summary.logicalBytes),
    );
    await expect(viewerPage.getByTestId('stat-stored').textContent()).resolves.toContain(
      formatBytes(summary.storedBytes),
    );
    await expect(viewerPage.getByTestId('stat-ratio').textContent()).resolves.toContain(
      `${summary.dedupRatio.toFixed(2)}×`,
    );
    await expect(viewerPage.getByTestId('stat-awaiting').textContent()).resolves.toContain(
      String(summary.awaiting.count),
    );
    await viewerPage.locator('.recharts-surface').first().waitFor();
    const largest = await clients.viewer.storage.largest.query({ limit: 10 });
    await expect(viewerPage.getByTestId('largest-table').textContent()).resolves.toContain(
      largest[0]!.title!,
    );
    // A viewer has no collect buttons, and the API refuses anyway.
    await expect(viewerPage.getByRole('button', { name: 'Collect now' }).count()).resolves.toBe(0);
    await refused(
      clients.editor.storage.collect.mutate({ dryRun: true }),
      'FORBIDDEN',
      /Only an admin may do this/,
    );
    await settle(viewerPage);
    await expectAccessible(viewerPage);
    await expectNoSideScroll(viewerPage);
    await shot(viewerPage, 'ops-storage-viewer');
    await viewerPage.context().close();
    // Opened on a phone: the page fits (the chart's series at this width: see the screenshot).
    const phone = await open('viewer', PHONE);
    await phone.goto('/storage');
    await phone.locator('.recharts-surface').first().waitFor();
    await expectNoSideScroll(phone);
    await phone.screenshot({
      path: path.join('test-results', 'screenshots', 'ops-storage-phone.png'),
      fullPage: true,
    });
    await phone.context().close();

    const page = await open('admin');
    await page.goto('/storage');
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByTestId('dry-run').waitFor();
    await expect(page.getByTestId('dry-run').textContent()).resolves.toContain(
      `Dry run: ${summary.awaiting.collectableCount} blob(s)`,
    );
    await expect(page.getByTestId('dry-run-table').getByTestId('blob-row').count()).resolves.toBe(
      summary.awaiting.collectableCount,
    );
    await shot(page, 'ops-storage-dry-run');
    // Nothing went in the dry run.
    expect((await clients.viewer.storage.summary.query()).awaiting.count).toBe(
      summary.awaiting.count,
    );
    await page.getByRole('button', { name: 'Collect now' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Collect now' }).click();
    await page.getByText(`Collected ${summary.awaiting.collectableCount} blob(s)`).waitFor();
    await page.getByText('Nothing is waiting.').waitFor();
    expect((await clients.viewer.storage.summary.query()).awaiting.count).toBe(0);
    await page.context().close();
  }, 120_000);

  it('worker: heartbeat, each job with schedule and failures, a job\u2019s run history', async () => {
    const page = await open('editor');
    await page.goto('/worker');
    await expect(page.getByTestId('worker-state').textContent()).resolves.toBe('alive');
    const jobs = await clients.editor.worker.jobs.query();
    const backup = jobs.find((j) => j.name === 'backup');
    expect(backup).toMatchObject({ recentFailures: 1 });
    const row = page.locator('[data-testid="job-row"][data-job="backup"]');
    await expect(row.textContent()).resolves.toContain('every minute');
    await expect(row.textContent()).resolves.toContain('1 of 60 runs');
    await expect(row.textContent()).resolves.toContain(
      'last: Backup failed: no space left on the device',
    );
    await row.getByRole('button', { name: 'Run history of backup' }).click();
    await page.getByTestId('run-history').waitFor();
    expect(page.url()).toContain('job=backup');
    const history = await clients.editor.worker.runs.query({ job: 'backup' });
    await expect(page.getByTestId('run-history').locator('tbody tr').count()).resolves.toBe(
      history.items.length,
    );
    await expect(page.getByTestId('run-history').textContent()).resolves.toContain('due: false');
    await settle(page);
    await expectAccessible(page);
    await expectNoSideScroll(page);
    await shot(page, 'ops-worker');
    await page.context().close();
  }, 60_000);

  it('recovery: an editor marks an interrupted project failed; a viewer cannot', async () => {
    const viewerPage = await open('viewer');
    await viewerPage.goto('/recovery');
    const row = viewerPage.locator('[data-testid="recovery-row"][data-title="Stalled render"]');
    await expect(row.textContent()).resolves.toContain('3 h');
    await expect(row.getByRole('button', { name: /Mark .* failed/ }).count()).resolves.toBe(0);
    await expect(
      row.getByRole('link', { name: 'Open Stalled render' }).getAttribute('href'),
    ).resolves.toMatch(/^\/projects\/[0-9a-f-]{36}$/);
    await settle(viewerPage);
    await expectAccessible(viewerPage);
    await expectNoSideScroll(viewerPage);
    await shot(viewerPage, 'ops-recovery');
    await viewerPage.context().close();
    const [stalled] = (await clients.viewer.recovery.list.query({})).items;
    await refused(
      clients.viewer.recovery.markFailed.mutate({
        id: stalled!.id,
        rowVersion: stalled!.rowVersion,
      }),
      'FORBIDDEN',
      /Viewers can read but not change anything/,
    );

    const page = await open('editor');
    await page.goto('/recovery');
    await page.getByRole('button', { name: 'Mark Stalled render failed' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Mark failed' }).click();
    await page.getByText('Marked "Stalled render" as failed').waitFor();
    await page.getByTestId('recovery-empty').waitFor();
    await expect(clients.viewer.projects.get.query({ id: stalled!.id })).resolves.toMatchObject({
      status: 'Failed',
    });
    await page.context().close();
  }, 60_000);

  it('health: migrations, integrity, sizes and the worker for any signed-in user', async () => {
    const page = await open('viewer');
    await page.goto('/health');
    const details = await clients.viewer.health.details.query();
    await expect(page.getByTestId('health-migrations').textContent()).resolves.toContain(
      `${details.migrations.applied} applied of ${details.migrations.known} known`,
    );
    await expect(page.getByTestId('health-integrity').textContent()).resolves.toContain(
      'no problem found',
    );
    await expect(page.getByTestId('health-database').textContent()).resolves.toContain(
      formatBytes(details.database.sizeBytes),
    );
    // The file path is for admins only.
    await expect(page.getByTestId('health-database').textContent()).resolves.not.toContain(
      suite!.dbFile,
    );
    await settle(page);
    await expectAccessible(page);
    await expectNoSideScroll(page);
    await shot(page, 'ops-health');
    await page.context().close();
    const anonymous = await fetch(`${suite!.baseUrl}/health`, { redirect: 'manual' });
    expect([302, 303, 307, 308]).toContain(anonymous.status);
  }, 60_000);

  it('setup: a user runs the wizard and resumes where they left', async () => {
    const page = await open('editor');
    await page.goto('/setup');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('radio', { name: 'Pro' }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('textbox', { name: 'Narration language' }).waitFor();
    await settle(page);
    // Leave and come back: the wizard resumes at the saved step.
    await page.reload();
    await page.getByTestId('wizard-resumed').waitFor();
    await expect(page.getByTestId('wizard-resumed').textContent()).resolves.toContain(
      'step 3 of 4',
    );
    await expect(clients.editor.setup.status.query({})).resolves.toMatchObject({
      lastStep: 2,
      selectedTier: 'Pro',
    });
    await page.getByRole('textbox', { name: 'Narration language' }).click();
    await page.getByRole('option', { name: 'German' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Tier: Pro · language: German').waitFor();
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Finish setup' }).click();
    await page.getByTestId('wizard-complete').waitFor();
    // An editor has no installation setup, and the API refuses it.
    await expect(page.getByText('Installation setup').count()).resolves.toBe(0);
    await refused(
      clients.editor.setup.completeInstallation.mutate({ rowVersion: 1 }),
      'FORBIDDEN',
      /Only an admin may do this/,
    );
    await shot(page, 'ops-setup-editor');
    await page.context().close();
  }, 60_000);

  it('setup: the first admin changes the generated password and finishes; the banner goes away', async () => {
    const page = await open('admin');
    await page.goto('/storage');
    await page.getByTestId('setup-banner').waitFor();
    await page.getByTestId('setup-banner').getByRole('link', { name: 'Open the setup' }).click();
    await page.waitForURL('**/setup');
    await expect(
      page.getByRole('button', { name: 'Finish installation setup' }).isDisabled(),
    ).resolves.toBe(true);
    await settle(page);
    await expectAccessible(page);
    await shot(page, 'ops-setup-admin');
    await page.getByLabel('Current (generated) password').fill(suite!.users.admin.password);
    await page.getByLabel('New password', { exact: true }).fill('a much better admin passphrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed').waitFor();
    await page.getByRole('button', { name: 'Finish installation setup' }).waitFor();
    await expect
      .poll(() => page.getByRole('button', { name: 'Finish installation setup' }).isEnabled())
      .toBe(true);
    await page.getByLabel('Where exports are written').fill(path.join(suite!.dir, 'renders'));
    await page.getByRole('button', { name: 'Finish installation setup' }).click();
    await page.getByTestId('install-complete').waitFor();
    await expect(clients.viewer.setup.installation.query()).resolves.toEqual({
      isSetupComplete: true,
      details: null,
    });
    await page.goto('/storage');
    await page.getByRole('heading', { name: 'Storage', level: 1 }).waitFor();
    await expect(page.getByTestId('setup-banner').count()).resolves.toBe(0);
    await page.context().close();
  }, 90_000);
});
