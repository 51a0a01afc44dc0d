import { ASSET_TYPES } from '@aura/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assetListInput } from '../src/assets/schema';
import { buildAssetListQuery } from '../src/assets/service';
import type { RouterInputs } from '../src/root';
import { UNKNOWN_ID, openTestDb, rejectionHelpers, type TestDb } from './helpers';

type ListInput = RouterInputs['assets']['list'];

let t: TestDb;
beforeEach(() => {
  t = openTestDb();
});
afterEach(() => t.close());

function snapshot() {
  return t.db.$client.prepare('SELECT * FROM AssetStates ORDER BY Id').all();
}

const { rejects, rejectsField } = rejectionHelpers(snapshot);

async function newProject() {
  return t.caller.projects.create({ title: 'Assets' });
}

const audio = (projectId: string, n = 0) => ({
  projectId,
  assetType: 'Audio' as const,
  filePath: `${t.dir}/media/voice-${n}.wav`,
  fileSizeBytes: 1000 + n,
  mimeType: 'audio/wav',
});

describe('assets.register', () => {
  it('records a file of the project, audited, temporary only when asked', async () => {
    const project = await newProject();
    const permanent = await t.caller.assets.register(audio(project.id));
    expect(permanent).toMatchObject({
      projectId: project.id,
      assetType: 'Audio',
      filePath: `${t.dir}/media/voice-0.wav`,
      fileSizeBytes: 1000,
      mimeType: 'audio/wav',
      isTemporary: false,
      rowVersion: 1,
      createdBy: t.principal('editor').userId,
    });
    const temporary = await t.as('admin').assets.register({
      projectId: project.id,
      assetType: 'Subtitle',
      filePath: `${t.dir}/media/subs.srt`,
      fileSizeBytes: 0,
      isTemporary: true,
    });
    expect(temporary).toMatchObject({ isTemporary: true, mimeType: null, fileSizeBytes: 0 });
  });

  it('rejects bad input, a missing or trashed project and non-editors', async () => {
    const project = await newProject();
    const valid = audio(project.id);
    await rejectsField(
      () => t.caller.assets.register({ ...valid, assetType: 'Font' as never }),
      'assetType',
    );
    await rejectsField(
      () => t.caller.assets.register({ ...valid, fileSizeBytes: -1 }),
      'fileSizeBytes',
    );
    await rejectsField(
      () => t.caller.assets.register({ ...valid, fileSizeBytes: 1.5 }),
      'fileSizeBytes',
    );
    await rejectsField(() => t.caller.assets.register({ ...valid, filePath: ' ' }), 'filePath');
    await rejectsField(
      () => t.caller.assets.register({ ...valid, isTemporary: 'yes' as never }),
      'isTemporary',
    );
    await rejects(() => t.caller.assets.register({ ...valid, projectId: UNKNOWN_ID }), 'NOT_FOUND');
    await rejects(() => t.as('viewer').assets.register(valid), 'FORBIDDEN');
    await rejects(() => t.anonymous.assets.register(valid), 'UNAUTHORIZED');
    await t.caller.projects.softDelete({ id: project.id, rowVersion: 1 });
    await rejects(() => t.caller.assets.register(valid), 'NOT_FOUND');
  });
});

