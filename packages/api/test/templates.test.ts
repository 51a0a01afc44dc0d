import path from 'node:path';
import { SYSTEM_TEMPLATES, insertAudited, seedDatabase, templates, type UserRole } from '@aura/db';
import { TRPCError } from '@trpc/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ZodError } from 'zod';
import { insertUser } from '../src/auth/service';
import { createContext } from '../src/context';
import { createCaller, type RouterInputs } from '../src/root';
import { templateListInput } from '../src/templates/schema';
import { buildTemplateListQuery } from '../src/templates/service';
import { TEST_PASSWORD_HASH, openTestDb, type Caller, type TestDb } from './helpers';

type ListInput = RouterInputs['templates']['list'];

let t: TestDb;
beforeEach(() => {
  t = openTestDb();
  seedDatabase(t.db, { outputDirectory: path.join(t.dir, 'output') });
});
afterEach(() => t.close());

async function expectError(promise: Promise<unknown>, code: TRPCError['code'], message?: RegExp) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe(code);
  if (message) expect((error as TRPCError).message).toMatch(message);
  return error as TRPCError;
}

async function expectBadRequest(promise: Promise<unknown>, field: string) {
  const error = await expectError(promise, 'BAD_REQUEST');
  expect(error.cause).toBeInstanceOf(ZodError);
  expect(Object.keys((error.cause as ZodError).flatten().fieldErrors)).toContain(field);
  return error;
}

const snapshot = () => ({
  templates: t.db.$client.prepare('SELECT * FROM Templates ORDER BY Id').all(),
  ratings: t.db.$client.prepare('SELECT * FROM TemplateRatings ORDER BY TemplateId, UserId').all(),
  projects: t.db.$client.prepare('SELECT * FROM ProjectStates ORDER BY Id').all(),
});

function templateRow(id: string) {
  return t.db.$client.prepare('SELECT * FROM Templates WHERE Id = ?').get(id) as {
    UsageCount: number;
    Rating: number;
    RatingCount: number;
    RowVersion: number;
    UpdatedAt: string;
  };
}

let extraUsers = 0;
/** Another signed-in user (the helper has one per role). */
function newUser(role: UserRole): { caller: Caller; userId: string } {
  extraUsers += 1;
  const user = insertUser(
    t.db,
    null,
    { email: `extra${extraUsers}@test.local`, displayName: `Extra ${extraUsers}`, role },
    TEST_PASSWORD_HASH,
  );
  const caller = createCaller(
    createContext({
      db: t.db,
      principal: {
        userId: user.id,
        email: user.email,
        displayName: user.displayName,
        role,
        via: 'session',
      },
    }),
  );
  return { caller, userId: user.id };
}

function insertCommunityTemplate(values: {
  id: string;
  name: string;
  category: string;
  subCategory?: string;
  tags?: string;
  description?: string;
  templateData?: string;
}) {
  return insertAudited(
    t.db,
    templates,
    {
      description: 'Community made',
      templateData: '{}',
      author: 'Someone',
      isCommunityTemplate: true,
      ...values,
    },
    'tester',
  );
}

const explainer = 'system-youtube-explainer';
const sortedSystem = () =>
  SYSTEM_TEMPLATES.slice()
    .sort((a, b) =>
      a.category !== b.category
        ? a.category < b.category
          ? -1
          : 1
        : a.name !== b.name
          ? a.name < b.name
            ? -1
            : 1
          : a.id! < b.id!
            ? -1
            : 1,
    )
    .map((template) => template.id);

