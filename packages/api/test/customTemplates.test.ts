import path from 'node:path';
import { customTemplates, insertAudited, seedDatabase } from '@aura/db';
import { TRPCError } from '@trpc/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { customTemplateListInput, customTemplateTrashInput } from '../src/customTemplates/schema';
import {
  buildCustomTemplateListQuery,
  buildCustomTemplateTrashQuery,
} from '../src/customTemplates/service';
import type { RouterInputs } from '../src/root';
import { UNKNOWN_ID, openTestDb, type TestDb } from './helpers';

type CreateInput = RouterInputs['customTemplates']['create'];

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

/** BAD_REQUEST from Zod, with the top-level field and (optionally) the full issue path. */
async function expectBadRequest(
  promise: Promise<unknown>,
  field: string,
  issuePath?: (string | number)[],
) {
  const error = await expectError(promise, 'BAD_REQUEST');
  expect(error.cause).toBeInstanceOf(ZodError);
  const zod = error.cause as ZodError;
  expect(Object.keys(zod.flatten().fieldErrors)).toContain(field);
  if (issuePath) expect(zod.issues.map((issue) => issue.path)).toContainEqual(issuePath);
  return error;
}

const rows = () => t.db.$client.prepare('SELECT * FROM CustomTemplates ORDER BY Id').all();

const scriptStructure = {
  sections: [
    { name: 'Hook', durationSeconds: 5, guidance: 'A question' },
    { name: 'Body', durationSeconds: 50 },
    { name: 'Outro', durationSeconds: 5 },
  ],
  targetDurationSeconds: 60,
  tone: 'playful',
  pacing: 'fast' as const,
};
const videoStructure = {
  aspectRatio: '9:16' as const,
  resolution: { width: 1080, height: 1920 },
  fps: 30,
  transitions: { type: 'crossfade' as const, durationSeconds: 0.5 },
};
const llmPipeline = {
  provider: 'openai',
  model: 'gpt-4o-mini',
  temperature: 0.7,
  maxTokens: 4000,
  steps: [
    { name: 'Outline', kind: 'outline' as const, prompt: 'Outline {{topic}}' },
    { name: 'Draft', kind: 'script' as const, temperature: 0.9 },
    { name: 'Polish', kind: 'refine' as const, model: 'gpt-4o' },
  ],
};
const visualPreferences = {
  style: 'flat illustration',
  palette: ['#0f172a', '#38BDF8', '#fff'],
  fonts: { heading: 'Inter', body: 'Source Serif', captions: 'Inter' },
};

const full = (overrides: Partial<CreateInput> = {}): CreateInput => ({
  name: 'Vertical explainer',
  description: 'Short explainer for phones',
  category: 'Short-form',
  tags: ['shorts', 'explainer'],
  scriptStructure,
  videoStructure,
  llmPipeline,
  visualPreferences,
  ...overrides,
});

