import path from 'node:path';
import { setConfig } from '@aura/api/testing';
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

/**
 * The administration console, part A: My account, People, Settings, Templates. Every action once
 * through the real UI by a role that may do it, and the refusal a role that may not sees.
 */
describe.skipIf(!hasBuild())('admin console in the browser', () => {
  let suite: BrowserSuite | undefined;
  const open = async (role: UserRole, url: string, width?: number): Promise<Page> => {
    if (!suite) throw new Error('the browser suite did not start');
    const page = await suite.newPage(role, width);
    await page.goto(url);
    return page;
  };
  const visible = (page: Page, text: string | RegExp) =>
    page.getByText(text).first().waitFor({ state: 'visible', timeout: 15_000 });

  beforeAll(async () => {
    suite = await startBrowserSuite((db, users, dir) => {
      seedDatabase(db, { outputDirectory: path.join(dir, 'output') });
      // An installation already set up: the frame's first-run prompt is another page's subject.
      db.$client.prepare('UPDATE SystemConfiguration SET IsSetupComplete = 1').run();
      setConfig(db, users.admin.id, {
        key: 'ui.greeting',
        value: 'Hello',
        category: 'Interface',
        valueType: 'string',
        description: 'The greeting on the start page',
      });
      setConfig(db, users.admin.id, {
        key: 'ui.layout',
        value: { columns: 2 },
        category: 'Interface',
        valueType: 'json',
      });
      setConfig(db, users.admin.id, {
        key: 'ui.compact',
        value: false,
        category: 'Interface',
        valueType: 'boolean',
      });
      setConfig(
        db,
        users.admin.id,
        {
          key: 'providers/openai:apiKey',
          value: 'sk-browser-secret',
          category: 'Providers',
          valueType: 'string',
          isSensitive: true,
        },
        { dataDir: dir },
      );
    });
  }, 180_000);

  afterAll(async () => {
    await suite?.stop();
  }, 30_000);

  it('My account: change password, create and revoke a token, sign out other sessions', async () => {
    if (!suite) throw new Error('no suite');
    // A second session of the viewer, to be signed out.
    const other = await fetch(`${suite.baseUrl}/api/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: suite.users.viewer.email,
        password: suite.users.viewer.password,
      }),
    });
    expect(other.status).toBe(200);
    const page = await open('viewer', '/account');
    await page.getByRole('heading', { name: 'My account', level: 1 }).waitFor();
    await expectAccessible(page);

    // Wrong current password: the message is next to the field, nothing changes.
    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel(/^New password/).fill('a new long passphrase');
    await page.getByLabel('Repeat the new password').fill('a new long passphrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    await visible(page, 'The password is not your current password');

    await page.getByLabel('Current password').fill(suite.users.viewer.password);
    await page.getByRole('button', { name: 'Change password' }).click();
    await visible(page, /Password changed\. 1 other session signed out/);
    // Keep the harness's account data truthful for later logins.
    suite.users.viewer.password = 'a new long passphrase';

    await page.getByLabel('Token name').fill('render farm');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = await page.getByTestId('new-token').textContent();
    expect(token).toMatch(/^aura_pat_/);
    await expect(page.getByRole('button', { name: 'Copy' }).count()).resolves.toBe(1);
    await shot(page, 'admin-account');
    await expectNoSideScroll(page);

    await page.getByRole('button', { name: 'Revoke token render farm' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await visible(page, 'Token "render farm" revoked');
    const me = await fetch(`${suite.baseUrl}/api/trpc/auth.me`, {
      headers: { authorization: `Bearer ${token ?? ''}` },
    });
    expect(me.status).toBe(401);

    await expect(page.getByText('This session').count()).resolves.toBe(1);
    await page.context().close();
  }, 120_000);

  it('My account: signing out other sessions ends them', async () => {
    if (!suite) throw new Error('no suite');
    const login = await fetch(`${suite.baseUrl}/api/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: suite.users.editor.email,
        password: suite.users.editor.password,
      }),
    });
    const cookie = /aura_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')?.[0] ?? '';
    const page = await open('editor', '/account', PHONE);
    await page.getByRole('button', { name: 'Sign out other sessions' }).click();
    await visible(page, /other sessions? signed out/);
    const me = await fetch(`${suite.baseUrl}/api/trpc/auth.me`, { headers: { cookie } });
    expect(me.status).toBe(401);
    await expectNoSideScroll(page);
    await page.context().close();
  }, 60_000);

  it('People: an admin adds a user, changes a role, resets a password, deactivates', async () => {
    const page = await open('admin', '/people');
    await page.getByRole('table', { name: 'Users' }).waitFor();
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Add a user' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Email').fill('new.person@browser.test');
    await dialog.getByLabel('Display name').fill('New Person');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    const created = await page.getByTestId('one-time-password').textContent();
    expect(created?.length).toBeGreaterThan(15);
    await page.getByRole('button', { name: 'Done' }).click();

    await page.getByRole('textbox', { name: 'Role of new.person@browser.test' }).click();
    await page.getByRole('option', { name: 'Admin' }).click();
    await visible(page, 'new.person@browser.test is now admin');

    await page.getByRole('button', { name: 'Actions for new.person@browser.test' }).click();
    await page.getByRole('menuitem', { name: 'Reset password' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Reset password' }).click();
    const reset = await page.getByTestId('one-time-password').textContent();
    expect(reset).not.toBe(created);
    await shot(page, 'admin-people-reset');
    await page.getByRole('button', { name: 'Done' }).click();

    await page.getByRole('button', { name: 'Actions for new.person@browser.test' }).click();
    await page.getByRole('menuitem', { name: 'Deactivate' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Deactivate' }).click();
    await visible(page, 'new.person@browser.test is deactivated and signed out');
    await page.getByTestId('user-new.person@browser.test').getByText('Deactivated').waitFor();
    await shot(page, 'admin-people');
    await page.setViewportSize({ width: PHONE, height: 900 });
    // Let the layout settle at the new width, as the harness's screenshots do.
    await page.waitForTimeout(200);
    await expectNoSideScroll(page);
    await page.context().close();
  }, 120_000);

  it('People: editors and viewers get a clear "Only an admin" message', async () => {
    for (const role of ['editor', 'viewer'] as const) {
      const page = await open(role, '/people');
      await visible(page, 'Only an admin can manage people');
      await expect(page.getByRole('table', { name: 'Users' }).count()).resolves.toBe(0);
      await expectAccessible(page);
      await page.context().close();
    }
  }, 60_000);

  it('Settings: an admin edits, sees field errors, reveals, reads the history', async () => {
    const page = await open('admin', '/settings');
    await page.getByRole('heading', { name: 'Interface' }).waitFor();
    await expectAccessible(page);

    await page.getByLabel('ui.greeting', { exact: true }).fill('Welcome back');
    await page.getByRole('button', { name: 'Save ui.greeting' }).click();
    await visible(page, 'Saved "ui.greeting"');

    // Out of range: the server's message appears next to the field.
    await page.getByLabel('Backup.Keep', { exact: true }).fill('0');
    await page.getByRole('button', { name: 'Save Backup.Keep' }).click();
    await page
      .getByTestId('setting-Backup.Keep')
      .getByText(/Backup\.Keep/)
      .nth(1)
      .waitFor();
    await expect(page.getByTestId('setting-Backup.Keep').textContent()).resolves.toMatch(
      /between|at least|1/,
    );

    await page.getByRole('button', { name: 'Reveal providers/openai:apiKey' }).click();
    await expect(page.getByTestId('revealed-providers/openai:apiKey').textContent()).resolves.toBe(
      '"sk-browser-secret"',
    );

    await page.getByRole('button', { name: 'History of providers/openai:apiKey' }).click();
    const history = page.getByRole('dialog');
    await history.getByText('Revealed sensitive setting "providers/openai:apiKey"').waitFor();
    await expect(history.textContent()).resolves.not.toContain('sk-browser-secret');
    await shot(page, 'admin-settings-history');
    await page.keyboard.press('Escape');
    await shot(page, 'admin-settings');
    await page.setViewportSize({ width: PHONE, height: 900 });
    // Let the layout settle at the new width, as the harness's screenshots do.
    await page.waitForTimeout(200);
    await expectNoSideScroll(page);
    await page.context().close();
  }, 120_000);

  it('Settings: System section tests FFmpeg and validates the output directory', async () => {
    if (!suite) throw new Error('no suite');
    const page = await open('admin', '/settings');
    await page.getByLabel('FFmpeg path').fill('/usr/bin/ffmpeg');
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    await expect(page.getByTestId('ffmpeg-test-result').textContent()).resolves.toMatch(
      /FFmpeg works.*ffmpeg version/,
    );
    await page.getByLabel('FFmpeg path').fill(suite.dir);
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    await visible(page, /is a directory, not the ffmpeg executable/);

    await page.getByLabel('FFmpeg path').fill('/usr/bin/ffmpeg');
    await page.getByLabel('Output directory').fill(suite.dir);
    await page.getByRole('button', { name: 'Save system settings' }).click();
    await visible(page, /is or contains the data directory/);
    await page.getByLabel('Output directory').fill(path.join(suite.dir, 'exports-out'));
    await page.getByRole('button', { name: 'Save system settings' }).click();
    await visible(page, 'System settings saved');
    await page.context().close();
  }, 120_000);

  it('Settings: editors cannot change installation-wide keys, viewers nothing, no Reveal', async () => {
    const editor = await open('editor', '/settings');
    await editor.getByRole('heading', { name: 'Interface' }).waitFor();
    await expect(editor.getByRole('button', { name: 'Save ui.greeting' }).count()).resolves.toBe(1);
    await expect(editor.getByRole('button', { name: 'Save Backup.Keep' }).count()).resolves.toBe(0);
    await expect(editor.getByRole('button', { name: /^Reveal / }).count()).resolves.toBe(0);
    await expect(editor.getByRole('button', { name: 'Test', exact: true }).count()).resolves.toBe(
      0,
    );
    await visible(editor, 'Only an admin can change the system settings.');
    await editor.context().close();

    const viewer = await open('viewer', '/settings');
    await viewer.getByRole('heading', { name: 'Interface' }).waitFor();
    await expect(viewer.getByRole('button', { name: /^Save / }).count()).resolves.toBe(0);
    await visible(viewer, 'You can read the settings; editors and admins change them.');
    await viewer.context().close();
  }, 60_000);

  it('Settings: an editor edits JSON and boolean values, deactivates and reactivates', async () => {
    const page = await open('editor', '/settings');
    const layout = page.getByLabel('ui.layout', { exact: true });
    await layout.fill('{ "columns": ');
    await page.getByRole('button', { name: 'Save ui.layout' }).click();
    await page.getByTestId('setting-ui.layout').getByText('Enter valid JSON').waitFor();
    await layout.fill('{ "columns": 3 }');
    await page.getByRole('button', { name: 'Save ui.layout' }).click();
    await visible(page, 'Saved "ui.layout"');

    await page.locator('label[for="setting-ui.compact"]').first().click();
    await page.getByRole('button', { name: 'Save ui.compact' }).click();
    await visible(page, 'Saved "ui.compact"');
    await expect(page.getByLabel('ui.compact', { exact: true }).isChecked()).resolves.toBe(true);

    await page.getByRole('button', { name: 'Deactivate ui.compact' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Deactivate' }).click();
    await visible(page, '"ui.compact" is inactive');
    await page.getByTestId('setting-ui.compact').getByText('Inactive').waitFor();
    await page.getByRole('button', { name: 'Save ui.compact' }).click();
    await page.getByTestId('setting-ui.compact').getByText('Active', { exact: true }).waitFor();
    await expectAccessible(page);
    await page.context().close();
  }, 120_000);

  it('Templates: filter in the URL, preview, rate, create a project', async () => {
    const page = await open('editor', '/templates?category=Education');
    await page.getByRole('heading', { name: 'YouTube Explainer' }).waitFor();
    await expect(page.getByRole('heading', { name: 'Short Vertical Clip' }).count()).resolves.toBe(
      0,
    );
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByRole('heading', { name: 'Short Vertical Clip' }).waitFor();
    await page.getByLabel('Search templates').fill('vertical');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForURL(/q=vertical/);
    await expect(page.getByRole('heading', { name: 'YouTube Explainer' }).count()).resolves.toBe(0);
    await shot(page, 'admin-templates-gallery');
    await page.context().close();

    const preview = await open('editor', '/templates?template=system-youtube-explainer');
    const dialog = preview.getByRole('dialog');
    await dialog.getByTestId('template-data').waitFor();
    // Mantine's rating inputs are visually hidden: click the star's label, as a user does.
    const star = await dialog.getByRole('radio', { name: '4', exact: true }).getAttribute('id');
    await dialog.locator(`label[for="${star ?? ''}"]`).click();
    await visible(preview, 'Rated 4 of 5');
    await expect(dialog.getByTestId('my-rating').textContent()).resolves.toBe('4 of 5');
    await dialog.getByLabel('New project title').fill('Explainer from the browser');
    await dialog.getByRole('button', { name: 'Create project' }).click();
    await dialog.getByText('Project “Explainer from the browser” created.').waitFor();
    await expectAccessible(preview);
    await shot(preview, 'admin-templates-preview');
    await preview.context().close();
  }, 120_000);

  it('Custom templates: create with validated JSON, open, project, default, delete', async () => {
    const page = await open('editor', '/templates');
    await page.getByRole('button', { name: 'New custom template' }).click();
    const editor = page.getByRole('dialog');
    await editor.getByLabel(/^Name/).fill('Browser promo');
    await editor.getByLabel(/^Category/).fill('Marketing');
    await editor.getByLabel('Video structure').fill('{ not json');
    await editor.getByRole('button', { name: 'Create template' }).click();
    await editor.getByText('Not valid JSON').first().waitFor();
    // Valid JSON of the wrong shape: the server names the section.
    await editor
      .getByLabel('Video structure')
      .fill(
        '{"aspectRatio":"16:9","resolution":{"width":1080,"height":1920},"fps":30,"transitions":{"type":"cut","durationSeconds":0}}',
      );
    await editor.getByRole('button', { name: 'Create template' }).click();
    await editor.getByText(/1080x1920 is not 16:9/).waitFor();
    await editor
      .getByLabel('Video structure')
      .fill(
        '{"aspectRatio":"9:16","resolution":{"width":1080,"height":1920},"fps":30,"transitions":{"type":"cut","durationSeconds":0}}',
      );
    await shot(page, 'admin-custom-editor');
    await editor.getByRole('button', { name: 'Create template' }).click();
    await visible(page, 'Custom template "Browser promo" created');

    await page.getByRole('button', { name: 'Open Browser promo' }).click();
    await page.waitForURL(/custom=/);
    // The link the global search gives opens the same preview on a fresh load.
    await page.goto(page.url());
    await page.getByRole('dialog').getByRole('heading', { name: 'Browser promo' }).waitFor();
    const view = page.getByRole('dialog');
    await view.getByLabel('New project title').fill('Promo from custom');
    await view.getByRole('button', { name: 'Create project' }).click();
    await view.getByText('Project “Promo from custom” created.').waitFor();
    await view.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('dialog');
    await edit.getByLabel('Description').fill('A vertical promo, edited');
    await edit.getByRole('button', { name: 'Save template' }).click();
    await visible(page, 'Custom template "Browser promo" saved');

    await page.getByRole('button', { name: 'Make Browser promo the default' }).click();
    await visible(page, '"Browser promo" is the default of Marketing');
    await page.getByRole('button', { name: 'Delete Browser promo' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Move to trash' }).click();
    await visible(page, '"Browser promo" moved to the trash');
    await page.setViewportSize({ width: PHONE, height: 900 });
    // Let the layout settle at the new width, as the harness's screenshots do.
    await page.waitForTimeout(200);
    await expectNoSideScroll(page);
    await page.context().close();
  }, 120_000);

  it('Templates: a viewer sees the gallery but no write controls', async () => {
    const page = await open('viewer', '/templates?template=system-youtube-explainer');
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('template-data').waitFor();
    await dialog.getByText('Viewers cannot create projects.').waitFor();
    await expect(dialog.getByRole('radio').count()).resolves.toBe(0);
    await page.keyboard.press('Escape');
    await expect(page.getByRole('button', { name: 'New custom template' }).count()).resolves.toBe(
      0,
    );
    await page.context().close();
  }, 60_000);
});