describe('templates.list', () => {
  it('lists the nine seeded system templates ordered by category and name, without TemplateData', async () => {
    const page = await t.as('viewer').templates.list();
    expect(page.items).toHaveLength(9);
    expect(page.nextCursor).toBeNull();
    expect(page.items.map((item) => item.id)).toEqual(sortedSystem());
    const first = page.items.find((item) => item.id === explainer)!;
    expect(first).toMatchObject({
      name: 'YouTube Explainer',
      category: 'Education',
      subCategory: 'Explainer',
      tags: ['youtube', 'explainer', 'landscape', 'long-form'],
      isSystemTemplate: true,
      isCommunityTemplate: false,
      usageCount: 0,
      rating: 0,
      ratingCount: 0,
    });
    expect(first).not.toHaveProperty('templateData');
  });

  it('pages through everything without duplicates or gaps, with ties on category and name', async () => {
    // Same category and name as each other: only the Id tells them apart.
    for (const id of ['c-3', 'c-1', 'c-2']) {
      insertCommunityTemplate({ id, name: 'Same name', category: 'Education' });
    }
    const all = (await t.caller.templates.list({ limit: 100 })).items.map((item) => item.id);
    expect(all).toHaveLength(12);
    const ids: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    for (let guard = 0; guard < 20; guard++) {
      const page: Awaited<ReturnType<Caller['templates']['list']>> = await t.caller.templates.list({
        limit: 5,
        cursor,
      });
      ids.push(...page.items.map((item) => item.id));
      sizes.push(page.items.length);
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(sizes).toEqual([5, 5, 2]);
    expect(ids).toEqual(all);
    const education = ids.filter((id) => id.startsWith('c-'));
    expect(education).toEqual(['c-1', 'c-2', 'c-3']);
  });

  it('filters by category, subcategory, system and community', async () => {
    insertCommunityTemplate({
      id: 'community-1',
      name: 'Fan edit',
      category: 'Education',
      subCategory: 'Remix',
    });
    const list = async (input: ListInput) =>
      (await t.caller.templates.list(input)).items.map((item) => item.id);

    expect(await list({ category: 'Education' })).toEqual(['community-1', explainer]);
    expect(await list({ category: 'Education', subCategory: 'Explainer' })).toEqual([explainer]);
    expect(await list({ subCategory: 'Remix' })).toEqual(['community-1']);
    expect(await list({ isCommunity: true })).toEqual(['community-1']);
    expect(await list({ isSystem: true })).toHaveLength(9);
    expect(await list({ isSystem: false })).toEqual(['community-1']);
    expect(await list({ isSystem: true, category: 'Education' })).toEqual([explainer]);
    expect(await list({ category: 'Nope' })).toEqual([]);
  });

  it('matches whole tags, any of the given ones, case-insensitively', async () => {
    insertCommunityTemplate({
      id: 'c-tags',
      name: 'Tagged',
      category: 'Zeta',
      tags: 'you,tube_50%,youtube-ish',
    });
    const list = async (tags: string[]) =>
      (await t.caller.templates.list({ tags })).items.map((item) => item.id).sort();

    expect(await list(['youtube'])).toEqual([explainer]);
    expect(await list(['YouTube'])).toEqual([explainer]);
    expect(await list(['shorts', 'podcast'])).toEqual(
      ['system-short-vertical', 'system-podcast-audiogram'].sort(),
    );
    // Part of a tag is not a tag.
    expect(await list(['tube'])).toEqual([]);
    expect(await list(['long'])).toEqual([]);
    // The first and last tags of the column match too.
    expect(await list(['you'])).toEqual(['c-tags']);
    expect(await list(['youtube-ish'])).toEqual(['c-tags']);
    // LIKE wildcards in a tag are literal.
    expect(await list(['tube_50%'])).toEqual(['c-tags']);
    expect(await list(['tube_5%'])).toEqual([]);
    expect(await list(['tubeX50%'])).toEqual([]);
  });

  it('searches name and description, with wildcards taken literally', async () => {
    insertCommunityTemplate({ id: 'c-pct', name: '100% organic', category: 'Food' });
    const ids = async (search: string) =>
      (await t.caller.templates.list({ search })).items.map((item) => item.id);
    expect(await ids('explainer')).toEqual([explainer]);
    expect(await ids('loopable')).toEqual(['system-short-vertical']);
    expect(await ids('100%')).toEqual(['c-pct']);
    expect(await ids('1_0')).toEqual([]);
    expect(await ids('no such words')).toEqual([]);
  });

  it('needs a signed-in caller', async () => {
    await expectError(t.anonymous.templates.list(), 'UNAUTHORIZED');
    await expectError(t.anonymous.templates.get({ id: explainer }), 'UNAUTHORIZED');
  });

  it('rejects bad input naming the field', async () => {
    await expectBadRequest(t.caller.templates.list({ limit: 0 }), 'limit');
    await expectBadRequest(t.caller.templates.list({ limit: 101 }), 'limit');
    await expectBadRequest(t.caller.templates.list({ cursor: 'garbage' }), 'cursor');
    await expectBadRequest(t.caller.templates.list({ tags: ['a,b'] }), 'tags');
    await expectBadRequest(t.caller.templates.list({ tags: [] }), 'tags');
    await expectBadRequest(t.caller.templates.list({ tags: [' '] }), 'tags');
  });
});

describe('templates.get', () => {
  it('returns the template with parsed TemplateData, tag list and the caller’s rating', async () => {
    const template = await t.as('viewer').templates.get({ id: explainer });
    expect(template.tags).toEqual(['youtube', 'explainer', 'landscape', 'long-form']);
    expect(template.templateData.brief).toMatchObject({ tone: 'informative' });
    expect(template.templateData.render).toMatchObject({ width: 1920, height: 1080 });
    expect(template.myRating).toBeNull();
    await t.caller.templates.rate({ templateId: explainer, rating: 4 });
    expect((await t.caller.templates.get({ id: explainer })).myRating).toBe(4);
    expect((await t.as('viewer').templates.get({ id: explainer })).myRating).toBeNull();
  });

  it('is NOT_FOUND for an unknown id, and reports malformed TemplateData clearly', async () => {
    await expectError(t.caller.templates.get({ id: 'nope' }), 'NOT_FOUND', /nope/);
    insertCommunityTemplate({
      id: 'broken',
      name: 'Broken',
      category: 'X',
      templateData: '{"brief": 5}',
    });
    await expectError(
      t.caller.templates.get({ id: 'broken' }),
      'PRECONDITION_FAILED',
      /malformed TemplateData \(at brief\)/,
    );
  });
});

describe('templates.createProject', () => {
  it('copies brief/plan/voice/render into the new project and counts the use', async () => {
    const source = SYSTEM_TEMPLATES.find((template) => template.id === explainer)!;
    const data = JSON.parse(source.templateData) as Record<string, unknown>;
    const before = templateRow(explainer);

    const project = await t.caller.templates.createProject({
      templateId: explainer,
      title: '  How tides work ',
      description: 'Moon and sea',
    });
    expect(project).toMatchObject({
      title: 'How tides work',
      description: 'Moon and sea',
      status: 'InProgress',
      currentStage: 'Script',
      rowVersion: 1,
      createdBy: t.principal('editor').userId,
      modifiedBy: t.principal('editor').userId,
    });
    expect(JSON.parse(project.briefJson!)).toEqual(data.brief);
    expect(JSON.parse(project.planSpecJson!)).toEqual(data.plan);
    expect(JSON.parse(project.voiceSpecJson!)).toEqual(data.voice);
    expect(JSON.parse(project.renderSpecJson!)).toEqual(data.render);
    const stored = t.db.$client
      .prepare('SELECT BriefJson, RenderSpecJson FROM ProjectStates WHERE Id = ?')
      .get(project.id) as { BriefJson: string; RenderSpecJson: string };
    expect(JSON.parse(stored.BriefJson)).toEqual(data.brief);

    const after = templateRow(explainer);
    expect(after.UsageCount).toBe(before.UsageCount + 1);
    // A counter is not an edit: no new RowVersion.
    expect(after.RowVersion).toBe(before.RowVersion);

    await t.as('admin').templates.createProject({ templateId: explainer, title: 'Second' });
    expect(templateRow(explainer).UsageCount).toBe(before.UsageCount + 2);
    // The other templates are not touched.
    expect(templateRow('system-short-vertical').UsageCount).toBe(0);
  });

  it('increments UsageCount in SQL, from the stored value', async () => {
    // Another process bumped the counter behind this connection's back.
    t.db.$client.prepare('UPDATE Templates SET UsageCount = 41 WHERE Id = ?').run(explainer);
    await t.caller.templates.createProject({ templateId: explainer, title: 'From 41' });
    expect(templateRow(explainer).UsageCount).toBe(42);
  });

  it('leaves sections the template does not have empty', async () => {
    insertCommunityTemplate({
      id: 'brief-only',
      name: 'Brief only',
      category: 'X',
      templateData: JSON.stringify({ brief: { tone: 'dry' }, extra: { kept: true } }),
    });
    const project = await t.caller.templates.createProject({
      templateId: 'brief-only',
      title: 'Minimal',
    });
    expect(JSON.parse(project.briefJson!)).toEqual({ tone: 'dry' });
    expect(project.planSpecJson).toBeNull();
    expect(project.voiceSpecJson).toBeNull();
    expect(project.renderSpecJson).toBeNull();
    expect(project.description).toBeNull();
  });

  it('refuses viewers, anonymous callers, bad input and unknown or malformed templates, changing nothing', async () => {
    insertCommunityTemplate({
      id: 'broken',
      name: 'Broken',
      category: 'X',
      templateData: '{"plan": [1,2]}',
    });
    const before = snapshot();
    await expectError(
      t.as('viewer').templates.createProject({ templateId: explainer, title: 'No' }),
      'FORBIDDEN',
    );
    await expectError(
      t.anonymous.templates.createProject({ templateId: explainer, title: 'No' }),
      'UNAUTHORIZED',
    );
    await expectBadRequest(
      t.caller.templates.createProject({ templateId: explainer, title: '   ' }),
      'title',
    );
    await expectBadRequest(
      t.caller.templates.createProject({ templateId: '', title: 'x' }),
      'templateId',
    );
    await expectError(
      t.caller.templates.createProject({ templateId: 'missing', title: 'No' }),
      'NOT_FOUND',
    );
    await expectError(
      t.caller.templates.createProject({ templateId: 'broken', title: 'No' }),
      'PRECONDITION_FAILED',
      /at plan/,
    );
    expect(snapshot()).toEqual(before);
  });

  it('rolls the project back when the counter cannot be written (one transaction)', async () => {
    // A trigger that fails the UsageCount update: the project insert before it must not survive.
    t.db.$client.exec(`CREATE TRIGGER fail_usage BEFORE UPDATE OF UsageCount ON Templates
      BEGIN SELECT RAISE(ABORT, 'usage update refused'); END`);
    const before = snapshot();
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    await expectError(
      t.caller.templates.createProject({ templateId: explainer, title: 'Half done?' }),
      'INTERNAL_SERVER_ERROR',
    );
    expect(log).toHaveBeenCalledOnce();
    log.mockRestore();
    expect(snapshot()).toEqual(before);
  });
});

describe('templates.rate', () => {
  const rate = (caller: Caller, rating: number, templateId = explainer) =>
    caller.templates.rate({ templateId, rating });

  it('keeps Rating and RatingCount exact as ratings are added and changed', async () => {
    const editor = t.as('editor');
    const admin = t.as('admin');

    expect(await rate(editor, 4)).toEqual({
      templateId: explainer,
      rating: 4,
      ratingCount: 1,
      myRating: 4,
    });
    expect(await rate(admin, 5)).toMatchObject({ rating: 4.5, ratingCount: 2, myRating: 5 });
    // Changing a rating replaces it: still two ratings.
    expect(await rate(editor, 1)).toMatchObject({ rating: 3, ratingCount: 2, myRating: 1 });
    const third = newUser('editor');
    expect(await rate(third.caller, 1)).toMatchObject({ rating: 7 / 3, ratingCount: 3 });
    expect(await rate(admin, 2)).toMatchObject({ rating: 4 / 3, ratingCount: 3 });

    const row = templateRow(explainer);
    expect(row.Rating).toBe(4 / 3);
    expect(row.RatingCount).toBe(3);
    const ratings = t.db.$client
      .prepare(
        'SELECT UserId, Rating, RowVersion, CreatedBy, ModifiedBy FROM TemplateRatings WHERE TemplateId = ?',
      )
      .all(explainer) as { UserId: string; Rating: number; RowVersion: number }[];
    const byUser = Object.fromEntries(ratings.map((r) => [r.UserId, r]));
    expect(byUser[t.principal('editor').userId]).toMatchObject({
      Rating: 1,
      RowVersion: 2,
      CreatedBy: t.principal('editor').userId,
    });
    expect(byUser[third.userId]).toMatchObject({ Rating: 1, RowVersion: 1 });
    // The other templates are untouched.
    expect(templateRow('system-short-vertical')).toMatchObject({ Rating: 0, RatingCount: 0 });
  });

  it('matches the exact mean after many random changes by many users', async () => {
    const users = [
      t.as('editor'),
      t.as('admin'),
      newUser('editor').caller,
      newUser('admin').caller,
    ];
    const current = new Map<number, number>();
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 40; i++) {
      const who = Math.floor(random() * users.length);
      const rating = 1 + Math.floor(random() * 5);
      current.set(who, rating);
      const result = await rate(users[who]!, rating);
      const values = [...current.values()];
      expect(result.ratingCount).toBe(values.length);
      expect(result.rating).toBe(values.reduce((a, b) => a + b, 0) / values.length);
    }
    const recomputed = t.db.$client
      .prepare(
        'SELECT avg(Rating) AS mean, count(*) AS n FROM TemplateRatings WHERE TemplateId = ?',
      )
      .get(explainer) as { mean: number; n: number };
    expect(templateRow(explainer)).toMatchObject({
      Rating: recomputed.mean,
      RatingCount: recomputed.n,
    });
  });

  it('refuses viewers, anonymous callers, out-of-range ratings and unknown templates, changing nothing', async () => {
    await rate(t.as('editor'), 3);
    const before = snapshot();
    await expectError(rate(t.as('viewer'), 5), 'FORBIDDEN');
    await expectError(rate(t.anonymous, 5), 'UNAUTHORIZED');
    for (const bad of [0, 6, 2.5, -1]) {
      await expectBadRequest(rate(t.caller, bad), 'rating');
    }
    await expectError(rate(t.caller, 5, 'missing'), 'NOT_FOUND');
    expect(snapshot()).toEqual(before);
  });
});

