import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApiToken, createUser } from '@aura/api/testing';
import { applyMigrations, createDb, openSqlite, type AuraDb, type UserRole } from '@aura/db';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { appDir, startWebServer, type WebServer } from '../web-server';

/**
 * Browser tests of the dashboard: the built server on a temporary installation, driven by the
 * system's Chromium through playwright-core (a test tool's own browser download is not available).
 */
export { hasBuild } from '../web-server';

export const CHROMIUM = process.env.AURA_CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.join(appDir, 'test-results', 'screenshots');
export const DESKTOP = 1400;
export const PHONE = 390;

export interface TestAccount {
  id: string;
  email: string;
  password: string;
  displayName: string;
  role: UserRole;
  /** A personal API token, for arranging data through the typed client. */
  token: string;
}

export type Accounts = Record<UserRole, TestAccount>;

export interface BrowserSuite {
  server: WebServer;
  baseUrl: string;
  browser: Browser;
  /** The installation's folder: database `aura.db`, media root `media`. */
  dir: string;
  dbFile: string;
  mediaDir: string;
  users: Accounts;
  /** A page signed in as that role's user (session cookie), at `width` px. */
  newPage: (role: UserRole, width?: number) => Promise<Page>;
  stop: () => Promise<void>;
}

/**
 * A fresh installation with an admin, an editor and a viewer; `seed` adds data through the
 * services before the server starts (the database is closed again before it does).
 */
export async function startBrowserSuite(
  seed?: (db: AuraDb, users: Accounts, dir: string) => Promise<void> | void,
): Promise<BrowserSuite> {
  const dir = mkdtempSync(path.join(tmpdir(), 'aura-browser-'));
  const dbFile = path.join(dir, 'aura.db');
  const mediaDir = path.join(dir, 'media');
  mkdirSync(mediaDir);
  const sqlite = openSqlite(dbFile);
  applyMigrations(sqlite);
  const db = createDb(sqlite);
  const account = async (role: UserRole, name: string): Promise<TestAccount> => {
    const email = `${role}@browser.test`;
    const password = `correct horse battery ${role}`;
    const { user } = await createUser(db, null, { email, password, role, displayName: name });
    const { token } = createApiToken(db, user.id, {
      userId: user.id,
      name: 'browser test',
      expiresInDays: 1,
    });
    return { id: user.id, email, password, displayName: name, role, token };
  };
  const users: Accounts = {
    admin: await account('admin', 'Ada Admin'),
    editor: await account('editor', 'Eddie Editor'),
    viewer: await account('viewer', 'Vera Viewer'),
  };
  try {
    await seed?.(db, users, dir);
  } finally {
    sqlite.close();
  }

  const server = await startWebServer(dbFile);
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  } catch (error) {
    await server.stop();
    throw error;
  }

  const cookies = new Map<UserRole, string>();
  async function sessionCookie(role: UserRole): Promise<string> {
    const known = cookies.get(role);
    if (known) return known;
    const { email, password } = users[role];
    const response = await fetch(`${server.baseUrl}/api/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    expect(response.status).toBe(200);
    const value = /aura_session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
    if (!value) throw new Error('the login set no session cookie');
    cookies.set(role, value);
    return value;
  }

  return {
    server,
    baseUrl: server.baseUrl,
    browser,
    dir,
    dbFile,
    mediaDir,
    users,
    async newPage(role, width = DESKTOP) {
      const context = await browser.newContext({
        viewport: { width, height: 900 },
        baseURL: server.baseUrl,
        // The theme honours reduced motion: toasts, menus and dialogs appear settled, so axe and
        // visibility checks never judge something halfway through a transition.
        reducedMotion: 'reduce',
      });
      const { hostname } = new URL(server.baseUrl);
      await context.addCookies([
        {
          name: 'aura_session',
          value: await sessionCookie(role),
          domain: hostname,
          path: '/',
          httpOnly: true,
          sameSite: 'Lax',
        },
      ]);
      return context.newPage();
    },
    async stop() {
      await browser.close().catch(() => undefined);
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Full-page screenshots at 1400 px and 390 px, kept as test artefacts
 * (`test-results/screenshots/<name>-1400.png`, `<name>-390.png`). Returns the two paths.
 */
export async function shot(page: Page, name: string): Promise<string[]> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const original = page.viewportSize() ?? { width: DESKTOP, height: 900 };
  const files: string[] = [];
  for (const width of [DESKTOP, PHONE]) {
    await page.setViewportSize({ width, height: 900 });
    // Let layout (and Mantine's media queries) settle at the new width.
    await page.waitForTimeout(150);
    const file = path.join(SCREENSHOT_DIR, `${name}-${width}.png`);
    await page.screenshot({ path: file, fullPage: true });
    files.push(file);
  }
  await page.setViewportSize(original);
  return files;
}

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

interface AxeViolation {
  id: string;
  impact?: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** axe-core in the page: no serious or critical violation (WCAG 2 A/AA rules). */
export async function expectAccessible(page: Page): Promise<void> {
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (context: Document, options: unknown) => Promise<{ violations: AxeViolation[] }>;
        };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations;
  });
  const severe = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact ?? ''}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}` +
        ` (${v.nodes[0]?.failureSummary?.replace(/\s+/g, ' ') ?? ''})`,
    );
  expect(severe, `axe violations on ${page.url()}`).toEqual([]);
}

/** Nothing makes the page itself scroll sideways (tables scroll inside their card). */
export async function expectNoSideScroll(page: Page): Promise<void> {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  expect(scrollWidth, `horizontal scroll on ${page.url()}`).toBeLessThanOrEqual(clientWidth + 1);
}
