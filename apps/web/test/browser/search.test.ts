import { insertAudited, projectStates, sceneStates, templates } from '@aura/db';
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

/** The header's search box and the results page: type, see highlighted hits, jump to one. */
describe.skipIf(!hasBuild())('global search in the browser', () => {
  let suite: BrowserSuite | undefined;
  const ids = { project: '', scene: '', template: '' };
  const open = (...args: Parameters<BrowserSuite['newPage']>) => {
    if (!suite) throw new Error('the browser suite did not start');
    return suite.newPage(...args);
  };

  beforeAll(async () => {
    suite = await startBrowserSuite((db, users) => {
      // Written through the data layer; the search triggers index each row as it is inserted.
      const project = insertAudited(
        db,
        projectStates,
        { title: 'Northern lights', description: 'A night under the aurora in Tromsø' },
        users.editor.id,
      );
      const scene = insertAudited(
        db,
        sceneStates,
        {
          projectId: project.id,
          sceneIndex: 0,
          scriptText: 'Green curtains of the Aurora borealis ripple over the fjord.',
        },
        users.editor.id,
      );
      const template = insertAudited(
        db,
        templates,
        {
          name: 'ÉCOLE explainer',
          description: 'Lessons for a classroom',
          category: 'Education',
          tags: 'school,lesson',
          templateData: '{}',
          author: 'Aura',
        },
        users.admin.id,
      );
      insertAudited(db, projectStates, { title: 'Ecole open day' }, users.editor.id);
      ids.project = project.id;
      ids.scene = scene.id;
      ids.template = template.id;
    });
  }, 120_000);

  afterAll(async () => {
    await suite?.stop();
  }, 30_000);

  it('the header box shows highlighted hits as you type and opens a scene at that scene', async () => {
    const page = await open('viewer');
    await page.goto('/search');
    const box = page.getByRole('searchbox', {
      name: 'Search projects, scenes and templates',
      exact: true,
    });
    await box.fill('aurora');
    const sceneOption = page.getByRole('option', { name: /Northern lights · scene 1/ });
    await sceneOption.waitFor({ state: 'visible' });
    await expect(
      page.getByRole('option', { name: /^Project Northern lights/ }).count(),
    ).resolves.toBe(1);
    // The match is marked, as text (never HTML from the server).
    await expect(sceneOption.locator('mark').first().textContent()).resolves.toBe('Aurora');
    await expectAccessible(page);
    await shot(page, 'search-dropdown');
    // The phone-width screenshot hid the box (and closed its dropdown): type again, then jump.
    await box.fill('');
    await box.fill('aurora');
    await sceneOption.click();
    await page.waitForURL(/\/projects\//);
    const url = new URL(page.url());
    expect(url.pathname).toBe(`/projects/${ids.project}`);
    expect(url.searchParams.get('tab')).toBe('scenes');
    expect(url.searchParams.get('scene')).toBe(ids.scene);
    await page.context().close();
  }, 90_000);

  it('Enter opens the results page; accents and case fold; a template hit opens its preview', async () => {
    const page = await open('editor');
    await page.goto('/templates');
    const box = page.getByRole('searchbox', {
      name: 'Search projects, scenes and templates',
      exact: true,
    });
    await box.fill('école');
    await box.press('Enter');
    await page.waitForURL(/\/search\?q=/);
    const hits = page.getByTestId('search-hit');
    await hits.first().waitFor({ state: 'visible' });
    await expect(hits.count()).resolves.toBe(2);
    const marks = await page.locator('[data-testid="search-hit"] mark').allTextContents();
    expect(new Set(marks)).toEqual(new Set(['ÉCOLE', 'Ecole']));
    await expectAccessible(page);
    await shot(page, 'search-results');
    await page.getByRole('link', { name: 'ÉCOLE explainer' }).click();
    await page.waitForURL(/\/templates\?/);
    expect(new URL(page.url()).searchParams.get('template')).toBe(ids.template);
    await page.context().close();
  }, 90_000);

  it('fits a phone: the header has a search button to the results page, which searches', async () => {
    const page = await open('editor', PHONE);
    await page.goto('/search?q=northern');
    await page.getByTestId('search-hit').first().waitFor({ state: 'visible' });
    await expect(
      page.getByRole('link', { name: 'Northern lights' }).getAttribute('href'),
    ).resolves.toBe(`/projects/${ids.project}`);
    await expectNoSideScroll(page);
    await page.getByRole('link', { name: 'Search', exact: true }).waitFor();
    // Typing a new term updates the URL and the hits.
    const field = page.getByRole('searchbox', { name: 'Search terms' });
    await field.fill('fjord');
    await page.waitForURL(/q=fjord/);
    await page.getByRole('link', { name: /Northern lights · scene 1/ }).waitFor();
    await expectAccessible(page);
    await page.context().close();
  }, 90_000);
});
