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

/** The signed-in frame every page shares: role-filtered navigation, header, 404, phone width. */
describe.skipIf(!hasBuild())('dashboard frame in the browser', () => {
  let suite: BrowserSuite | undefined;
  const open = (...args: Parameters<BrowserSuite['newPage']>) => {
    if (!suite) throw new Error('the browser suite did not start');
    return suite.newPage(...args);
  };

  beforeAll(async () => {
    suite = await startBrowserSuite();
  }, 120_000);

  afterAll(async () => {
    await suite?.stop();
  }, 30_000);

  it('shows an admin every page of the navigation, and the health badge', async () => {
    const page = await open('admin');
    await page.goto('/import');
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const label of ['Projects', 'Exports', 'Trash', 'People', 'Backups', 'Settings']) {
      await expect(nav.getByRole('link', { name: label, exact: true }).count()).resolves.toBe(1);
    }
    await expect(page.getByTestId('health-badge').first().textContent()).resolves.toContain(
      'Migrations up to date',
    );
    await page.getByRole('button', { name: /Account menu of Ada Admin/ }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).waitFor();
    await page.keyboard.press('Escape');
    // Checked once the menu has closed (a closing dropdown is not a finished menu).
    await page.getByRole('menu').waitFor({ state: 'hidden' });
    await expectAccessible(page);
    await shot(page, 'frame-admin-import');
    await page.context().close();
  }, 60_000);

  it('hides the admin pages from a viewer, and the page refuses them anyway', async () => {
    const page = await open('viewer');
    await page.goto('/import');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Projects', exact: true }).count()).resolves.toBe(1);
    for (const label of ['People', 'Backups', 'Import .NET database']) {
      await expect(nav.getByRole('link', { name: label, exact: true }).count()).resolves.toBe(0);
    }
    await page.getByText('Only an admin may import').waitFor();
    await page.context().close();
  }, 60_000);

  it('fits a 390 px phone: navigation behind the burger, no sideways scroll', async () => {
    const page = await open('editor', PHONE);
    await page.goto('/import');
    await expectNoSideScroll(page);
    const burger = page.getByRole('button', { name: 'Open navigation' });
    await burger.click();
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Projects', exact: true }).waitFor({ state: 'visible' });
    await expectNoSideScroll(page);
    await page.context().close();
  }, 60_000);

  it('answers an unknown address with the styled 404 and a way back', async () => {
    const page = await open('editor');
    const response = await page.goto('/no-such-page');
    expect(response?.status()).toBe(404);
    await page.getByRole('heading', { name: 'This page does not exist' }).waitFor();
    await expect(
      page.getByRole('link', { name: 'Back to the projects' }).getAttribute('href'),
    ).resolves.toBe('/projects');
    await expectAccessible(page);
    await shot(page, 'frame-404');
    await page.context().close();
  }, 60_000);
});
