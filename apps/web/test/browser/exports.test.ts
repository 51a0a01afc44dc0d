import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createAuraClient, type AuraClient } from '@aura/api/client';
import { makeTestClip } from '@aura/api/testing';
import { seedDatabase } from '@aura/db';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appDir } from '../web-server';
import {
  expectAccessible,
  expectNoSideScroll,
  hasBuild,
  PHONE,
  shot,
  startBrowserSuite,
  type BrowserSuite,
} from './harness';

const WORKER_DIR = path.resolve(appDir, '..', 'worker');
const TSX = path.join(WORKER_DIR, 'node_modules', '.bin', 'tsx');
const betterSqlite = createRequire(import.meta.url).resolve('better-sqlite3');

/** Runs SQL on the database from a separate Node process (as the worker or a script would). */
function sqlFromAnotherProcess(dbFile: string, sql: string): void {
  const script = `const D = require(${JSON.stringify(betterSqlite)});
    const db = new D(process.argv[1]); db.pragma('busy_timeout = 5000');
    db.exec(process.argv[2]); db.close();`;
  execFileSync(process.execPath, ['-e', script, dbFile, sql]);
}

/**
 * The Exports page against a real worker: the worker runs as its own process on the same
 * database and runs FFmpeg; the page shows its progress live, cancels, retries and downloads.
 */
