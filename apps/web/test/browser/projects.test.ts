import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createAuraClient, type AuraClient } from '@aura/api/client';
import { seedDatabase } from '@aura/db';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PHONE,
  expectAccessible,
  expectNoSideScroll,
  hasBuild,
  shot,
  startBrowserSuite,
  type BrowserSuite,
} from './harness';

/**
 * The projects page and the project page, every action once through the UI: filters, sort and
 * search in the URL (and the back button), bulk delete and restore, new projects (blank and from
 * templates), editing in place through a conflict, scenes (add, edit, keyboard and drag reorder,
 * complete, delete), assets, checkpoints, activity, undo/redo from the keyboard, the viewer's
 * read-only view and the 404.
 */
describe.skipIf(!hasBuild())('projects and the project page in the browser', () => {
  let suite: BrowserSuite;
  let editor: AuraClient;
  let admin: AuraClient;
  let projectId: string;
  let tempAsset: string;
  let goneAsset: string;

  beforeAll(async () => {
    suite = await startBrowserSuite((db) => {
      seedDatabase(db);
    });
    const url = `${suite.baseUrl}/api/trpc`;
    editor = createAuraClient({ url, token: suite.users.editor.token });
    admin = createAuraClient({ url, token: suite.users.admin.token });
    const project = await editor.projects.create.mutate({
      title: 'Alpine lakes',
      description: 'A tour of the lakes of the Alps',
    });
    projectId = project.id;
    for (const scriptText of ['Lake Geneva at dawn.', 'Lake Como from above.', 'Lake Constance.'])
      await editor.scenes.add.mutate({ projectId, scriptText, durationSeconds: 5 });
    tempAsset = path.join(suite.mediaDir, 'narration.wav');
    goneAsset = path.join(suite.mediaDir, 'cover.png');
    writeFileSync(tempAsset, 'RIFF');
    writeFileSync(goneAsset, 'PNG');
    await editor.assets.register.mutate({
      projectId,
      assetType: 'Audio',
      filePath: tempAsset,
      fileSizeBytes: 4,
      isTemporary: true,
    });
    await editor.assets.register.mutate({
      projectId,
      assetType: 'Image',
      filePath: goneAsset,
      fileSizeBytes: 3,
    });
    rmSync(goneAsset);
    await editor.checkpoints.create.mutate({ projectId, stageName: 'TTS' });
    await editor.checkpoints.create.mutate({ projectId, stageName: 'Images' });
    // Others, to filter: one failed, one by the admin, one in another stage.
    const failed = await editor.projects.create.mutate({ title: 'Broken render' });
    await editor.projects.fail.mutate({
      id: failed.id,
      rowVersion: failed.rowVersion,
      errorMessage: 'FFmpeg exited with code 1',
    });
    await admin.projects.create.mutate({ title: 'Admin notes' });
    const staged = await editor.projects.create.mutate({ title: 'Desert winds' });
    await editor.projects.setStage.mutate({
      id: staged.id,
      rowVersion: staged.rowVersion,
      stage: 'Images',
      progressPercent: 60,
    });
  }, 180_000);

  afterAll(async () => {
    await suite.stop();
  }, 30_000);

  const rowTitles = async (page: Page) =>
    (await page.getByTestId('project-row').locator('td a').allTextContents()).filter(Boolean);

  async function pick(page: Page, label: string, option: string) {
    await page.getByRole('textbox', { name: label, exact: true }).click();
    await page.getByRole('option', { name: option, exact: true }).click();
  }

  async function toast(page: Page, title: string) {
    await page.getByText(title, { exact: true }).first().waitFor();
  }

  it('redirects the home to the projects, filters, sorts and searches through the URL', async () => {
    const page = await suite.newPage('editor');
    await page.goto('/');
    await page.waitForURL('**/projects');
    await page.getByRole('link', { name: 'Alpine lakes' }).waitFor();
    expect(await page.getByTestId('project-row').count()).toBe(4);
    await expectAccessible(page);
    await shot(page, 'projects-list');

    await pick(page, 'Status', 'Failed');
    await page.waitForURL(/status=Failed/);
    await expect.poll(() => page.getByTestId('project-row').count()).toBe(1);
    await page.getByRole('link', { name: 'Broken render' }).waitFor();

    // Back: the status filter goes, all four rows return.
    await page.goBack();
    await page.waitForURL((u) => !u.search.includes('status='));
    await expect.poll(() => page.getByTestId('project-row').count()).toBe(4);

    await pick(page, 'Stage', 'Images');
    await page.waitForURL(/stage=Images/);
    await expect.poll(() => page.getByTestId('project-row').count()).toBe(1);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => page.getByTestId('project-row').count()).toBe(4);

    await page.getByRole('button', { name: /Sort by title/ }).click();
    await page.waitForURL(/sort=title/);
    await expect
      .poll(() => rowTitles(page))
      .toEqual(['Admin notes', 'Alpine lakes', 'Broken render', 'Desert winds']);

    await page.getByRole('textbox', { name: 'Search', exact: true }).fill('lakes');
    await page.waitForURL(/q=lakes/);
    await expect.poll(() => rowTitles(page)).toEqual(['Alpine lakes']);
    await page.getByRole('textbox', { name: 'Search', exact: true }).fill('');
    await expect.poll(() => page.getByTestId('project-row').count()).toBe(4);

    await page.getByRole('switch', { name: 'Only mine' }).click({ force: true });
    await page.waitForURL(/mine=true/);
    await expect.poll(() => page.getByTestId('project-row').count()).toBe(3);
    await page.getByRole('switch', { name: 'Only mine' }).click({ force: true });

    // A created range that ends before today: nothing. A shared URL gives the same view.
    await page.getByLabel('Created until (UTC)').fill('2020-01-31');
    await page.waitForURL(/createdTo=2020-01-31/);
    await page.getByText('No project matches these filters.').waitFor();
    const shared = page.url();
    const other = await suite.newPage('editor');
    await other.goto(shared);
    await other.getByText('No project matches these filters.').waitFor();
    await other.context().close();

    await page.getByLabel('Created until (UTC)').fill('');
    await expect.poll(() => page.getByTestId('project-row').count()).toBe(4);
    await page.setViewportSize({ width: PHONE, height: 900 });
    await expectNoSideScroll(page);
    await page.context().close();
  }, 120_000);

  it('moves selected projects to the trash and restores them, in bulk', async () => {
    const page = await suite.newPage('editor');
    await page.goto('/projects');
    await page.getByLabel('Select Admin notes').check();
    await page.getByLabel('Select Desert winds').check();
    await page.getByRole('button', { name: 'Delete selected' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Move to trash' }).click();
    await toast(page, 'Moved 2 projects to the trash');
    await expect.poll(() => page.getByTestId('project-row').count()).toBe(2);

    await page.getByText('In the trash', { exact: true }).click();
    await page.waitForURL(/trash=true/);
    await expect.poll(() => page.getByTestId('project-row').count()).toBe(2);
    await expectAccessible(page);
    await shot(page, 'projects-trash');
    await page.getByLabel('Select every project shown').check();
    await page.getByRole('button', { name: 'Restore selected' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Restore' }).click();
    await toast(page, 'Restored 2 projects');
    await page.getByText('The trash is empty.').waitFor();
    const live = await editor.projects.list.query({});
    expect(live.items.map((p) => p.title).sort()).toEqual([
      'Admin notes',
      'Alpine lakes',
      'Broken render',
      'Desert winds',
    ]);
    await page.context().close();
  }, 120_000);

  it('creates a project blank, from a system template and from a custom template', async () => {
    await editor.customTemplates.create.mutate({ name: 'Lake series', category: 'Travel' });
    const page = await suite.newPage('editor');
    await page.goto('/projects');
    await page.getByRole('button', { name: 'New project' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: /^Title/ }).fill('Blank start');
    await expectAccessible(page);
    await dialog.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL(/\/projects\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: 'Blank start' }).waitFor();

    for (const [template, title] of [
      ['YouTube Explainer', 'From the explainer'],
      ['Lake series', 'From my series'],
    ] as const) {
      await page.goto('/projects');
      await page.getByRole('button', { name: 'New project' }).click();
      await page.getByText('From a template', { exact: true }).click();
      await page
        .getByRole('dialog')
        .getByRole('textbox', { name: /^Template/ })
        .click();
      await page.getByRole('option', { name: template }).click();
      await page
        .getByRole('dialog')
        .getByRole('textbox', { name: /^Title/ })
        .fill(title);
      await page.getByRole('dialog').getByRole('button', { name: 'Create project' }).click();
      await page.getByRole('heading', { name: title }).waitFor();
    }
    await page.context().close();
  }, 120_000);

  it('edits the title in place and, after a change by someone else, shows the conflict and overwrites', async () => {
    const page = await suite.newPage('editor');
    await page.goto(`/projects/${projectId}`);
    await page.getByRole('heading', { name: 'Alpine lakes' }).waitFor();
    await expectAccessible(page);
    await shot(page, 'project-scenes');
    await page.getByRole('button', { name: 'Edit title' }).click();
    await page.getByRole('textbox', { name: /^Title/ }).fill('Alpine lakes, revised');
    // Meanwhile the admin renames it through the API.
    const current = await admin.projects.get.query({ id: projectId });
    await admin.projects.update.mutate({
      id: projectId,
      rowVersion: current.rowVersion,
      title: 'Lakes of the Alps',
    });
    await page.getByRole('button', { name: 'Save title' }).click();
    const message = page.getByTestId('conflict-message');
    await message.waitFor();
    expect(await message.textContent()).toMatch(
      /^Changed by Ada Admin at .+ — reload or overwrite\?$/,
    );
    await page.getByText('Lakes of the Alps').first().waitFor();
    await expectAccessible(page);
    await shot(page, 'project-conflict');
    await page.getByRole('button', { name: 'Overwrite with mine' }).click();
    await page.getByRole('heading', { name: 'Alpine lakes, revised' }).waitFor();
    expect((await editor.projects.get.query({ id: projectId })).title).toBe(
      'Alpine lakes, revised',
    );

    await page.getByRole('button', { name: 'Edit description' }).click();
    await page.getByLabel('Description', { exact: true }).fill('Seven lakes, one summer');
    await page.getByRole('button', { name: 'Save description' }).click();
    await page.getByText('Seven lakes, one summer').waitFor();
    await page.context().close();
  }, 120_000);

  it('adds, edits, reorders by keyboard and by drag, completes and deletes scenes', async () => {
    const page = await suite.newPage('editor');
    await page.goto(`/projects/${projectId}?tab=scenes`);
    const cards = page.locator('[data-scene-id]');
    await expect.poll(() => cards.count()).toBe(3);

    await page.locator('#new-scene-script').fill('Lake Lucerne by boat.');
    await page.getByRole('button', { name: 'Add scene' }).click();
    await expect.poll(() => cards.count()).toBe(4);

    const order = async () =>
      (await editor.projects.get.query({ id: projectId })).scenes.map((s) => s.scriptText);
    // Stored, and shown: a locator resolved while a refetch is still replacing the page's
    // optimistic order would hold a card that then moves (and whose buttons change meaning).
    const settled = async (expected: string[]) => {
      await expect.poll(order).toEqual(expected);
      await expect
        .poll(async () =>
          (await cards.allTextContents()).map((text) => expected.find((s) => text.includes(s))),
        )
        .toEqual(expected);
    };
    expect(await order()).toEqual([
      'Lake Geneva at dawn.',
      'Lake Como from above.',
      'Lake Constance.',
      'Lake Lucerne by boat.',
    ]);

    // Keyboard: Alt+Arrow Down on the focused first scene, announced.
    await cards.first().focus();
    await page.keyboard.press('Alt+ArrowDown');
    await page.getByText('Scene moved to position 2 of 4.').waitFor({ state: 'attached' });
    await settled([
      'Lake Como from above.',
      'Lake Geneva at dawn.',
      'Lake Constance.',
      'Lake Lucerne by boat.',
    ]);
    // The move buttons do the same.
    await page.getByRole('button', { name: 'Move scene 2 up' }).click();
    await settled([
      'Lake Geneva at dawn.',
      'Lake Como from above.',
      'Lake Constance.',
      'Lake Lucerne by boat.',
    ]);

    // Drag the last scene onto the first.
    await cards.nth(3).dragTo(cards.nth(0));
    await settled([
      'Lake Lucerne by boat.',
      'Lake Geneva at dawn.',
      'Lake Como from above.',
      'Lake Constance.',
    ]);

    const second = cards.nth(1);
    await second.getByRole('button', { name: 'Edit' }).click();
    await second.getByRole('textbox', { name: /^Script text/ }).fill('Lake Geneva at sunrise.');
    await second.getByRole('button', { name: 'Save scene' }).click();
    await page.getByText('Lake Geneva at sunrise.').waitFor();

    await cards.nth(1).getByRole('button', { name: 'Complete' }).click();
    await cards.nth(1).getByText('Completed', { exact: true }).waitFor();

    await cards.nth(3).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete scene' }).click();
    await expect.poll(() => cards.count()).toBe(3);
    const scenes = (await editor.projects.get.query({ id: projectId })).scenes;
    expect(scenes.map((s) => [s.scriptText, s.isCompleted])).toEqual([
      ['Lake Lucerne by boat.', false],
      ['Lake Geneva at sunrise.', true],
      ['Lake Como from above.', false],
    ]);

    // ?scene= scrolls to and highlights one scene (the global search links here).
    await page.goto(`/projects/${projectId}?tab=scenes&scene=${scenes[2]!.id}`);
    await page.locator(`[data-scene-id="${scenes[2]!.id}"][data-highlighted]`).first().waitFor();
    await expectAccessible(page);
    await page.setViewportSize({ width: PHONE, height: 900 });
    await expectNoSideScroll(page);
    await page.context().close();
  }, 120_000);

  it('marks an asset permanent, warns of a missing file, invalidates a checkpoint', async () => {
    const page = await suite.newPage('editor');
    await page.goto(`/projects/${projectId}`);
    await page.getByRole('tab', { name: /Assets/ }).click();
    await page.waitForURL(/tab=assets/);
    await page.getByText('Missing file', { exact: true }).waitFor();
    await page.getByRole('button', { name: `Mark ${tempAsset} permanent` }).click();
    await toast(page, 'Marked permanent');
    await expect.poll(() => page.getByText('Temporary', { exact: true }).count()).toBe(0);
    await expectAccessible(page);
    await shot(page, 'project-assets');

    await page.getByRole('tab', { name: /Checkpoints/ }).click();
    await page.waitForURL(/tab=checkpoints/);
    const latest = page.locator('[data-testid="checkpoint-row"][data-latest]');
    await latest.getByText('Latest valid').waitFor();
    expect(await latest.count()).toBe(1);
    await expectAccessible(page);
    await shot(page, 'project-checkpoints');
    await latest.getByRole('button', { name: 'Invalidate' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Invalidate' }).click();
    await toast(page, 'Checkpoint invalidated');
    await expect
      .poll(async () =>
        (await editor.projects.get.query({ id: projectId })).checkpoints.map((c) => [
          c.stageName,
          c.isValid,
        ]),
      )
      .toEqual([
        ['Images', false],
        ['TTS', true],
      ]);
    await page.context().close();
  }, 120_000);

  it('undoes and redoes with the keyboard, with a toast, and lists it in the activity', async () => {
    const page = await suite.newPage('editor');
    await page.goto(`/projects/${projectId}?tab=activity`);
    await page.getByTestId('activity-row').first().waitFor();
    await expectAccessible(page);
    await shot(page, 'project-activity');
    // The editor's last undoable step: keeping the narration permanently (checkpoints are not
    // user content, so their invalidation is not in the undo log).
    const temporary = async () =>
      (await editor.projects.get.query({ id: projectId })).assets.find(
        (a) => a.filePath === tempAsset,
      )?.isTemporary;
    await page.getByRole('heading', { level: 1 }).click();
    await page.keyboard.press('Control+z');
    await toast(page, 'Undone');
    await page
      .getByText(/Kept audio "narration.wav"/)
      .first()
      .waitFor();
    await expect.poll(temporary).toBe(true);
    await page.keyboard.press('Shift+Control+z');
    await toast(page, 'Redone');
    await expect.poll(temporary).toBe(false);
    // Ctrl+Z while typing in a field belongs to the field.
    await page.getByRole('tab', { name: /Scenes/ }).click();
    await page.locator('#new-scene-script').fill('typing');
    await page.locator('#new-scene-script').press('Control+z');
    await page.waitForTimeout(500);
    expect(await temporary()).toBe(false);
    await page.getByRole('tab', { name: /Activity/ }).click();
    // The header buttons do the same; typing in a field does not trigger it.
    await page.getByRole('button', { name: 'Undo', exact: true }).click();
    await expect.poll(() => page.getByText('Undone', { exact: true }).count()).toBeGreaterThan(0);
    await page.getByTestId('activity-row').filter({ hasText: 'Undone' }).first().waitFor();
    await page.context().close();
  }, 120_000);

  it('shows a viewer everything read-only', async () => {
    const page = await suite.newPage('viewer');
    await page.goto('/projects');
    await page.getByRole('link', { name: 'Broken render' }).waitFor();
    expect(await page.getByRole('button', { name: 'New project' }).count()).toBe(0);
    expect(await page.getByRole('checkbox').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Undo', exact: true }).count()).toBe(0);
    await page.getByRole('link', { name: 'Broken render' }).click();
    await page.getByText('FFmpeg exited with code 1').waitFor();
    await expectAccessible(page);
    await shot(page, 'project-failed-viewer');
    await page.goto(`/projects/${projectId}`);
    await page.locator('[data-scene-id]').first().waitFor();
    for (const name of ['Edit title', 'Edit description', 'Add scene', 'Delete', 'Complete'])
      expect(await page.getByRole('button', { name }).count(), name).toBe(0);
    await page.getByRole('tab', { name: /Assets/ }).click();
    expect(await page.getByRole('button', { name: /Mark .* permanent/ }).count()).toBe(0);
    await page.getByRole('tab', { name: /Checkpoints/ }).click();
    expect(await page.getByRole('button', { name: 'Invalidate' }).count()).toBe(0);
    await page.context().close();
  }, 120_000);

  it('answers an unknown project with the styled 404 and a way back', async () => {
    const page = await suite.newPage('editor');
    const response = await page.goto('/projects/01900000-0000-7000-8000-000000000000');
    expect(response?.status()).toBe(404);
    await page.getByRole('heading', { name: 'No such project' }).waitFor();
    expect(
      await page.getByRole('link', { name: 'Back to the projects' }).getAttribute('href'),
    ).toBe('/projects');
    await expectAccessible(page);
    await shot(page, 'project-404');
    await page.goto('/projects/not-an-id');
    await page.getByRole('heading', { name: 'No such project' }).waitFor();
    await page.context().close();
  }, 60_000);
});
