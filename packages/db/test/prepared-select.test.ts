import { eq, getTableName, is, sql } from 'drizzle-orm';
import { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import {
  insertAudited,
  prepareSelect,
  projectStates,
  sceneStates,
  seedDatabase,
  softDelete,
} from '../src';
import * as schema from '../src/schema';
import { migratedDatabase } from './helpers';

const tables = (Object.values(schema) as unknown[]).filter((value): value is SQLiteTable =>
  is(value, SQLiteTable),
);

/** A seeded database with a soft-deleted project (booleans set) and nulls in optional columns. */
function populated() {
  const test = migratedDatabase();
  seedDatabase(test.db, { outputDirectory: test.dir });
  const project = insertAudited(test.db, projectStates, { title: 'Gone', description: null }, null);
  insertAudited(
    test.db,
    sceneStates,
    { projectId: project.id, sceneIndex: 0, scriptText: 'Hello' },
    null,
  );
  softDelete(test.db, projectStates, { id: project.id, rowVersion: project.rowVersion }, null);
  return test;
}

describe('prepareSelect', () => {
  it('returns what Drizzle returns, row for row and type for type, for every table', () => {
    const { db } = populated();
    let rows = 0;
    for (const table of tables) {
      const expected = db.select().from(table).all();
      const fast = prepareSelect(db.select().from(table));
      expect(fast.all(), getTableName(table)).toStrictEqual(expected);
      expect(fast.get(), getTableName(table)).toStrictEqual(expected[0]);
      rows += expected.length;
    }
    expect(tables.length).toBeGreaterThan(10);
    expect(rows).toBeGreaterThan(15);
  });

  it('decodes booleans and mapped expressions, keeps nulls, binds placeholders', () => {
    const { db } = populated();
    const query = () =>
      db
        .select({
          id: projectStates.id,
          isDeleted: projectStates.isDeleted,
          description: projectStates.description,
          scenes: sql`(SELECT count(*) FROM SceneStates s WHERE s.ProjectId = ProjectStates.Id)`
            .mapWith(String)
            .as('scenes'),
          twice: sql<number>`${projectStates.rowVersion} * 2`,
        })
        .from(projectStates)
        .where(eq(projectStates.title, sql.placeholder('title')));
    const fast = prepareSelect(query());
    const rows = fast.all({ title: 'Gone' });
    expect(rows).toStrictEqual(query().prepare().all({ title: 'Gone' }));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ isDeleted: true, description: null, scenes: '1' });
    expect(fast.get({ title: 'no such title' })).toBeUndefined();
    expect(fast.all({ title: 'no such title' })).toEqual([]);
  });

  it("falls back to Drizzle's mapping for nested selections (joins)", () => {
    const { db } = populated();
    const query = () =>
      db
        .select({ scene: sceneStates, project: { title: projectStates.title } })
        .from(sceneStates)
        .innerJoin(projectStates, eq(projectStates.id, sceneStates.projectId));
    const rows = prepareSelect(query()).all();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows).toStrictEqual(query().all());
    expect(rows[0]!.project.title).toEqual(expect.any(String));
  });
});