describe.skipIf(!hasBuild())('exports in the browser, with the worker running', () => {
  let suite: BrowserSuite;
  let editor: AuraClient;
  let worker: ChildProcess | null = null;
  let workerLog = '';
  let projectId = '';
  let shortClip = '';
  let longClip = '';

  beforeAll(async () => {
    suite = await startBrowserSuite((db, _users, dir) => {
      const output = path.join(dir, 'output');
      mkdirSync(output);
      seedDatabase(db, { outputDirectory: output });
      shortClip = makeTestClip(path.join(dir, 'media', 'short.mp4'), 6);
      longClip = makeTestClip(path.join(dir, 'media', 'long.mp4'), 60);
    });
    editor = createAuraClient({
      url: `${suite.baseUrl}/api/trpc`,
      token: suite.users.editor.token,
    });
    const project = await editor.projects.create.mutate({ title: 'Launch film' });
    projectId = project.id;
    for (const filePath of [shortClip, longClip]) {
      await editor.assets.register.mutate({
        projectId,
        assetType: 'Video',
        filePath,
        fileSizeBytes: statSync(filePath).size,
      });
    }
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AURA_DB_PATH: suite.dbFile,
      AURA_WORKER_TICK_MS: '250',
    };
    // As the web server runs: the data directory is the database's folder.
    delete env.AURA_DATA_DIR;
    delete env.AURA_MEDIA_ROOTS;
    worker = spawn(TSX, ['src/main.ts'], { cwd: WORKER_DIR, env });
    worker.stdout?.on('data', (chunk: Buffer) => (workerLog += chunk.toString()));
    worker.stderr?.on('data', (chunk: Buffer) => (workerLog += chunk.toString()));
  }, 180_000);

  afterAll(async () => {
    if (worker?.exitCode === null) {
      worker.kill('SIGTERM');
      await new Promise((resolve) => worker?.once('exit', resolve));
    }
    await suite.stop();
  }, 60_000);

  async function pick(page: Page, label: string, option: string | RegExp) {
    await page.getByLabel(label, { exact: true }).first().click();
    await page.getByRole('option', { name: option }).click();
  }

  async function enqueue(page: Page, input: string, output: string) {
    await pick(page, 'Project', 'Launch film');
    await pick(page, 'Input file', new RegExp(input.replace('.', '\\.')));
    await pick(page, 'Preset', /YouTube 720p/i);
    await page.getByLabel('Output file').fill(output);
    await page.getByRole('button', { name: 'Queue' }).click();
    await page.getByText('Export queued').waitFor();
  }

  const row = (page: Page, output: string) =>
    page.locator(`[data-testid="export-row"][data-output="${output}"]`);

  it('queues an export, shows its progress live up to 100%, and downloads it', async () => {
    const page = await suite.newPage('editor');
    await page.goto('/exports');
    await page.getByText('Live.').waitFor();
    await enqueue(page, 'short.mp4', 'launch-720p.mp4');
    // With its toast on screen (a title and a message).
    await expectAccessible(page);

    // Watch the bar, with no reload: every value it shows until the worker is done.
    const bar = row(page, 'launch-720p.mp4').getByTestId('export-progress');
    await bar.waitFor();
    const seen = new Set<number>();
    const deadline = Date.now() + 90_000;
    for (;;) {
      seen.add(Number(await bar.getAttribute('data-value')));
      const status = await row(page, 'launch-720p.mp4').getByTestId('export-status').textContent();
      if (status === 'Completed') break;
      if (Date.now() > deadline || status === 'Failed') {
        throw new Error(`export did not complete (${status}); worker log:\n${workerLog}`);
      }
      await page.waitForTimeout(100);
    }
    seen.add(Number(await bar.getAttribute('data-value')));
    expect(seen.has(100)).toBe(true);
    // The bar moved through intermediate values pushed by the worker, not straight to the end.
    expect(
      [...seen].some((value) => value > 0 && value < 100),
      [...seen].join(','),
    ).toBe(true);

    // The download link of the row, through the browser.
    const link = row(page, 'launch-720p.mp4').getByTestId('export-download');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const saved = path.join(suite.dir, 'downloaded.mp4');
    await download.saveAs(saved);
    const probe = JSON.parse(
      execFileSync('ffprobe', [
        '-v',
        'error',
        '-show_entries',
        'format=duration:stream=codec_type,codec_name,width,height',
        '-of',
        'json',
        saved,
      ]).toString(),
    ) as {
      format: { duration: string };
      streams: { codec_type: string; width?: number; height?: number }[];
    };
    expect(Number(probe.format.duration)).toBeGreaterThan(5);
    expect(probe.streams.find((s) => s.codec_type === 'video')).toMatchObject({ height: 720 });
    expect(probe.streams.some((s) => s.codec_type === 'audio')).toBe(true);

    // Range requests (a player seeking), with the page's session.
    const href = (await link.getAttribute('href')) ?? '';
    const part = await page.request.get(href, { headers: { Range: 'bytes=100-199' } });
    expect(part.status()).toBe(206);
    const size = statSync(saved).size;
    expect(part.headers()['content-range']).toBe(`bytes 100-199/${size}`);
    expect((await part.body()).length).toBe(100);
    const beyond = await page.request.get(href, { headers: { Range: `bytes=${size}-` } });
    expect(beyond.status()).toBe(416);
    expect(beyond.headers()['content-range']).toBe(`bytes */${size}`);
    // Without a session: refused.
    expect((await fetch(`${suite.baseUrl}${href}`)).status).toBe(401);
    const other = await fetch(`${suite.baseUrl}/api/exports/..%2F..%2Faura.db/download`, {
      headers: { authorization: `Bearer ${suite.users.viewer.token}` },
    });
    expect(other.status).toBe(400);

    await shot(page, 'exports');
    await expectAccessible(page);
    await page.setViewportSize({ width: PHONE, height: 900 });
    await expectNoSideScroll(page);
    await page.close();
  }, 150_000);

  it('cancels a running export and retries it', async () => {
    const page = await suite.newPage('editor');
    await page.goto('/exports');
    await page.getByText('Live.').waitFor();
    await enqueue(page, 'long.mp4', 'long-720p.mp4');
    const status = row(page, 'long-720p.mp4').first().getByTestId('export-status');
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toBe('In progress');
    await page.getByRole('button', { name: 'Cancel long-720p.mp4' }).click();
    await page.getByRole('button', { name: 'Cancel export' }).click();
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toBe('Cancelled');

    await page.getByRole('button', { name: 'Retry long-720p.mp4' }).click();
    await page.getByText('Queued again').waitFor();
    await expect.poll(() => row(page, 'long-720p.mp4').count(), { timeout: 10_000 }).toBe(2);
    // Stop the retried run too, so the worker is free.
    await page.getByRole('button', { name: 'Cancel long-720p.mp4' }).click();
    await page.getByRole('button', { name: 'Cancel export' }).click();
    await expect
      .poll(
        async () =>
          (await row(page, 'long-720p.mp4').getByTestId('export-status').allTextContents()).join(
            '|',
          ),
        { timeout: 15_000 },
      )
      .toBe('Cancelled|Cancelled');
    await page.close();
  }, 90_000);

  it('shows a write by another process within a second, without a reload', async () => {
    const page = await suite.newPage('viewer');
    await page.goto('/exports');
    await page.getByText('Live.').waitFor();
    const id = '019a0000-0000-7000-8000-0000000e0b01';
    const started = Date.now();
    sqlFromAnotherProcess(
      suite.dbFile,
      `INSERT INTO ExportHistory (Id, InputFile, OutputFile, PresetName, Status, Progress,
         ErrorMessage, CreatedBy, ModifiedBy)
       VALUES ('${id}', '${shortClip}', '${path.join(suite.dir, 'output', 'elsewhere.mp4')}',
         'youtube-720p', 'Failed', 0, 'Written by another process',
         '${suite.users.admin.id}', '${suite.users.admin.id}')`,
    );
    await row(page, 'elsewhere.mp4').waitFor({ timeout: 5_000 });
    const latency = Date.now() - started;
    console.log(`[exports browser test] another process's write shown after ${latency} ms`);
    expect(latency).toBeLessThan(1_000);
    // A viewer reads everything and changes nothing.
    expect(await page.getByRole('button', { name: 'Queue' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Retry / }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Cancel / }).count()).toBe(0);
    await page.getByTestId('export-download').first().waitFor();
    await page.close();
  }, 60_000);

  it("lists the project's exports in its Exports tab", async () => {
    const page = await suite.newPage('editor');
    await page.goto(`/projects/${projectId}?tab=exports`);
    expect(await page.getByRole('tab', { name: 'Exports', selected: true }).count()).toBe(1);
    await row(page, 'launch-720p.mp4').waitFor();
    // Only this project's: the write by another process used the same input, so it is listed too,
    // and the form offers only this project's assets.
    expect(await page.getByLabel('Project', { exact: true }).count()).toBe(0);
    await shot(page, 'project-exports');
    await expectAccessible(page);
    await page.close();
  }, 60_000);
});