describe('customTemplates.create and get', () => {
  it('stores the template with its sections and returns them parsed', async () => {
    const created = await t.caller.customTemplates.create(full());
    expect(created).toMatchObject({
      name: 'Vertical explainer',
      description: 'Short explainer for phones',
      category: 'Short-form',
      tags: ['shorts', 'explainer'],
      author: 'editor',
      isDefault: false,
      scriptStructure,
      videoStructure,
      llmPipeline,
      visualPreferences,
      invalidSections: [],
      rowVersion: 1,
      isDeleted: false,
      createdBy: t.principal('editor').userId,
      modifiedBy: t.principal('editor').userId,
    });
    const stored = t.db.$client
      .prepare('SELECT * FROM CustomTemplates WHERE Id = ?')
      .get(created.id) as Record<string, string>;
    expect(stored.Tags).toBe('shorts,explainer');
    expect(JSON.parse(stored.ScriptStructureJson!)).toEqual(scriptStructure);
    expect(JSON.parse(stored.VideoStructureJson!)).toEqual(videoStructure);
    expect(JSON.parse(stored.LLMPipelineJson!)).toEqual(llmPipeline);
    expect(JSON.parse(stored.VisualPreferencesJson!)).toEqual(visualPreferences);

    expect(await t.as('viewer').customTemplates.get({ id: created.id })).toEqual(created);
  });

  it('defaults author to the caller, description and tags to empty, sections to null', async () => {
    const created = await t.as('admin').customTemplates.create({
      name: ' Bare ',
      category: 'Misc',
      tags: ['a', ' b ', 'A'],
    });
    expect(created).toMatchObject({
      name: 'Bare',
      author: 'admin',
      description: '',
      tags: ['a', 'b'],
      scriptStructure: null,
      videoStructure: null,
      llmPipeline: null,
      visualPreferences: null,
    });
    const named = await t.caller.customTemplates.create({
      name: 'X',
      category: 'Misc',
      author: 'Studio Team',
    });
    expect(named.author).toBe('Studio Team');
    expect(named.createdBy).toBe(t.principal('editor').userId);
  });

  it('rejects a bad section with the path of the bad field, and stores nothing', async () => {
    const before = rows();
    const cases: [Partial<CreateInput>, string, (string | number)[]][] = [
      [
        { scriptStructure: { ...scriptStructure, sections: [{ name: 'A', durationSeconds: -1 }] } },
        'scriptStructure',
        ['scriptStructure', 'sections', 0, 'durationSeconds'],
      ],
      [
        { scriptStructure: { ...scriptStructure, sections: [] } },
        'scriptStructure',
        ['scriptStructure', 'sections'],
      ],
      [
        {
          scriptStructure: {
            sections: [
              { name: 'A', durationSeconds: 10_000 },
              { name: 'B', durationSeconds: 10_000 },
            ],
          },
        },
        'scriptStructure',
        ['scriptStructure', 'sections'],
      ],
      [
        { videoStructure: { ...videoStructure, resolution: { width: 1920, height: 1080 } } },
        'videoStructure',
        ['videoStructure', 'resolution'],
      ],
      [
        { videoStructure: { ...videoStructure, resolution: { width: 1081, height: 1920 } } },
        'videoStructure',
        ['videoStructure', 'resolution', 'width'],
      ],
      [
        { videoStructure: { ...videoStructure, fps: 0 } },
        'videoStructure',
        ['videoStructure', 'fps'],
      ],
      [
        {
          videoStructure: {
            ...videoStructure,
            transitions: { type: 'spin' as never, durationSeconds: 1 },
          },
        },
        'videoStructure',
        ['videoStructure', 'transitions', 'type'],
      ],
      [
        { videoStructure: { ...videoStructure, aspectRatio: '3:1' as never } },
        'videoStructure',
        ['videoStructure', 'aspectRatio'],
      ],
      [
        { llmPipeline: { ...llmPipeline, temperature: 3 } },
        'llmPipeline',
        ['llmPipeline', 'temperature'],
      ],
      [
        { llmPipeline: { ...llmPipeline, provider: 'open ai!' } },
        'llmPipeline',
        ['llmPipeline', 'provider'],
      ],
      [
        {
          llmPipeline: {
            ...llmPipeline,
            steps: [
              { name: 'Draft', kind: 'script' },
              { name: 'draft', kind: 'refine' },
            ],
          },
        },
        'llmPipeline',
        ['llmPipeline', 'steps', 1, 'name'],
      ],
      [
        { llmPipeline: { ...llmPipeline, steps: [{ name: 'X', kind: 'dance' as never }] } },
        'llmPipeline',
        ['llmPipeline', 'steps', 0, 'kind'],
      ],
      [
        { visualPreferences: { ...visualPreferences, palette: ['#123456', 'red'] } },
        'visualPreferences',
        ['visualPreferences', 'palette', 1],
      ],
      [
        {
          visualPreferences: { ...visualPreferences, fonts: { heading: '', body: 'Inter' } },
        },
        'visualPreferences',
        ['visualPreferences', 'fonts', 'heading'],
      ],
      // A typo'd key is an error, not silently dropped.
      [
        { visualPreferences: { ...visualPreferences, pallete: ['#fff'] } as never },
        'visualPreferences',
        ['visualPreferences'],
      ],
      [{ tags: ['ok', 'a,b'] }, 'tags', ['tags', 1]],
      [{ name: '  ' }, 'name', ['name']],
      [{ category: '' }, 'category', ['category']],
      [{ isDefault: 'yes' as never }, 'isDefault', ['isDefault']],
    ];
    for (const [overrides, field, issuePath] of cases) {
      await expectBadRequest(t.caller.customTemplates.create(full(overrides)), field, issuePath);
    }
    expect(rows()).toEqual(before);
  });

  it('accepts realistic variations (fractional fps, 854x480 as 16:9, no optional fields)', async () => {
    const created = await t.caller.customTemplates.create(
      full({
        videoStructure: {
          aspectRatio: '16:9',
          resolution: { width: 854, height: 480 },
          fps: 29.97,
          transitions: { type: 'cut', durationSeconds: 0 },
        },
        llmPipeline: {
          provider: 'ollama',
          model: 'llama3.1:8b',
          temperature: 0,
          steps: [{ name: 'All', kind: 'script' }],
        },
        visualPreferences: {
          style: 'cinematic',
          palette: ['#000'],
          fonts: { heading: 'Bebas Neue', body: 'Inter' },
        },
        scriptStructure: { sections: [{ name: 'Only', durationSeconds: 12.5 }] },
      }),
    );
    expect(created.videoStructure?.fps).toBe(29.97);
  });

  it('checks roles and existence', async () => {
    const before = rows();
    await expectError(t.as('viewer').customTemplates.create(full()), 'FORBIDDEN');
    await expectError(t.anonymous.customTemplates.create(full()), 'UNAUTHORIZED');
    await expectError(t.anonymous.customTemplates.get({ id: 'x' }), 'UNAUTHORIZED');
    await expectError(t.anonymous.customTemplates.list(), 'UNAUTHORIZED');
    await expectError(t.anonymous.customTemplates.trash(), 'UNAUTHORIZED');
    await expectError(t.caller.customTemplates.get({ id: UNKNOWN_ID }), 'NOT_FOUND');
    expect(rows()).toEqual(before);
  });

  it('returns sections written by another tool that fail the schema as null, and says so', async () => {
    const row = insertAudited(
      t.db,
      customTemplates,
      {
        name: 'Legacy',
        category: 'Old',
        author: 'Importer',
        scriptStructureJson: JSON.stringify({ sections: 'intro, body' }),
        videoStructureJson: JSON.stringify(videoStructure),
      },
      'importer',
    );
    const view = await t.caller.customTemplates.get({ id: row.id });
    expect(view.scriptStructure).toBeNull();
    expect(view.videoStructure).toEqual(videoStructure);
    expect(view.invalidSections).toEqual(['scriptStructure']);
  });
});

