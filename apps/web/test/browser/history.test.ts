import { createAuraClient, type AuraClient } from '@aura/api/client';
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

/**
 * A project's history (the Versions tab: timeline, diff, restore, importance, description) and the
 * Trash page (restore by an editor, purge by an admin), each action done once through the UI.
 */
describe.skipIf(!hasBuild())('versions and trash in the browser', () => {
  let suite: BrowserSuite;
  let editor: AuraClient;
  let admin: AuraClient;
  let projectId: string;

  const versionsUrl = (id: string) => `/projects/${id}?tab=versions`;

  beforeAll(async () => {
    suite = await startBrowserSuite();
    const url = `${suite.baseUrl}/api/trpc`;
    editor = createAuraClient({ url, token: suite.users.editor.token });
    admin = createAuraClient({ url, token: suite.users.admin.token });
    const project = await editor.projects.create.mutate({
      title: 'Rivers of the world',
      brief: { topic: 'Rivers', tone: 'calm' },
    });
    projectId = project.id;
    for (const scriptText of [
      'The Nile runs north through the desert.',
      'The Amazon carries the most water of all.',
      'The Danube crosses ten countries.',
      'The Mekong feeds millions of people.',
    ])
      await editor.scenes.add.mutate({ projectId, scriptText, durationSeconds: 6 });
  }, 180_000);

  afterAll(async () => {
    await suite.stop();
  }, 30_000);

  async function scenes() {
    return (await editor.projects.get.query({ id: projectId })).scenes;
  }

  async function menuAction(page: Page, versionLabel: string, action: string) {
    await page.getByRole('button', { name: `More actions for ${versionLabel}` }).click();
    await page.getByRole('menuitem', { name: action }).click();
  }

  /** axe on a settled page: the toasts of the last action gone (they close after 4 s). */
  async function accessible(page: Page) {
    await page
      .locator('.mantine-Notification-root')
      .first()
      .waitFor({ state: 'detached', timeout: 10_000 });
    await expectAccessible(page);
  }

  async function pick(page: Page, label: string, option: string) {
    await page
      .getByRole('textbox', { name: label, exact: true })
      .or(page.getByRole('combobox', { name: label, exact: true }))
      .first()
      .click();
    await page.getByRole('option', { name: option }).click();
  }

  it('creates versions, diffs two of them and a version against now, word by word and with a move', async () => {
    // Version 1 through the API.
    await editor.versions.create.mutate({ projectId, name: 'First draft' });
    // Edit one scene's words and move the last scene to the front.
    const [nile, amazon, danube, mekong] = await scenes();
    await editor.scenes.update.mutate({
      id: amazon!.id,
      rowVersion: amazon!.rowVersion,
      scriptText: 'The Amazon carries more water than any other river.',
    });
    const current = await scenes();
    const byId = new Map(current.map((s) => [s.id, s]));
    await editor.scenes.reorder.mutate({
      projectId,
      scenes: [mekong!, nile!, amazon!, danube!].map((s) => ({
        id: s.id,
        rowVersion: byId.get(s.id)!.rowVersion,
      })),
    });

    const page = await suite.newPage('editor');
    await page.goto(versionsUrl(projectId));
    await page.getByTestId('versions-tab').waitFor();
    // Version 2 through the UI.
    await page.getByRole('button', { name: 'Create version' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create a version' });
    await dialog.getByLabel('Name').fill('Reordered');
    await dialog.getByRole('button', { name: 'Create version' }).click();
    await page.locator('[data-testid="version-item"][data-version="2"]').waitFor();
    await page.getByText('Version 2 “Reordered”').first().waitFor();

    // Version 1 → version 2, picked in the comparison's selects.
    await pick(page, 'From', 'Version 1 “First draft” · Manual');
    await pick(page, 'To', 'Version 2 “Reordered” · Manual');
    const diff = page.getByTestId('version-diff');
    await diff
      .getByRole('heading', { name: 'Version 1 “First draft” → Version 2 “Reordered”' })
      .waitFor();
    expect(page.url()).toMatch(/diffFrom=[0-9a-f-]{36}/);
    expect(page.url()).toMatch(/diffTo=[0-9a-f-]{36}/);
    // Word-level: the new words are marked on the right, the dropped ones on the left.
    await expect(diff.locator('ins').first().textContent()).resolves.toMatch(/more/);
    await expect(diff.locator('del').first().textContent()).resolves.toMatch(/the most/);
    // The moved scene, once, where it is now.
    const moved = diff.locator('[data-testid="scene-row"][data-moved="true"]');
    await expect(moved.count()).resolves.toBe(1);
    await expect(moved.textContent()).resolves.toMatch(/moved from 4 to 1.*Mekong/);
    await shot(page, 'history-diff-two-versions');

    // Version 1 against now: the Diff button of its timeline entry.
    await page.getByRole('button', { name: 'Compare Version 1 “First draft” with now' }).click();
    await diff.getByRole('heading', { name: 'Version 1 “First draft” → Now' }).waitFor();
    await expect(diff.locator('[data-status="changed"]').count()).resolves.toBe(1);
    await accessible(page);
    await expectNoSideScroll(page);
    await page.setViewportSize({ width: PHONE, height: 900 });
    await expectNoSideScroll(page);
    await page.context().close();
  }, 120_000);

  it('restores a version after a confirmation that names the restore point; RowVersion grows', async () => {
    const before = await editor.projects.get.query({ id: projectId });
    const page = await suite.newPage('editor');
    await page.goto(versionsUrl(projectId));
    await page.getByRole('button', { name: 'Restore Version 1 “First draft”' }).click();
    const confirm = page.getByRole('dialog', { name: 'Restore Version 1 “First draft”?' });
    await expect(confirm.textContent()).resolves.toMatch(/restore point of the current state/);
    await shot(page, 'history-restore-confirm');
    await confirm.getByRole('button', { name: 'Take a restore point and restore' }).click();
    await page.getByText(/kept as restore point version 3/).waitFor();
    await page
      .locator('[data-testid="version-item"][data-version="3"]')
      .getByText('Restore point')
      .waitFor();

    const after = await editor.projects.get.query({ id: projectId });
    expect(after.rowVersion).toBeGreaterThan(before.rowVersion);
    expect(after.scenes.map((s) => s.scriptText)).toEqual([
      'The Nile runs north through the desert.',
      'The Amazon carries the most water of all.',
      'The Danube crosses ten countries.',
      'The Mekong feeds millions of people.',
    ]);
    const { items } = await editor.versions.list.query({ projectId });
    expect(items.map((v) => [v.versionNumber, v.versionType])).toEqual([
      [3, 'RestorePoint'],
      [2, 'Manual'],
      [1, 'Manual'],
    ]);
    await page.context().close();
  }, 120_000);

  it('marks a version important (pinned) and describes it', async () => {
    const page = await suite.newPage('editor');
    await page.goto(versionsUrl(projectId));
    await menuAction(page, 'Version 2 “Reordered”', 'Mark important');
    const pinned = page.getByRole('region', { name: 'Pinned (important)' });
    await pinned.getByText('Version 2 “Reordered”').waitFor();

    await menuAction(page, 'Version 2 “Reordered”', 'Rename / describe');
    const dialog = page.getByRole('dialog', { name: /Rename \/ describe/ });
    await dialog.getByLabel('Description').fill('Mekong first, for the intro.');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await pinned.getByText('Mekong first, for the intro.').waitFor();
    const v2 = (await editor.versions.list.query({ projectId })).items.find(
      (v) => v.versionNumber === 2,
    );
    expect(v2).toMatchObject({
      isMarkedImportant: true,
      description: 'Mekong first, for the intro.',
    });
    await accessible(page);
    await shot(page, 'history-versions');
    await page.context().close();
  }, 120_000);

  it('shows a viewer the history without any write button', async () => {
    const page = await suite.newPage('viewer');
    await page.goto(versionsUrl(projectId));
    await page.getByTestId('versions-tab').waitFor();
    await expect(page.getByRole('button', { name: 'Create version' }).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: /^Restore / }).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: /^More actions/ }).count()).resolves.toBe(0);
    await expect(
      page.getByRole('button', { name: 'Compare Version 1 “First draft” with now' }).count(),
    ).resolves.toBe(1);
    await page.context().close();
  }, 60_000);

  it('restores a trashed project, version and custom template from /trash; an admin purges; an editor cannot', async () => {
    const doomed = await editor.projects.create.mutate({ title: 'Lakes (draft)' });
    await editor.projects.softDelete.mutate({ id: doomed.id, rowVersion: doomed.rowVersion });
    const extra = (await editor.versions.create.mutate({ projectId, name: 'Scratch' })).version;
    await editor.versions.softDelete.mutate({ id: extra.id, rowVersion: extra.rowVersion });
    const template = await editor.customTemplates.create.mutate({
      name: 'Documentary',
      category: 'Talk',
    });
    await editor.customTemplates.softDelete.mutate({
      id: template.id,
      rowVersion: template.rowVersion,
    });
    const purgeMe = await editor.customTemplates.create.mutate({
      name: 'Purge me',
      category: 'Talk',
    });
    await editor.customTemplates.softDelete.mutate({
      id: purgeMe.id,
      rowVersion: purgeMe.rowVersion,
    });

    // A viewer sees it all, and nothing to press.
    const viewer = await suite.newPage('viewer');
    await viewer.goto('/trash');
    await viewer.getByText('Project “Lakes (draft)”').waitFor();
    await expect(viewer.getByRole('button', { name: /^Restore / }).count()).resolves.toBe(0);
    await viewer.context().close();

    const page = await suite.newPage('editor');
    await page.goto('/trash');
    const row = (name: string) => page.locator(`[data-testid="trash-row"][data-name="${name}"]`);
    await row('Project “Lakes (draft)”').waitFor();
    await expect(row('Project “Lakes (draft)”').textContent()).resolves.toMatch(
      /Eddie Editor \(you\)/,
    );
    await expect(page.getByRole('button', { name: /^Purge / }).count()).resolves.toBe(0);
    await accessible(page);
    await shot(page, 'trash-editor');
    await expectNoSideScroll(page);

    for (const name of [
      'Project “Lakes (draft)”',
      `Version ${extra.versionNumber} “Scratch” of “Rivers of the world”`,
      'Custom template “Documentary”',
    ]) {
      await page.getByRole('button', { name: `Restore ${name}` }).click();
      await row(name).waitFor({ state: 'detached' });
    }
    await expect(editor.projects.get.query({ id: doomed.id })).resolves.toMatchObject({
      title: 'Lakes (draft)',
    });
    await expect(editor.versions.get.query({ id: extra.id })).resolves.toMatchObject({
      name: 'Scratch',
    });
    await expect(editor.customTemplates.get.query({ id: template.id })).resolves.toMatchObject({
      name: 'Documentary',
    });
    await page.context().close();

    const adminPage = await suite.newPage('admin');
    await adminPage.goto('/trash');
    const target = 'Custom template “Purge me”';
    await adminPage.getByRole('button', { name: `Purge ${target}` }).click();
    const confirm = adminPage.getByRole('dialog', { name: `Purge ${target}?` });
    await expect(confirm.textContent()).resolves.toMatch(
      /removes Custom template “Purge me” for good/,
    );
    await shot(adminPage, 'trash-purge-confirm');
    await confirm.getByRole('button', { name: `Purge ${target}` }).click();
    await adminPage
      .locator(`[data-testid="trash-row"][data-name="${target}"]`)
      .waitFor({ state: 'detached' });
    await expect(admin.customTemplates.trash.query({})).resolves.toMatchObject({ items: [] });
    await accessible(adminPage);
    await adminPage.setViewportSize({ width: PHONE, height: 900 });
    await expectNoSideScroll(adminPage);
    await adminPage.context().close();
  }, 180_000);
});
