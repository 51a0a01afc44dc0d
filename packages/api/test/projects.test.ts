import { PROJECT_STAGES, PROJECT_STATUSES, projectStates, softDelete } from '@aura/db';
import { TRPCError } from '@trpc/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import type { RouterInputs } from '../src/root';
import { projectListInput } from '../src/projects/schema';
import { buildProjectListQuery } from '../src/projects/service';
import { insertProject, openTestDb, type TestDb } from './helpers';

type ListInput = RouterInputs['projects']['list'];

let t: TestDb;
beforeEach(() => {
  t = openTestDb();
});
afterEach(() => t.close());

/** Timestamps a fixed number of minutes after a base, so orders are known (with ties). */
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute)).toISOString();

function seedMany(count: number) {
  const rows = [];
  for (let i = 0; i < count; i++) {
    rows.push(
      insertProject(
        t.db,
        {
          title: `Project ${String.fromCharCode(97 + (i % 26))}${i}`,
          status: PROJECT_STATUSES[i % PROJECT_STATUSES.length],
          currentStage: PROJECT_STAGES[i % PROJECT_STAGES.length],
        },
        // Every third row shares its UpdatedAt with the next: the Id tie-breaker must hold.
        { updatedAt: at(Math.floor(i / 3)), createdAt: at(100 - Math.floor(i / 2)) },
      ),
    );
  }
  return rows;
}

async function collectAll(input: Omit<ListInput, 'cursor'>) {
  const ids: string[] = [];
  const pageSizes: number[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const page = await t.caller.projects.list({ ...input, cursor });
    ids.push(...page.items.map((item) => item.id));
    pageSizes.push(page.items.length);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return { ids, pageSizes };
}

const byDesc = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);
const byAsc = (a: string, b: string) => -byDesc(a, b);

