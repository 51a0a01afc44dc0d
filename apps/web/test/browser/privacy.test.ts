import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createUser } from '@aura/api/testing';
import { insertAudited, projectStates, seedDatabase, type UserRole } from '@aura/db';
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

const SUBJECT = { email: 'pia.privacy@browser.test', displayName: 'Pia Privacy' };

/**
 * Personal data (issue 13) through the real UI: "Download my data" on My account streams the
 * zip; an admin forgets a user from People through the dialog (preview, typed confirmation).
 */
describe.skipIf(!hasBuild())('personal data in the browser', () => {
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
    suite = await startBrowserSuite(async (db, users, dir) => {
      seedDatabase(db, { outputDirectory: path.join(dir, 'output') });
      // An installation already set up: the first-run banner is another page's business.
      db.$client.prepare('UPDATE SystemConfiguration SET IsSetupComplete = 1').run();
      insertAudited(db, projectStates, { title: 'Editor film' }, users.editor.id);
      const { user } = await createUser(db, users.admin.id, {
        ...SUBJECT,
        role: 'editor',
        password: 'correct horse battery pia',
      });
      insertAudited(db, projectStates, { title: 'Pia’s lighthouse film' }, user.id);
    });
  }, 180_000);

  afterAll(async () => {
    await suite?.stop();
  }, 30_000);

  it('My account: the archive’s contents, then Download my data streams the zip', async () => {
    const page = await open('editor', '/account');
    await visible(page, 'Download my data');
    await page.getByRole('table', { name: 'What the archive holds' }).waitFor();
    await visible(page, 'projects.json');
    await shot(page, 'privacy-account');
    await expectAccessible(page);
    await expectNoSideScroll(page);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('download-my-data').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^aura-data-.*\.zip$/);
    const file = await download.path();
    const zip = readFileSync(file);
    // A zip (local file header), with the files named in its directory.
    expect(zip.subarray(0, 2).toString('latin1')).toBe('PK');
    for (const name of ['README.md', 'profile.json', 'projects.json', 'action-log.json'])
      expect(zip.includes(Buffer.from(name))).toBe(true);
    await page.close();

    // Anonymous: no archive.
    const anonymous = await fetch(`${suite?.baseUrl}/api/privacy/export`);
    expect(anonymous.status).toBe(401);
    // A viewer may not download someone else's.
    const other = await fetch(
      `${suite?.baseUrl}/api/privacy/export?userId=${suite?.users.editor.id}`,
      { headers: { authorization: `Bearer ${suite?.users.viewer.token}` } },
    );
    expect(other.status).toBe(403);
    // An admin's API token may download anyone's; a malformed id is a plain 400.
    const byAdmin = await fetch(
      `${suite?.baseUrl}/api/privacy/export?userId=${suite?.users.editor.id}`,
      { headers: { authorization: `Bearer ${suite?.users.admin.token}` } },
    );
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.headers.get('content-type')).toBe('application/zip');
    expect(
      Buffer.from(await byAdmin.arrayBuffer())
        .subarray(0, 2)
        .toString('latin1'),
    ).toBe('PK');
    const malformed = await fetch(`${suite?.baseUrl}/api/privacy/export?userId=../../etc/passwd`, {
      headers: { authorization: `Bearer ${suite?.users.admin.token}` },
    });
    expect(malformed.status).toBe(400);
  });

  it('People: an admin forgets a user through the dialog; viewers see no such control', async () => {
    const page = await open('admin', '/people');
    await visible(page, 'Forget a user');
    await page.getByTestId('forget-user-select').click();
    await page.getByRole('option', { name: /Pia Privacy/ }).click();
    await page.getByRole('button', { name: 'Forget…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('1 project(s) deleted for good').waitFor({ timeout: 15_000 });
    await visible(page, 'Pia’s lighthouse film');
    const forget = dialog.getByRole('button', { name: 'Forget Pia Privacy' });
    expect(await forget.isDisabled()).toBe(true);
    await shot(page, 'privacy-forget-dialog');
    // The modal's opening transition is over before axe measures contrast.
    await page.waitForTimeout(400);
    await expectAccessible(page);

    // The transfer option previews a transfer instead.
    await dialog.getByTestId('forget-transfer').click();
    await page.getByRole('option', { name: /Transfer to Eddie Editor/ }).click();
    await dialog.getByText('1 project(s) transferred').waitFor({ timeout: 15_000 });
    await dialog.getByTestId('forget-transfer').click();
    await page.getByRole('option', { name: 'Delete them' }).click();
    await dialog.getByText('1 project(s) deleted for good').waitFor({ timeout: 15_000 });

    await dialog.getByTestId('forget-confirmation').fill(SUBJECT.email);
    await forget.click();
    await visible(page, 'Pia Privacy was forgotten.');
    await page.close();

    const list = await fetch(`${suite?.baseUrl}/api/trpc/users.list`, {
      headers: { authorization: `Bearer ${suite?.users.admin.token}` },
    });
    const body = await list.text();
    expect(list.status).toBe(200);
    expect(body).not.toContain(SUBJECT.email);

    const phone = await open('admin', '/people', PHONE);
    await visible(phone, 'Forget a user');
    await expectNoSideScroll(phone);
    await phone.close();

    const viewer = await open('viewer', '/people');
    await visible(viewer, 'Only an admin can see and manage the users');
    expect(await viewer.getByText('Forget a user').count()).toBe(0);
    await viewer.close();
  });
});
