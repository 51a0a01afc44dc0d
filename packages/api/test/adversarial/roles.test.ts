/**
 * The role matrix: every procedure of the router (read from the router, so a new one is covered
 * the day it is added) called with a valid input by nobody, a viewer, an editor and an admin, each
 * call on its own copy of the fixture world. A caller at or above the procedure's minimum role
 * succeeds; anonymous gets UNAUTHORIZED and a signed-in caller below the minimum FORBIDDEN, and
 * neither changes anything (SQLite's data_version, seen from a second connection, stays put).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowed, MATRIX, otherSetupVersion } from './matrix';
import {
  callProcedure,
  codeOf,
  createWorldSite,
  openWorld,
  outcome,
  procedures,
  ROLES,
  type Who,
  type World,
  type WorldSite,
} from './world';

const WHO: readonly Who[] = ['anonymous', ...ROLES];

/** Runs one call on a fresh world and returns its error code (null on success) and whether it wrote. */
async function attempt(
  site: WorldSite,
  who: Who,
  name: string,
  input: (w: World, who: Who) => unknown,
) {
  const w = openWorld(site);
  try {
    const args = input(w, who);
    const before = w.dataVersion();
    const error = await outcome(callProcedure(w.caller(who), name, args));
    return { code: codeOf(error), error, wrote: w.dataVersion() !== before };
  } finally {
    w.close();
  }
}

let site: WorldSite;
beforeAll(async () => {
  site = await createWorldSite();
});
afterAll(() => site.dispose());

describe('role matrix', () => {
  it('classifies every procedure of the router, and only those', () => {
    const names = [...procedures().keys()];
    const unclassified = names.filter((name) => !(name in MATRIX));
    const stale = Object.keys(MATRIX).filter((name) => !names.includes(name));
    expect(unclassified, 'classify the new procedure in MATRIX').toEqual([]);
    expect(stale, 'procedures in MATRIX that the router no longer has').toEqual([]);
  });

  it('sees a write: the no-change check can fail', async () => {
    const rename = MATRIX['projects.update']![1];
    expect((await attempt(site, 'editor', 'projects.update', rename)).wrote).toBe(true);
  });

  const names = [...procedures().keys()].filter((name) => name in MATRIX).sort();
  it.each(names)('%s', async (name) => {
    const [minimum, input] = MATRIX[name]!;
    const problems: string[] = [];
    for (const who of WHO) {
      const { code, error, wrote } = await attempt(site, who, name, input);
      const permitted = allowed(who, minimum);
      const expected = permitted ? null : who === 'anonymous' ? 'UNAUTHORIZED' : 'FORBIDDEN';
      if (code !== expected) {
        const detail = error instanceof Error ? `: ${error.message}` : '';
        problems.push(
          `${who}: expected ${expected ?? 'success'}, got ${code ?? 'success'}${detail}`,
        );
      }
      if (!permitted && wrote) problems.push(`${who}: a refused call changed the database`);
    }
    expect(problems).toEqual([]);
  });
});

describe('installation-wide settings and other users\u2019 things', () => {
  const setting = (key: string, value: unknown) => (w: World) => {
    const rowVersion = w.rowVersion('Configurations', key, 'Key');
    if (!Number.isNaN(rowVersion)) return { key, value, rowVersion };
    const valueType = typeof value === 'number' ? 'number' : 'string';
    return { key, value, valueType, category: key.split('.')[0] };
  };

  it.each([
    ['Retention.SoftDeletePurgeDays', 30],
    ['Retention.TemporaryAssetHours', 24],
    ['Backup.Keep', 5],
    ['Backup.IntervalHours', 12],
    ['System.Banner', 'hello'],
  ])('config.set %s is admin-only', async (key, value) => {
    const input = setting(key, value);
    for (const who of ['viewer', 'editor'] as const) {
      const result = await attempt(site, who, 'config.set', input);
      expect(result.code, `${who} sets ${key}`).toBe('FORBIDDEN');
      expect(result.wrote).toBe(false);
    }
    expect((await attempt(site, 'admin', 'config.set', input)).code).toBeNull();
  });

  it('config.deactivate of an installation-wide key is admin-only', async () => {
    const input = setting('Backup.Keep', 5);
    const deactivate = (w: World) => {
      const { key, rowVersion } = input(w) as { key: string; rowVersion?: number };
      return { key, rowVersion: rowVersion ?? 1 };
    };
    for (const who of ['viewer', 'editor'] as const) {
      const result = await attempt(site, who, 'config.deactivate', deactivate);
      expect(result.code, who).toBe('FORBIDDEN');
      expect(result.wrote).toBe(false);
    }
  });

  it("only an admin revokes another user's token; for others it does not exist", async () => {
    const other = (w: World) => ({ id: w.ids.tokens.other });
    for (const who of ['viewer', 'editor'] as const) {
      const result = await attempt(site, who, 'auth.tokens.revoke', other);
      expect(result.code, who).toBe('NOT_FOUND');
      expect(result.wrote).toBe(false);
    }
    expect((await attempt(site, 'admin', 'auth.tokens.revoke', other)).code).toBeNull();
  });

  it.each([
    ['setup.status', () => ({})],
    ['setup.saveProgress', (w: World) => ({ lastStep: 3, rowVersion: otherSetupVersion(w) })],
    ['setup.complete', (w: World) => ({ rowVersion: otherSetupVersion(w) })],
    [
      'setup.reset',
      (w: World) => ({
        keepState: true,
        rowVersion: otherSetupVersion(w),
      }),
    ],
    ['actions.history', () => ({})],
    ['actions.export', () => ({ format: 'csv' })],
    ['auth.tokens.list', () => ({})],
  ] as const)("%s of another user is the admin's", async (name, base) => {
    const input = (w: World) => ({
      ...base(w),
      userId: w.ids.users.other.userId,
    });
    for (const who of ['viewer', 'editor'] as const) {
      const result = await attempt(site, who, name, input);
      if (name === 'auth.tokens.list') {
        // A non-admin's userId is ignored: they get their own tokens, never the other's.
        expect(result.code).toBeNull();
        continue;
      }
      expect(result.code, who).toBe('FORBIDDEN');
      expect(result.wrote).toBe(false);
    }
    expect((await attempt(site, 'admin', name, input)).code).toBeNull();
  });

  it("a non-admin's token list never shows another user's token", async () => {
    const w = openWorld(site);
    try {
      const list = (await w
        .caller('editor')
        .auth.tokens.list({ userId: w.ids.users.other.userId, all: true })) as { id: string }[];
      const ids = list.map((token) => token.id);
      expect(ids).toContain(w.ids.tokens.editor);
      expect(ids).not.toContain(w.ids.tokens.other);
    } finally {
      w.close();
    }
  });
});