describe('projects.list', () => {
  it('returns the list columns and an empty page on an empty database', async () => {
    expect(await t.caller.projects.list({})).toEqual({ items: [], nextCursor: null });
    const row = insertProject(t.db, { title: 'Launch video', description: 'For the launch' });
    const page = await t.caller.projects.list();
    expect(page.nextCursor).toBeNull();
    expect(page.items).toEqual([
      {
        id: row.id,
        title: 'Launch video',
        description: 'For the launch',
        status: 'InProgress',
        currentStage: 'Script',
        progressPercent: 0,
        updatedAt: row.updatedAt,
        createdAt: row.createdAt,
        rowVersion: 1,
      },
    ]);
  });

  it('defaults to 20 per page, sorted by UpdatedAt descending', async () => {
    const rows = seedMany(25);
    const first = await t.caller.projects.list({});
    expect(first.items).toHaveLength(20);
    expect(first.nextCursor).toEqual(expect.any(String));
    const expected = rows
      .slice()
      .sort((a, b) => byDesc(a.updatedAt, b.updatedAt) || byDesc(a.id, b.id))
      .map((r) => r.id);
    expect(first.items.map((i) => i.id)).toEqual(expected.slice(0, 20));
  });

  it.each([
    ['updated', (r: Row) => r.updatedAt, byDesc],
    ['created', (r: Row) => r.createdAt, byDesc],
    ['title', (r: Row) => r.title.toLowerCase(), byAsc],
  ] as const)('pages by %s without duplicates or gaps', async (sort, keyOf, compare) => {
    const rows = seedMany(47);
    const expected = rows
      .slice()
      .sort((a, b) => compare(keyOf(a), keyOf(b)) || compare(a.id, b.id))
      .map((r) => r.id);
    const { ids, pageSizes } = await collectAll({ sort, limit: 7 });
    expect(pageSizes).toEqual([7, 7, 7, 7, 7, 7, 5]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expected);
  });

  it('returns no cursor when the last page is exactly full', async () => {
    seedMany(10);
    const first = await t.caller.projects.list({ limit: 5 });
    const second = await t.caller.projects.list({ limit: 5, cursor: first.nextCursor });
    expect(second.items).toHaveLength(5);
    expect(second.nextCursor).toBeNull();
  });

  it('sorts titles case-insensitively', async () => {
    for (const title of ['banana', 'Apple', 'cherry', 'apricot']) insertProject(t.db, { title });
    const page = await t.caller.projects.list({ sort: 'title' });
    expect(page.items.map((i) => i.title)).toEqual(['Apple', 'apricot', 'banana', 'cherry']);
  });

  it('filters by status and by stage, and pages within the filter', async () => {
    const rows = seedMany(40);
    for (const status of PROJECT_STATUSES) {
      const { ids } = await collectAll({ status, limit: 3 });
      const expected = rows.filter((r) => r.status === status).map((r) => r.id);
      expect(ids.slice().sort()).toEqual(expected.slice().sort());
      expect(ids.length).toBeGreaterThan(0);
    }
    const both = await t.caller.projects.list({ status: 'Completed', stage: 'TTS', limit: 100 });
    const expected = rows.filter((r) => r.status === 'Completed' && r.currentStage === 'TTS');
    expect(both.items.map((i) => i.id).sort()).toEqual(expected.map((r) => r.id).sort());
    expect(both.items.every((i) => i.status === 'Completed' && i.currentStage === 'TTS')).toBe(
      true,
    );
  });

  it('searches title and description case-insensitively, with % and _ taken literally', async () => {
    const pure = insertProject(t.db, { title: '100% pure' });
    insertProject(t.db, { title: '1000 ways' });
    const underscore = insertProject(t.db, { title: 'snake_case explained' });
    insertProject(t.db, { title: 'snakeXcase explained' });
    const inDescription = insertProject(t.db, {
      title: 'Quarterly',
      description: 'The ROADMAP video',
    });

    // Unescaped, '%100%%' would also match '1000 ways'.
    const percent = await t.caller.projects.list({ search: '100%' });
    expect(percent.items.map((i) => i.id)).toEqual([pure.id]);

    const percentOnly = await t.caller.projects.list({ search: '0% p' });
    expect(percentOnly.items.map((i) => i.id)).toEqual([pure.id]);

    const literal = await t.caller.projects.list({ search: 'e_c' });
    expect(literal.items.map((i) => i.id)).toEqual([underscore.id]);

    const desc = await t.caller.projects.list({ search: '  roadmap ' });
    expect(desc.items.map((i) => i.id)).toEqual([inDescription.id]);

    expect((await t.caller.projects.list({ search: 'nothing like it' })).items).toEqual([]);
    expect((await t.caller.projects.list({ search: '%' })).items.map((i) => i.id)).toEqual([
      pure.id,
    ]);
  });

  it('excludes soft-deleted projects', async () => {
    const keep = insertProject(t.db, { title: 'Keep me' });
    const gone = insertProject(t.db, { title: 'Delete me' });
    softDelete(t.db, projectStates, { id: gone.id, rowVersion: gone.rowVersion }, 'tester');
    const page = await t.caller.projects.list({});
    expect(page.items.map((i) => i.id)).toEqual([keep.id]);
    expect((await t.caller.projects.list({ search: 'Delete' })).items).toEqual([]);
    const count = t.db.$client.prepare('SELECT count(*) AS n FROM ProjectStates').get() as {
      n: number;
    };
    expect(count.n).toBe(2);
  });

  describe('bad input', () => {
    async function expectBadRequest(input: unknown, field: string) {
      const before = t.db.$client.prepare('SELECT * FROM ProjectStates ORDER BY Id').all();
      const error = await t.caller.projects.list(input as ListInput).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TRPCError);
      expect((error as TRPCError).code).toBe('BAD_REQUEST');
      const cause = (error as TRPCError).cause;
      expect(cause).toBeInstanceOf(ZodError);
      const flat = (cause as ZodError).flatten();
      expect(Object.keys(flat.fieldErrors)).toContain(field);
      expect(t.db.$client.prepare('SELECT * FROM ProjectStates ORDER BY Id').all()).toEqual(before);
    }

    beforeEach(() => {
      seedMany(3);
    });

    it('rejects limit 0 and limit 101', async () => {
      await expectBadRequest({ limit: 0 }, 'limit');
      await expectBadRequest({ limit: 101 }, 'limit');
      await expectBadRequest({ limit: 2.5 }, 'limit');
    });

    it('rejects an unknown status, stage or sort', async () => {
      await expectBadRequest({ status: 'Bogus' }, 'status');
      await expectBadRequest({ stage: 'Mixing' }, 'stage');
      await expectBadRequest({ sort: 'random' }, 'sort');
    });

    it('rejects a forged cursor and a cursor of another sort', async () => {
      await expectBadRequest({ cursor: 'not-a-cursor' }, 'cursor');
      const titleCursor = (await t.caller.projects.list({ sort: 'title', limit: 1 })).nextCursor;
      expect(titleCursor).toEqual(expect.any(String));
      await expectBadRequest({ sort: 'updated', cursor: titleCursor }, 'cursor');
      const updatedCursor = (await t.caller.projects.list({ limit: 1 })).nextCursor;
      await expectBadRequest({ sort: 'created', cursor: updatedCursor }, 'cursor');
    });
  });
});

describe('query plans', () => {
  function plan(input: ListInput): string[] {
    const { sql, params } = buildProjectListQuery(t.db, projectListInput.parse(input)).toSQL();
    return (
      t.db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as {
        detail: string;
      }[]
    ).map((row) => row.detail);
  }
  const fullScan = (detail: string) => /^SCAN ProjectStates$/.test(detail);

  it('serves the dashboard query (status filter, updated sort) from an index, without sorting', async () => {
    seedMany(30);
    const { nextCursor: cursor } = await t.caller.projects.list({ status: 'InProgress', limit: 3 });
    expect(cursor).toEqual(expect.any(String));
    for (const input of [
      { status: 'InProgress' },
      { status: 'InProgress', cursor },
    ] as ListInput[]) {
      const details = plan(input);
      expect(details.some(fullScan), details.join('\n')).toBe(false);
      expect(details.join('\n')).toMatch(/USING (COVERING )?INDEX IX_ProjectStates_/);
      expect(details.join('\n')).not.toContain('TEMP B-TREE');
    }
  });

  it('never scans the whole table nor sorts, for every sort and filter', () => {
    seedMany(30);
    for (const input of [
      {},
      { sort: 'created' },
      { sort: 'title' },
      { stage: 'TTS' },
      { search: 'x' },
    ] as ListInput[]) {
      const details = plan(input).join('\n');
      expect(details, JSON.stringify(input)).toMatch(/USING (COVERING )?INDEX IX_ProjectStates_/);
      expect(details, JSON.stringify(input)).not.toMatch(/^SCAN ProjectStates$|TEMP B-TREE/m);
    }
  });
});

interface Row {
  updatedAt: string;
  createdAt: string;
  title: string;
  id: string;
}