describe('customTemplates.update', () => {
  it('changes only the given fields, bumps RowVersion, and clears a section set to null', async () => {
    const created = await t.caller.customTemplates.create(full());
    const updated = await t.as('admin').customTemplates.update({
      id: created.id,
      rowVersion: 1,
      name: 'Renamed',
      tags: ['new'],
      llmPipeline: null,
      videoStructure: { ...videoStructure, fps: 60 },
    });
    expect(updated).toMatchObject({
      name: 'Renamed',
      description: created.description,
      tags: ['new'],
      llmPipeline: null,
      videoStructure: { ...videoStructure, fps: 60 },
      scriptStructure,
      visualPreferences,
      rowVersion: 2,
      createdBy: t.principal('editor').userId,
      modifiedBy: t.principal('admin').userId,
    });
    const stored = t.db.$client
      .prepare('SELECT LLMPipelineJson, Tags FROM CustomTemplates WHERE Id = ?')
      .get(created.id);
    expect(stored).toEqual({ LLMPipelineJson: null, Tags: 'new' });
  });

  it('rejects a stale RowVersion, bad input, viewers and missing rows, changing nothing', async () => {
    const created = await t.caller.customTemplates.create(full());
    await t.caller.customTemplates.update({ id: created.id, rowVersion: 1, name: 'v2' });
    const before = rows();
    await expectError(
      t.caller.customTemplates.update({ id: created.id, rowVersion: 1, name: 'stale' }),
      'CONFLICT',
      /version 1, it is now 2/,
    );
    await expectBadRequest(
      t.caller.customTemplates.update({
        id: created.id,
        rowVersion: 2,
        visualPreferences: { ...visualPreferences, palette: [] },
      }),
      'visualPreferences',
      ['visualPreferences', 'palette'],
    );
    await expectBadRequest(
      t.caller.customTemplates.update({ id: created.id, rowVersion: 0, name: 'x' }),
      'rowVersion',
    );
    await expectError(
      t.as('viewer').customTemplates.update({ id: created.id, rowVersion: 2, name: 'x' }),
      'FORBIDDEN',
    );
    await expectError(
      t.anonymous.customTemplates.update({ id: created.id, rowVersion: 2, name: 'x' }),
      'UNAUTHORIZED',
    );
    await expectError(
      t.caller.customTemplates.update({ id: UNKNOWN_ID, rowVersion: 1, name: 'x' }),
      'NOT_FOUND',
    );
    expect(rows()).toEqual(before);
  });
});