describe('query plans', () => {
  function plan(input: ListInput): string {
    const { sql, params } = buildTemplateListQuery(t.db, templateListInput.parse(input)).toSQL();
    return (
      t.db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as {
        detail: string;
      }[]
    )
      .map((row) => row.detail)
      .join('\n');
  }

  it('never scans the whole Templates table', async () => {
    for (let i = 0; i < 30; i++) {
      insertCommunityTemplate({ id: `c-${i}`, name: `Community ${i}`, category: `Cat ${i % 5}` });
    }
    const { nextCursor: cursor } = await t.caller.templates.list({ limit: 12 });
    expect(cursor).toEqual(expect.any(String));
    for (const input of [
      {},
      { cursor },
      { category: 'Cat 1' },
      { category: 'Cat 1', subCategory: '' },
      { category: 'Cat 1', cursor },
      { isSystem: true },
      { isCommunity: true, tags: ['x', 'y'] },
      { search: 'x' },
    ] as ListInput[]) {
      const details = plan(input);
      expect(details, JSON.stringify(input)).not.toMatch(/^SCAN Templates$/m);
      expect(details, JSON.stringify(input)).toMatch(/USING (COVERING )?INDEX IX_Templates_/);
    }
    // The category filter seeks the index.
    expect(plan({ category: 'Cat 1' })).toMatch(
      /SEARCH Templates USING INDEX IX_Templates_Category/,
    );
  });
});
