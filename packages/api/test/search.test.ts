import { TRPCError } from '@trpc/server';
import {
  applyMigrations,
  insertAudited,
  loadMigrations,
  resolveMigrationTarget,
  rollbackMigrations,
  searchIndexProblems,
  templates,
} from '@aura/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COMMON_MATCHES, planProjectSearch } from '../src/search/projects';
import { snippetSegments } from '../src/search/text';
import { openTestDb, rejectionHelpers, type Caller, type TestDb } from './helpers';

let t: TestDb;
let editor: Caller;

beforeEach(() => {
  t = openTestDb();
  editor = t.as('editor');
});
afterEach(() => t.close());

const listTitles = async (search: string, caller: Caller = editor) =>
  (await caller.projects.list({ search, limit: 100 })).items.map((p) => p.title).sort();

const globalHits = async (q: string, caller: Caller = editor) =>
  (await caller.search.global({ q })).items.map((h) => `${h.kind}:${h.title}`);

const inSync = () => expect(searchIndexProblems(t.db.$client)).toEqual([]);

function insertTemplate(name: string, description: string, tags = '') {
  return insertAudited(
    t.db,
    templates,
    { name, description, tags, category: 'Education', templateData: '{}', author: 'Someone' },
    'tester',
  );
}

describe('the index follows every write', () => {
  it('create, update, soft delete, restore, undo, redo and hard delete', async () => {
    const created = await editor.projects.create({
      title: 'Volcanic islands',
      description: 'Magma and ash',
    });
    expect(await listTitles('volcan')).toEqual(['Volcanic islands']);
    expect(await listTitles('magma')).toEqual(['Volcanic islands']);
    inSync();

    const renamed = await editor.projects.update({
      id: created.id,
      rowVersion: created.rowVersion,
      title: 'Coral reefs',
    });
    expect(await listTitles('volcan')).toEqual([]);
    expect(await listTitles('coral')).toEqual(['Coral reefs']);
    inSync();

    // Undo brings the old title back (a write through the undo log, not a service): the
    // triggers re-index it in the same transaction.
    await editor.actions.undo();
    expect(await listTitles('volcan')).toEqual(['Volcanic islands']);
    expect(await listTitles('coral')).toEqual([]);
    await editor.actions.redo();
    expect(await listTitles('coral')).toEqual(['Coral reefs']);
    inSync();

    const current = (await editor.projects.get({ id: created.id })).rowVersion;
    expect(current).toBeGreaterThan(renamed.rowVersion - 1);
    await editor.projects.softDelete({ id: created.id, rowVersion: current });
    expect(await listTitles('coral')).toEqual([]);
    expect(await globalHits('coral')).toEqual([]);
    inSync();

    const deleted = await t.as('admin').projects.trash({});
    const inTrash = deleted.items.find((p) => p.id === created.id);
    expect(inTrash).toBeDefined();
    await editor.projects.restore({ id: created.id, rowVersion: inTrash?.rowVersion ?? 0 });
    expect(await listTitles('coral')).toEqual(['Coral reefs']);
    inSync();

    const again = await editor.projects.get({ id: created.id });
    await editor.projects.softDelete({ id: created.id, rowVersion: again.rowVersion });
    await t.as('admin').projects.hardDelete({ id: created.id });
    expect(await listTitles('coral')).toEqual([]);
    inSync();
    const keys = t.db.$client.prepare(`SELECT count(*) AS n FROM SearchKeys`).get() as {
      n: number;
    };
    expect(keys.n).toBe(0);
  });

  it('scenes: added, edited, deleted, and hidden while their project is in the trash', async () => {
    const project = await editor.projects.create({ title: 'Deep space' });
    const scene = await editor.scenes.add({
      projectId: project.id,
      scriptText: 'The nebula glows in ultraviolet light.',
    });
    let hits = (await editor.search.global({ q: 'nebula' })).items;
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({
      kind: 'scene',
      id: scene.id,
      sceneId: scene.id,
      projectId: project.id,
      title: 'Deep space · scene 1',
    });
    const updated = await editor.scenes.update({
      id: scene.id,
      rowVersion: scene.rowVersion,
      scriptText: 'A quasar outshines its galaxy.',
    });
    expect(await globalHits('nebula')).toEqual([]);
    expect(await globalHits('quasar')).toEqual(['scene:Deep space · scene 1']);
    inSync();

    const live = await editor.projects.get({ id: project.id });
    await editor.projects.softDelete({ id: project.id, rowVersion: live.rowVersion });
    expect(await globalHits('quasar')).toEqual([]);
    const trashed = await editor.projects.trash({});
    await editor.projects.restore({
      id: project.id,
      rowVersion: trashed.items[0]?.rowVersion ?? 0,
    });
    expect(await globalHits('quasar')).toEqual(['scene:Deep space · scene 1']);

    await editor.scenes.delete({ id: updated.id, rowVersion: updated.rowVersion });
    hits = (await editor.search.global({ q: 'quasar' })).items;
    expect(hits).toEqual([]);
    inSync();
  });

  it('templates and custom templates, custom ones leaving with a soft delete', async () => {
    insertTemplate('Product launch', 'Announce a gadget', 'marketing,launch');
    const custom = await editor.customTemplates.create({
      name: 'Launch checklist',
      category: 'Business',
      description: 'Everything before a launch',
      tags: ['rocket'],
    });
    expect((await globalHits('launch')).sort()).toEqual([
      'customTemplate:Launch checklist',
      'template:Product launch',
    ]);
    // A tag is searched too.
    expect(await globalHits('rocket')).toEqual(['customTemplate:Launch checklist']);
    await editor.customTemplates.softDelete({ id: custom.id, rowVersion: custom.rowVersion });
    expect(await globalHits('launch')).toEqual(['template:Product launch']);
    inSync();
  });

  it('rows written with plain SQL (the legacy importer, a sqlite3 shell) are indexed too', async () => {
    t.db.$client
      .prepare(
        `INSERT INTO ProjectStates (Id, Title, CreatedAt, UpdatedAt) VALUES ('0190a000-0000-7000-8000-000000000001', 'Imported glacier tour', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
      )
      .run();
    expect(await listTitles('glacier')).toEqual(['Imported glacier tour']);
    inSync();
  });
});

describe('matching', () => {
  it('folds case and diacritics: "école" finds "ÉCOLE" and "ecole", and the reverse', async () => {
    await editor.projects.create({ title: 'ÉCOLE NORMALE' });
    await editor.projects.create({ title: 'ecole du soir' });
    await editor.projects.create({ title: "L'école des fans" });
    await editor.projects.create({ title: 'Schoolyard' });
    const all = ["L'école des fans", 'ecole du soir', 'ÉCOLE NORMALE'].sort();
    expect(await listTitles('école')).toEqual(all);
    expect(await listTitles('ECOLE')).toEqual(all);
    expect(await listTitles('Ecole')).toEqual(all);
    expect((await globalHits('école')).sort()).toEqual(all.map((x) => `project:${x}`).sort());
  });

  it('terms shorter than three characters still match (by a scan), folded the same way', async () => {
    await editor.projects.create({ title: 'Ça va', description: null });
    await editor.projects.create({ title: 'Tax report' });
    await editor.projects.create({ title: 'Nothing' });
    expect(await listTitles('x')).toEqual(['Tax report']);
    expect(await listTitles('ca')).toEqual(['Ça va']);
    expect(await listTitles('ÇA')).toEqual(['Ça va']);
    const result = await editor.search.global({ q: 'ax' });
    expect(result.indexed).toBe(false);
    expect(result.items.map((h) => h.title)).toEqual(['Tax report']);
  });

  it('a multi-word list search is one substring; the search box needs every word', async () => {
    await editor.projects.create({ title: 'Red volcano at night' });
    await editor.projects.create({ title: 'Volcano, red hot' });
    expect(await listTitles('red volcano')).toEqual(['Red volcano at night']);
    expect((await globalHits('red volcano')).sort()).toEqual([
      'project:Red volcano at night',
      'project:Volcano, red hot',
    ]);
  });

  it('ranks with bm25: a title match before a description match, a denser match first', async () => {
    await editor.projects.create({ title: 'Gardening basics', description: 'Soil and seeds' });
    await editor.projects.create({ title: 'Cooking', description: 'Herbs from the gardening bed' });
    await editor.projects.create({
      title: 'Gardening gardening gardening',
      description: 'More gardening',
    });
    const hits = await globalHits('gardening');
    expect(hits).toEqual([
      'project:Gardening gardening gardening',
      'project:Gardening basics',
      'project:Cooking',
    ]);
    const scores = (await editor.search.global({ q: 'gardening' })).items.map((h) => h.score);
    expect([...scores].sort((a, b) => a - b)).toEqual(scores);
  });

  it('returns snippets as plain-text segments with the matches marked', async () => {
    const long = `${'Lorem ipsum dolor sit amet. '.repeat(10)}The <b>Aurora</b> borealis dances. ${'Filler text here. '.repeat(10)}`;
    const project = await editor.projects.create({ title: 'Night sky' });
    await editor.scenes.add({ projectId: project.id, scriptText: long });
    const [hit] = (await editor.search.global({ q: 'aurora' })).items;
    expect(hit?.kind).toBe('scene');
    const segments = hit?.snippet ?? [];
    expect(segments.filter((s) => s.match).map((s) => s.text)).toEqual(['Aurora']);
    const text = segments.map((s) => s.text).join('');
    expect(text).toContain('The <b>Aurora</b> borealis');
    expect(text.startsWith('…')).toBe(true);
    expect(text.endsWith('…')).toBe(true);
    expect(text.length).toBeLessThanOrEqual(210);
    // Folded matches are marked in the original spelling.
    expect(snippetSegments('Une ÉCOLE ici', ['ecole'], true)).toEqual([
      { text: 'Une ', match: false },
      { text: 'ÉCOLE', match: true },
      { text: ' ici', match: false },
    ]);
    const title = (await editor.search.global({ q: 'night' })).items[0]?.titleSegments;
    expect(title).toEqual([
      { text: 'Night', match: true },
      { text: ' sky', match: false },
    ]);
  });
});

describe('projects.list with a search keeps its filters, sort and paging', () => {
  async function seed(n: number, title: (i: number) => string) {
    for (let i = 0; i < n; i++) {
      const p = await editor.projects.create({ title: title(i) });
      // Distinct, known UpdatedAt values for a deterministic order.
      t.db.$client
        .prepare(`UPDATE ProjectStates SET UpdatedAt = ?, Status = ? WHERE Id = ?`)
        .run(
          new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
          i % 3 === 0 ? 'Failed' : 'InProgress',
          p.id,
        );
    }
  }

  async function pages(input: { search: string; status?: 'Failed'; sort?: 'title' }) {
    const titles: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<Caller['projects']['list']>> = await editor.projects.list({
        ...input,
        limit: 7,
        cursor,
      });
      titles.push(...page.items.map((p) => p.title));
      cursor = page.nextCursor;
    } while (cursor);
    return titles;
  }

  it('rare terms (the index) and common terms (the ordered scan) page identically', async () => {
    await seed(30, (i) => (i % 2 === 0 ? `Comet ${String(i).padStart(2, '0')}` : `Planet ${i}`));
    expect(planProjectSearch(t.db, 'comet').mode).toBe('index');
    const expected = Array.from({ length: 30 }, (_, i) => i)
      .filter((i) => i % 2 === 0)
      .reverse()
      .map((i) => `Comet ${String(i).padStart(2, '0')}`);
    expect(await pages({ search: 'comet' })).toEqual(expected);
    expect(await pages({ search: 'comet', status: 'Failed' })).toEqual(
      expected.filter((x) => Number(x.slice(6)) % 3 === 0),
    );
    expect(await pages({ search: 'comet', sort: 'title' })).toEqual([...expected].reverse());
  });

  it('a term matching many projects takes the ordered scan, with the same results', async () => {
    // A multiple of ten plus five: Stars n-5 is a nebula (below), the rest are stars.
    const n = Math.ceil((COMMON_MATCHES * 1.25) / 10) * 10 + 5;
    const sqlite = t.db.$client;
    const insert = sqlite.prepare(
      `INSERT INTO ProjectStates (Id, Title, CreatedAt, UpdatedAt) VALUES (?, ?, ?, ?)`,
    );
    sqlite.transaction(() => {
      for (let i = 0; i < n; i++) {
        const at = new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i)).toISOString();
        const id = `0190a000-0000-7000-8000-${String(i).padStart(12, '0')}`;
        insert.run(id, i % 10 === 0 ? `Nebula ${i}` : `Stars ${i}`, at, at);
      }
    })();
    expect(planProjectSearch(t.db, 'stars').mode).toBe('scan');
    expect(planProjectSearch(t.db, 'nebula').mode).toBe('index');
    const first = await editor.projects.list({ search: 'stars', limit: 3 });
    expect(first.items.map((p) => p.title)).toEqual([
      `Stars ${n - 1}`,
      `Stars ${n - 2}`,
      `Stars ${n - 3}`,
    ]);
    const next = await editor.projects.list({
      search: 'STARS',
      limit: 3,
      cursor: first.nextCursor,
    });
    expect(next.items.map((p) => p.title)).toEqual([
      `Stars ${n - 4}`,
      `Stars ${n - 6}`,
      `Stars ${n - 7}`,
    ]);
    const nebulae = await pages({ search: 'nebula' });
    expect(nebulae).toHaveLength(Math.ceil(n / 10));
  });
});

describe('the ordered scan', () => {
  /** `n` projects by plain SQL, the last one the most recently updated. */
  function insertProjects(
    titles: string[],
    description: (i: number) => string | null = () => null,
  ) {
    const insert = t.db.$client.prepare(
      `INSERT INTO ProjectStates (Id, Title, Description, CreatedAt, UpdatedAt) VALUES (?, ?, ?, ?, ?)`,
    );
    t.db.$client.transaction(() => {
      titles.forEach((title, i) => {
        const at = new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i)).toISOString();
        const id = `0190b000-0000-7000-8000-${String(i).padStart(12, '0')}`;
        insert.run(id, title, description(i), at, at);
      });
    })();
  }

  it('matches what the index matches: wildcards are literal, other text folded', async () => {
    // Mostly ASCII rows (compared natively) with accented and upper-case ones (through the fold
    // function), and near misses a LIKE wildcard would let through.
    const kinds = ['Sale 50% off', 'SALE 50% OFF', 'Sälé 50% öff', 'Sale 50x off', 'Sale 50 off'];
    const titles = Array.from(
      { length: COMMON_MATCHES * 4 },
      (_, i) => `${kinds[i % kinds.length]} ${i}`,
    );
    const descriptions = (i: number) =>
      i % 3 === 0 ? 'a_b\\c 100%' : i % 3 === 1 ? 'axb\\c 100' : null;
    insertProjects(titles, descriptions);
    const expected = (term: string, fold: (s: string) => string) =>
      titles
        .map((title, i) => ({ title, text: [title, descriptions(i) ?? ''] }))
        .filter(({ text }) => text.some((s) => fold(s).includes(fold(term))))
        .map(({ title }) => title)
        .reverse()
        .slice(0, 20);
    const fold = (s: string) =>
      s
        .normalize('NFD')
        .replace(/\p{M}+/gu, '')
        .toLowerCase();
    for (const term of ['sale 50% off', '50% OFF', 'a_b\\c', '100%']) {
      expect(planProjectSearch(t.db, term).mode, term).toBe('scan');
      const page = await editor.projects.list({ search: term, limit: 20 });
      expect(
        page.items.map((p) => p.title),
        term,
      ).toEqual(expected(term, fold));
      expect(page.items.length, term).toBe(20);
    }
  });

  it('the probe estimates how common a term is; a wrong estimate is caught by the full read', async () => {
    // 100 evenly spread "aurora" matches (more than the probe reads, fewer than common) and
    // "comet": a few early matches, so the probe estimates it rare, then many late ones.
    const n = 3000;
    const titles = Array.from({ length: n }, (_, i) =>
      i % 30 === 0
        ? `Aurora ${i}`
        : (i < 2000 && i % 40 === 1) || i >= n - COMMON_MATCHES
          ? `Comet ${i}`
          : `Project ${i}`,
    );
    insertProjects(titles);
    expect(planProjectSearch(t.db, 'aurora').mode).toBe('index');
    expect(await listTitles('aurora')).toHaveLength(100);
    expect(planProjectSearch(t.db, 'comet').mode).toBe('scan');
    const page = await editor.projects.list({ search: 'comet', limit: 20 });
    expect(page.items.map((p) => p.title)).toEqual(
      Array.from({ length: 20 }, (_, k) => `Comet ${n - 1 - k}`),
    );
  });
});

describe('hostile and odd terms', () => {
  it('FTS syntax in a term is literal text: never an error', async () => {
    await editor.projects.create({ title: 'He said "hello" (loudly) * NEAR the AND gate: OR not' });
    for (const term of [
      '"',
      '""',
      '"hello"',
      'hello"',
      '*',
      'hel*',
      'NEAR',
      'NEAR(a b)',
      'AND',
      'a OR b',
      'NOT gate',
      '(loudly)',
      'title:hello',
      '^hello',
      '-',
      "'; DROP TABLE ProjectStates; --",
      '\u0000abc',
      '%',
      '_',
      '\\',
      '🌋🌋🌋',
    ]) {
      await expect(editor.projects.list({ search: term })).resolves.toBeDefined();
      await expect(editor.search.global({ q: term })).resolves.toBeDefined();
    }
    expect(await listTitles('"hello"')).toHaveLength(1);
    expect(await listTitles('* NEAR')).toHaveLength(1);
    expect(await listTitles('%')).toEqual([]);
    expect((await globalHits('NEAR the AND')).length).toBe(1);
  });

  it('a 10 KB term is BAD_REQUEST on its field and reads nothing', async () => {
    const { rejectsField } = rejectionHelpers(() => null);
    const huge = 'x'.repeat(10_240);
    await rejectsField(() => editor.projects.list({ search: huge }), 'search');
    await rejectsField(() => editor.search.global({ q: huge }), 'q');
    await rejectsField(() => editor.search.global({ q: 'abc', limit: 1000 }), 'limit');
    await rejectsField(() => editor.search.global({ q: 42 as unknown as string }), 'q');
  });

  it('roles: anonymous is refused; viewer, editor and admin search', async () => {
    await editor.projects.create({ title: 'Shared findings' });
    const error = await t.anonymous.search.global({ q: 'findings' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe('UNAUTHORIZED');
    for (const role of ['viewer', 'editor', 'admin'] as const)
      expect(await globalHits('findings', t.as(role))).toEqual(['project:Shared findings']);
  });

  it('an empty or blank query returns nothing', async () => {
    await editor.projects.create({ title: 'Anything' });
    expect((await editor.search.global({ q: '   ' })).items).toEqual([]);
  });
});

describe('the migration', () => {
  it('builds the index for rows that existed before it', async () => {
    const project = await editor.projects.create({ title: 'Pre-existing aquarium' });
    await editor.scenes.add({ projectId: project.id, scriptText: 'Jellyfish drift slowly.' });
    insertTemplate('Museum tour', 'Walk through exhibits');
    const trashed = await editor.projects.create({ title: 'Trashed aquarium' });
    await editor.projects.softDelete({ id: trashed.id, rowVersion: trashed.rowVersion });

    const migrations = loadMigrations();
    const index = migrations.findIndex((m) => m.tag.endsWith('_full_text_search'));
    const before = migrations[index - 1];
    expect(before).toBeDefined();
    // Roll back to just before the search migration (and anything after it), then migrate again.
    rollbackMigrations(t.db.$client, resolveMigrationTarget(migrations, before?.tag ?? ''));
    const tables = t.db.$client
      .prepare(`SELECT name FROM sqlite_master WHERE name LIKE '%Search%'`)
      .all();
    expect(tables).toEqual([]);
    applyMigrations(t.db.$client);

    expect(await listTitles('aquarium')).toEqual(['Pre-existing aquarium']);
    expect(await globalHits('jellyfish')).toEqual(['scene:Pre-existing aquarium · scene 1']);
    expect(await globalHits('museum')).toEqual(['template:Museum tour']);
    inSync();
  });
});