describe('soft delete, trash and restore', () => {
  it('moves a template to the trash and back, with RowVersion checks', async () => {
    const created = await t.caller.customTemplates.create(full());
    const keep = await t.caller.customTemplates.create(full({ name: 'Keep' }));

    await expectError(
      t.caller.customTemplates.softDelete({ id: created.id, rowVersion: 7 }),
      'CONFLICT',
    );
    await expectError(
      t.as('viewer').customTemplates.softDelete({ id: created.id, rowVersion: 1 }),
      'FORBIDDEN',
    );
    const deleted = await t.caller.customTemplates.softDelete({ id: created.id, rowVersion: 1 });
    expect(deleted).toMatchObject({
      isDeleted: true,
      deletedBy: t.principal('editor').userId,
      rowVersion: 2,
    });
    expect(deleted.deletedAt).toEqual(expect.any(String));

    await expectError(t.caller.customTemplates.get({ id: created.id }), 'NOT_FOUND');
    expect((await t.caller.customTemplates.list()).items.map((i) => i.id)).toEqual([keep.id]);
    const trash = await t.as('viewer').customTemplates.trash();
    expect(trash.items.map((i) => i.id)).toEqual([created.id]);
    expect(trash.items[0]).toMatchObject({ tags: ['shorts', 'explainer'], isDefault: false });
    // Deleting again or updating a deleted row: not found.
    await expectError(
      t.caller.customTemplates.softDelete({ id: created.id, rowVersion: 2 }),
      'NOT_FOUND',
    );
    await expectError(
      t.caller.customTemplates.update({ id: created.id, rowVersion: 2, name: 'x' }),
      'NOT_FOUND',
    );

    const before = rows();
    await expectError(
      t.caller.customTemplates.restore({ id: created.id, rowVersion: 1 }),
      'CONFLICT',
    );
    await expectError(
      t.as('viewer').customTemplates.restore({ id: created.id, rowVersion: 2 }),
      'FORBIDDEN',
    );
    // A live row is not in the trash.
    await expectError(
      t.caller.customTemplates.restore({ id: keep.id, rowVersion: 1 }),
      'NOT_FOUND',
    );
    expect(rows()).toEqual(before);

    const restored = await t.as('admin').customTemplates.restore({
      id: created.id,
      rowVersion: 2,
    });
    expect(restored).toMatchObject({
      isDeleted: false,
      deletedAt: null,
      deletedBy: null,
      rowVersion: 3,
    });
    expect((await t.caller.customTemplates.trash()).items).toEqual([]);
    expect(await t.caller.customTemplates.get({ id: created.id })).toEqual(restored);
  });
});

