import { contentBlobs, insertAudited, projectStates, sceneStates, type AuraDb } from '@aura/db';
import { eq, sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildAwaitingQuery,
  buildDailySumQueries,
  buildLargestQuery,
  collectNow,
  storageHistory,
  storageSummary,
} from '../src/storage/service';
import { openTestDb, type TestDb } from './helpers';

let t: TestDb;
afterEach(() => t.close());

function project(db: AuraDb, title: string, scenes = 2) {
  const p = insertAudited(
    db,
    projectStates,
    { title, briefJson: JSON.stringify({ topic: title }) },
    'tester',
  );
  for (let i = 0; i < scenes; i++) {
    insertAudited(
      db,
      sceneStates,
      { projectId: p.id, sceneIndex: i, scriptText: `${title} scene ${i}` },
      'tester',
    );
  }
  return p;
}

function planOf(query: { toSQL(): { sql: string; params: unknown[] } }): string {
  const { sql: text, params } = query.toSQL();
  return (t.db.$client.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...params) as { detail: string }[])
    .map((row) => row.detail)
    .join('\n');
}

const blobCount = (db: AuraDb) =>
  db
    .select({ n: sql<number>`count(*)` })
    .from(contentBlobs)
    .get()?.n ?? 0;

describe('storage procedures', () => {
  it('summary, history and largest agree with versions.stats', async () => {
    t = openTestDb();
    const big = project(t.db, 'Big', 4);
    const small = project(t.db, 'Small', 1);
    await t.caller.versions.create({ projectId: big.id });
    t.db
      .update(sceneStates)
      .set({ scriptText: 'edited' })
      .where(eq(sceneStates.projectId, big.id))
      .run();
    await t.caller.versions.create({ projectId: big.id });
    await t.caller.versions.create({ projectId: small.id });

    const viewer = t.as('viewer');
    const stats = await viewer.versions.stats();
    const summary = await viewer.storage.summary();
    expect(summary).toMatchObject({
      versions: 3,
      logicalBytes: stats.logicalBytes,
      storedBytes: stats.storedBytes,
      awaiting: { count: 0, bytes: 0 },
      graceMinutes: 60,
    });
    expect(summary.dedupRatio).toBeCloseTo(stats.dedupRatio);
    expect(summary.database.sizeBytes).toBeGreaterThan(0);
    expect(summary.blobs).toBe(blobCount(t.db));

    const history = await viewer.storage.history({ days: 7 });
    expect(history).toHaveLength(7);
    expect(history.at(-1)).toMatchObject({
      day: new Date().toISOString().slice(0, 10),
      logicalBytes: summary.logicalBytes,
      storedBytes: summary.storedBytes,
    });
    // Backdate the first version: it counts from its own day on, not before.
    const first = (await viewer.versions.list({ projectId: small.id })).items[0]!;
    const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000).toISOString();
    t.db.$client
      .prepare('UPDATE ProjectVersions SET CreatedAt = ? WHERE Id = ?')
      .run(threeDaysAgo, first.id);
    const shifted = storageHistory(t.db, { days: 7 });
    expect(shifted[3]!.logicalBytes).toBe(first.storageSizeBytes);
    expect(shifted[2]!.logicalBytes).toBe(0);

    const largest = await viewer.storage.largest({ limit: 5 });
    expect(largest.map((p) => [p.title, p.versions])).toEqual([
      ['Big', 2],
      ['Small', 1],
    ]);
    expect(largest.reduce((n, p) => n + p.logicalBytes, 0)).toBe(summary.logicalBytes);
    await expect(t.anonymous.storage.summary()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(viewer.storage.history({ days: 0 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(viewer.storage.largest({ limit: 10_000 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });

  it('lists blobs awaiting collection with their grace; collect now is a dry run first, admins only', async () => {
    t = openTestDb();
    const p = project(t.db, 'Gone', 3);
    const v = (await t.caller.versions.create({ projectId: p.id })).version;
    await t.as('admin').versions.purge({ id: v.id });
    const orphaned = blobCount(t.db);
    expect(orphaned).toBeGreaterThan(0);

    const awaiting = await t.as('viewer').storage.awaiting({ limit: 2 });
    expect(awaiting.graceMinutes).toBe(60);
    expect(awaiting.items).toHaveLength(2);
    expect(awaiting.items[0]!.collectableNow).toBe(false);
    expect(
      Date.parse(awaiting.items[0]!.collectableAt) -
        Date.parse(awaiting.items[0]!.lastReferencedAt),
    ).toBe(3_600_000);
    const rest = await t.as('viewer').storage.awaiting({ limit: 100, cursor: awaiting.nextCursor });
    expect(awaiting.items.length + rest.items.length).toBe(orphaned);
    expect((await t.as('viewer').storage.summary()).awaiting).toMatchObject({
      count: orphaned,
      collectableCount: 0,
    });

    // Within the grace period nothing goes, dry run or not.
    const admin = t.as('admin');
    expect(await admin.storage.collect({ dryRun: true })).toMatchObject({
      dryRun: true,
      collectable: 0,
      wouldRemove: [],
    });
    await expect(t.caller.storage.collect({ dryRun: true })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(t.as('viewer').storage.collect({ dryRun: false })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    // Past the grace period: the dry run lists them and removes nothing, then the real run does.
    const later = new Date(Date.now() + 2 * 3_600_000);
    const dry = collectNow(t.db, { dryRun: true }, later);
    expect(dry).toMatchObject({ dryRun: true, collectable: orphaned, removed: 0 });
    expect(dry.wouldRemove).toHaveLength(orphaned);
    expect(dry.wouldRemove.every((b) => b.collectableNow)).toBe(true);
    expect(blobCount(t.db)).toBe(orphaned);
    expect(storageSummary(t.db, later).awaiting.collectableCount).toBe(orphaned);
    expect(collectNow(t.db, { dryRun: false }, later)).toMatchObject({
      removed: orphaned,
      wouldRemove: [],
    });
    expect(blobCount(t.db)).toBe(0);
  });

  it('reads through indexes, never the content', () => {
    t = openTestDb();
    const { versions, blobs } = buildDailySumQueries(t.db);
    expect(planOf(versions)).toMatch(
      /COVERING INDEX IX_ProjectVersions_CreatedAt_StorageSizeBytes/,
    );
    expect(planOf(blobs)).toMatch(/COVERING INDEX IX_ContentBlobs_CreatedAt_SizeBytes/);
    expect(planOf(buildLargestQuery(t.db, 10))).toMatch(
      /COVERING INDEX IX_ProjectVersions_ProjectId_StorageSizeBytes/,
    );
    expect(planOf(buildAwaitingQuery(t.db, { limit: 20, cursor: null }))).toMatch(
      /USING INDEX IX_ContentBlobs_ReferenceCount_LastReferencedAt/,
    );
  });
});