describe('assets.list', () => {
  it("lists a project's assets by type then creation, filtered and paged", async () => {
    const project = await newProject();
    const other = await newProject();
    const created = [];
    for (let i = 0; i < 9; i++) {
      const assetType = ASSET_TYPES[i % ASSET_TYPES.length]!;
      created.push(
        await t.caller.assets.register({
          projectId: project.id,
          assetType,
          filePath: `${t.dir}/media/m/${i}`,
          fileSizeBytes: i,
        }),
      );
    }
    await t.caller.assets.register(audio(other.id));

    const expected = created
      .slice()
      .sort((a, b) =>
        a.assetType < b.assetType ? -1 : a.assetType > b.assetType ? 1 : a.id < b.id ? -1 : 1,
      )
      .map((a) => a.id);
    const ids: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof t.caller.assets.list>> = await t
        .as('viewer')
        .assets.list({ projectId: project.id, limit: 4, cursor });
      ids.push(...page.items.map((a) => a.id));
      sizes.push(page.items.length);
      cursor = page.nextCursor;
    } while (cursor);
    expect(sizes).toEqual([4, 4, 1]);
    expect(ids).toEqual(expected);

    const images = await t.caller.assets.list({ projectId: project.id, assetType: 'Image' });
    expect(images.nextCursor).toBeNull();
    expect(images.items.map((a) => a.id)).toEqual(
      created.filter((a) => a.assetType === 'Image').map((a) => a.id),
    );
    const firstAudio = await t.caller.assets.list({
      projectId: project.id,
      assetType: 'Audio',
      limit: 1,
    });
    const restAudio = await t.caller.assets.list({
      projectId: project.id,
      assetType: 'Audio',
      limit: 5,
      cursor: firstAudio.nextCursor,
    });
    expect([...firstAudio.items, ...restAudio.items].map((a) => a.id)).toEqual(
      created.filter((a) => a.assetType === 'Audio').map((a) => a.id),
    );
    expect(restAudio.nextCursor).toBeNull();
  });

  it('rejects bad input, a missing or trashed project and anonymous callers', async () => {
    const project = await newProject();
    await newProject();
    const foreign = (await t.caller.projects.list({ limit: 1 })).nextCursor;
    await rejectsField(
      () => t.caller.assets.list({ projectId: project.id, assetType: 'Font' as never }),
      'assetType',
    );
    await rejectsField(() => t.caller.assets.list({ projectId: project.id, limit: 0 }), 'limit');
    await rejectsField(() => t.caller.assets.list({ projectId: project.id, limit: 101 }), 'limit');
    await rejectsField(
      () => t.caller.assets.list({ projectId: project.id, cursor: foreign }),
      'cursor',
    );
    await rejectsField(() => t.caller.assets.list({} as never), 'projectId');
    await rejects(() => t.caller.assets.list({ projectId: UNKNOWN_ID }), 'NOT_FOUND');
    await rejects(() => t.anonymous.assets.list({ projectId: project.id }), 'UNAUTHORIZED');
    await t.caller.projects.softDelete({ id: project.id, rowVersion: 1 });
    await rejects(() => t.caller.assets.list({ projectId: project.id }), 'NOT_FOUND');
  });

  it('is served by the (ProjectId, AssetType) index, never a full scan', async () => {
    const project = await newProject();
    await t.caller.assets.register(audio(project.id));
    await t.caller.assets.register(audio(project.id, 1));
    const { nextCursor: cursor } = await t.caller.assets.list({ projectId: project.id, limit: 1 });
    expect(cursor).toEqual(expect.any(String));
    for (const input of [
      { projectId: project.id },
      { projectId: project.id, assetType: 'Image' },
      { projectId: project.id, cursor },
      { projectId: project.id, assetType: 'Video', cursor },
    ] as ListInput[]) {
      const { sql, params } = buildAssetListQuery(t.db, assetListInput.parse(input)).toSQL();
      const details = (
        t.db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as {
          detail: string;
        }[]
      )
        .map((row) => row.detail)
        .join('\n');
      expect(details, JSON.stringify(input)).toMatch(
        /USING (COVERING )?INDEX IX_AssetStates_ProjectId/,
      );
      expect(details, JSON.stringify(input)).not.toMatch(/^SCAN AssetStates$/m);
      // The Id tie-break is sorted per project until IX_AssetStates_ProjectId_AssetType_Id
      // exists (see the report); it never touches other projects' rows.
    }
  });
});

describe('assets.markPermanent', () => {
  it('clears IsTemporary with RowVersion', async () => {
    const project = await newProject();
    const asset = await t.caller.assets.register({ ...audio(project.id), isTemporary: true });
    const kept = await t.caller.assets.markPermanent({ id: asset.id, rowVersion: 1 });
    expect(kept).toMatchObject({
      isTemporary: false,
      rowVersion: 2,
      modifiedBy: t.principal('editor').userId,
    });
  });

  it('rejects a stale version, a missing asset, a trashed project and non-editors', async () => {
    const project = await newProject();
    const asset = await t.caller.assets.register({ ...audio(project.id), isTemporary: true });
    await rejects(() => t.caller.assets.markPermanent({ id: asset.id, rowVersion: 2 }), 'CONFLICT');
    await rejects(
      () => t.caller.assets.markPermanent({ id: UNKNOWN_ID, rowVersion: 1 }),
      'NOT_FOUND',
    );
    await rejects(
      () => t.as('viewer').assets.markPermanent({ id: asset.id, rowVersion: 1 }),
      'FORBIDDEN',
    );
    await rejects(
      () => t.anonymous.assets.markPermanent({ id: asset.id, rowVersion: 1 }),
      'UNAUTHORIZED',
    );
    await rejectsField(
      () => t.caller.assets.markPermanent({ id: asset.id, rowVersion: -1 }),
      'rowVersion',
    );
    await t.caller.projects.softDelete({ id: project.id, rowVersion: 1 });
    await rejects(
      () => t.caller.assets.markPermanent({ id: asset.id, rowVersion: 1 }),
      'NOT_FOUND',
    );
  });
});