describe('one default per category', () => {
  /** Live defaults per category, straight from the table. */
  const defaults = () =>
    Object.fromEntries(
      (
        t.db.$client
          .prepare(
            'SELECT Category, group_concat(Name) AS names FROM CustomTemplates WHERE IsDefault = 1 AND IsDeleted = 0 GROUP BY Category ORDER BY Category',
          )
          .all() as { Category: string; names: string }[]
      ).map((r) => [r.Category, r.names]),
    );

  it('setting a default clears the others of the category, in one transaction', async () => {
    const a = await t.caller.customTemplates.create({
      name: 'A',
      category: 'Ads',
      isDefault: true,
    });
    const other = await t.caller.customTemplates.create({
      name: 'O',
      category: 'Other',
      isDefault: true,
    });
    expect(defaults()).toEqual({ Ads: 'A', Other: 'O' });

    const b = await t.caller.customTemplates.create({
      name: 'B',
      category: 'Ads',
      isDefault: true,
    });
    expect(defaults()).toEqual({ Ads: 'B', Other: 'O' });
    // A was changed by that: new RowVersion, so an edit based on the old one conflicts.
    const aNow = await t.caller.customTemplates.get({ id: a.id });
    expect(aNow).toMatchObject({ isDefault: false, rowVersion: 2 });
    await expectError(
      t.caller.customTemplates.update({ id: a.id, rowVersion: 1, name: 'A2' }),
      'CONFLICT',
    );

    // Back to A through update.
    await t.caller.customTemplates.update({ id: a.id, rowVersion: 2, isDefault: true });
    expect(defaults()).toEqual({ Ads: 'A', Other: 'O' });
    expect((await t.caller.customTemplates.get({ id: b.id })).isDefault).toBe(false);

    // Moving the default A into "Other" makes it Other's default, and Ads has none.
    await t.caller.customTemplates.update({ id: a.id, rowVersion: 3, category: 'Other' });
    expect(defaults()).toEqual({ Other: 'A' });
    expect((await t.caller.customTemplates.get({ id: other.id })).isDefault).toBe(false);

    // Turning the flag off leaves the category without a default.
    await t.caller.customTemplates.update({ id: a.id, rowVersion: 4, isDefault: false });
    expect(defaults()).toEqual({});
  });

  it('a stale update that would set a default changes nothing', async () => {
    const a = await t.caller.customTemplates.create({
      name: 'A',
      category: 'Ads',
      isDefault: true,
    });
    const b = await t.caller.customTemplates.create({ name: 'B', category: 'Ads' });
    await t.caller.customTemplates.update({ id: b.id, rowVersion: 1, name: 'B2' });
    const before = rows();
    await expectError(
      t.caller.customTemplates.update({ id: b.id, rowVersion: 1, isDefault: true }),
      'CONFLICT',
    );
    expect(rows()).toEqual(before);
    expect((await t.caller.customTemplates.get({ id: a.id })).isDefault).toBe(true);
  });

  it('trash does not count; a restored default yields to the current one', async () => {
    const a = await t.caller.customTemplates.create({
      name: 'A',
      category: 'Ads',
      isDefault: true,
    });
    await t.caller.customTemplates.softDelete({ id: a.id, rowVersion: 1 });
    expect(defaults()).toEqual({});
    const b = await t.caller.customTemplates.create({
      name: 'B',
      category: 'Ads',
      isDefault: true,
    });
    expect(defaults()).toEqual({ Ads: 'B' });

    const restored = await t.caller.customTemplates.restore({ id: a.id, rowVersion: 2 });
    expect(restored).toMatchObject({ isDeleted: false, isDefault: false, rowVersion: 4 });
    expect(defaults()).toEqual({ Ads: 'B' });

    // With no other default, a restored default stays the default.
    await t.caller.customTemplates.update({ id: a.id, rowVersion: 4, isDefault: true });
    expect(defaults()).toEqual({ Ads: 'A' });
    await t.caller.customTemplates.softDelete({ id: a.id, rowVersion: 5 });
    const again = await t.caller.customTemplates.restore({ id: a.id, rowVersion: 6 });
    expect(again).toMatchObject({ isDefault: true, rowVersion: 7 });
    expect(defaults()).toEqual({ Ads: 'A' });
    expect((await t.caller.customTemplates.get({ id: b.id })).isDefault).toBe(false);
  });
});

describe('customTemplates.list', () => {
  /** Inserts templates with pinned CreatedAt values (pairs share one, to test the Id tie-break). */
  async function seedMany(count: number) {
    const created = [];
    for (let i = 0; i < count; i++) {
      const row = await t.caller.customTemplates.create({
        name: `T${i}`,
        category: i % 3 === 0 ? 'Ads' : 'Talks',
        tags: [`n${i}`],
      });
      const createdAt = new Date(Date.UTC(2026, 0, 1, 0, Math.floor(i / 2))).toISOString();
      t.db.$client
        .prepare('UPDATE CustomTemplates SET CreatedAt = ? WHERE Id = ?')
        .run(createdAt, row.id);
      created.push({ ...row, createdAt });
    }
    return created;
  }
  const newestFirst = (
    a: { createdAt: string; id: string },
    b: { createdAt: string; id: string },
  ) => (a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.id < b.id ? 1 : -1);

  it('pages newest first with the Id tie-break, optionally within one category', async () => {
    const created = await seedMany(17);
    for (const category of [undefined, 'Ads', 'Talks']) {
      const expected = created
        .filter((row) => !category || row.category === category)
        .sort(newestFirst)
        .map((row) => row.id);
      const ids: string[] = [];
      let cursor: string | null = null;
      for (let guard = 0; guard < 20; guard++) {
        const page: Awaited<ReturnType<typeof t.caller.customTemplates.list>> = await t
          .as('viewer')
          .customTemplates.list({ limit: 4, cursor, category });
        ids.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      expect(ids).toEqual(expected);
    }
    const first = await t.caller.customTemplates.list({ limit: 1 });
    expect(first.items[0]).not.toHaveProperty('scriptStructureJson');
    expect(first.items[0]?.tags).toEqual([expect.stringMatching(/^n\d+$/)]);
  });

  it('pages the trash by deletion time', async () => {
    const created = await seedMany(5);
    for (const [i, row] of created.entries()) {
      await t.caller.customTemplates.softDelete({ id: row.id, rowVersion: 1 });
      t.db.$client
        .prepare('UPDATE CustomTemplates SET DeletedAt = ? WHERE Id = ?')
        .run(`2026-02-0${1 + (i % 2)}T00:00:00.000Z`, row.id);
    }
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof t.caller.customTemplates.trash>> =
        await t.caller.customTemplates.trash({ limit: 2, cursor });
      ids.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor);
    const expected = created
      .map((row, i) => ({ id: row.id, createdAt: `2026-02-0${1 + (i % 2)}` }))
      .sort(newestFirst)
      .map((row) => row.id);
    expect(ids).toEqual(expected);
  });

  it('rejects bad paging input', async () => {
    await expectBadRequest(t.caller.customTemplates.list({ limit: 0 }), 'limit');
    await expectBadRequest(t.caller.customTemplates.list({ cursor: 'nope' }), 'cursor');
    for (const name of ['A', 'B']) {
      const created = await t.caller.customTemplates.create({ name, category: 'C' });
      await t.caller.customTemplates.softDelete({ id: created.id, rowVersion: created.rowVersion });
    }
    const trashCursor = (await t.caller.customTemplates.trash({ limit: 1 })).nextCursor;
    expect(trashCursor).toEqual(expect.any(String));
    await expectBadRequest(t.caller.customTemplates.list({ cursor: trashCursor }), 'cursor');
    await expectBadRequest(t.caller.customTemplates.trash({ limit: 1000 }), 'limit');
  });
});

describe('query plans', () => {
  const explain = ({ sql, params }: { sql: string; params: unknown[] }) =>
    (t.db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
      .map((row) => row.detail)
      .join('\n');

  it('never scans the whole CustomTemplates table', async () => {
    for (let i = 0; i < 20; i++) {
      await t.caller.customTemplates.create({ name: `T${i}`, category: `C${i % 4}` });
    }
    const { nextCursor: cursor } = await t.caller.customTemplates.list({ limit: 5 });
    expect(cursor).toEqual(expect.any(String));
    for (const input of [{}, { category: 'C1' }, { cursor }, { category: 'C1', cursor }]) {
      const details = explain(
        buildCustomTemplateListQuery(t.db, customTemplateListInput.parse(input)).toSQL(),
      );
      expect(details, JSON.stringify(input)).not.toMatch(/^SCAN CustomTemplates$/m);
      expect(details, JSON.stringify(input)).toMatch(/USING (COVERING )?INDEX IX_CustomTemplates_/);
    }
    const trash = explain(
      buildCustomTemplateTrashQuery(t.db, customTemplateTrashInput.parse({})).toSQL(),
    );
    expect(trash).not.toMatch(/^SCAN CustomTemplates$/m);
    expect(trash).toMatch(/IX_CustomTemplates_IsDeleted/);
  });
});
