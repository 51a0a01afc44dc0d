import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  NotFoundError,
  configurations,
  connectionOf,
  findAnyById,
  getById,
  hardDelete,
  insertAudited,
  insertAuditedWithoutReturn,
  notDeleted,
  onlyDeleted,
  preparedPerShape,
  projectStates,
  restoreDeleted,
  sceneStates,
  softDelete,
  stampInsert,
  versionedUpdate,
  writeTransaction,
} from '../src';
import { ISO_MS, migratedDatabase } from './helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('audit stamping', () => {
  it('sets CreatedAt/UpdatedAt and CreatedBy/ModifiedBy itself, ignoring what the caller sent', () => {
    const { db } = migratedDatabase();
    const before = new Date().toISOString();
    const row = insertAudited(
      db,
      projectStates,
      {
        title: 'Audit',
        createdAt: '1999-01-01T00:00:00.000Z',
        createdBy: 'mallory',
        rowVersion: 42,
        isDeleted: true,
      },
      'alice',
    );
    expect(row.createdAt).toMatch(ISO_MS);
    expect(row.createdAt >= before).toBe(true);
    expect(row.updatedAt).toBe(row.createdAt);
    expect(row.createdBy).toBe('alice');
    expect(row.modifiedBy).toBe('alice');
    expect(row.rowVersion).toBe(1);
    expect(row.isDeleted).toBe(false);
  });

  it('works for tables keyed by something other than Id', () => {
    const { db } = migratedDatabase();
    const row = insertAudited(
      db,
      configurations,
      { key: 'ui.theme', value: '"dark"', category: 'UI', valueType: 'json' },
      'bob',
    );
    expect(row).toMatchObject({ key: 'ui.theme', createdBy: 'bob', rowVersion: 1 });
    expect(
      stampInsert(
        configurations,
        { key: 'k', value: '1', category: 'c', valueType: 'number' },
        null,
      ),
    ).toMatchObject({
      createdBy: null,
      modifiedBy: null,
    });
  });
});

describe('prepared inserts', () => {
  it('computes JS defaults on every insert, maps values to the driver and leaves the rest to SQL defaults', () => {
    const { db, sqlite } = migratedDatabase();
    const first = insertAudited(db, projectStates, { title: 'One' }, 'alice');
    const second = insertAudited(db, projectStates, { title: 'Two' }, 'alice');
    // The same statement serves both: a default computed when it was prepared would repeat.
    expect(first.id).not.toBe(second.id);
    const scene = insertAudited(
      db,
      sceneStates,
      { projectId: first.id, sceneIndex: 0, scriptText: 'Hi', isCompleted: true },
      'alice',
    );
    expect(scene.isCompleted).toBe(true);
    expect(
      sqlite
        .prepare('SELECT IsCompleted, DurationSeconds FROM SceneStates WHERE Id = ?')
        .get(scene.id),
    ).toEqual({ IsCompleted: 1, DurationSeconds: scene.durationSeconds });
    // A column left out gets the schema's default, as without a prepared statement.
    expect(first.status).toBe('InProgress');
    expect(first.description).toBeNull();
  });

  it('binds an explicit undefined as absent and keeps one statement per set of columns', () => {
    const { db } = migratedDatabase();
    const row = insertAudited(db, projectStates, { title: 'T', description: undefined }, 'bob');
    expect(row.description).toBeNull();
    const withDescription = insertAudited(
      db,
      projectStates,
      { title: 'T', description: 'Given' },
      'bob',
    );
    expect(withDescription.description).toBe('Given');
  });

  it('insertAuditedWithoutReturn writes the same stamped row', () => {
    const { db } = migratedDatabase();
    insertAuditedWithoutReturn(db, projectStates, { id: 'p-quiet', title: 'Quiet' }, 'carol');
    expect(getById(db, projectStates, 'p-quiet')).toMatchObject({
      title: 'Quiet',
      createdBy: 'carol',
      modifiedBy: 'carol',
      rowVersion: 1,
    });
  });

  it('inserts inside a transaction on its connection, and a rollback undoes them', () => {
    const { db } = migratedDatabase();
    expect(() =>
      writeTransaction(db, (tx) => {
        insertAudited(tx, projectStates, { id: 'p-rolled', title: 'Rolled back' }, 'dave');
        expect(getById(tx, projectStates, 'p-rolled').title).toBe('Rolled back');
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(findAnyById(db, projectStates, 'p-rolled')).toBeUndefined();
  });
});

describe('versioned update', () => {
  it('applies the patch, bumps RowVersion and stamps UpdatedAt/ModifiedBy; creation fields stay', async () => {
    const { db } = migratedDatabase();
    const created = insertAudited(db, projectStates, { title: 'Draft' }, 'alice');
    await sleep(5);
    const updated = versionedUpdate(
      db,
      projectStates,
      { id: created.id, rowVersion: 1 },
      { title: 'Final', createdBy: 'mallory', createdAt: '2000-01-01T00:00:00.000Z' },
      'bob',
    );
    expect(updated).toMatchObject({
      title: 'Final',
      rowVersion: 2,
      createdBy: 'alice',
      modifiedBy: 'bob',
    });
    expect(updated.createdAt).toBe(created.createdAt);
    expect(updated.updatedAt > created.updatedAt).toBe(true);
  });

  it('a stale RowVersion fails with CONFLICT and changes nothing', () => {
    const { db } = migratedDatabase();
    const created = insertAudited(db, projectStates, { title: 'Draft' }, 'alice');
    versionedUpdate(
      db,
      projectStates,
      { id: created.id, rowVersion: 1 },
      { title: 'First writer' },
      'alice',
    );
    const snapshot = getById(db, projectStates, created.id);
    let error: unknown;
    try {
      versionedUpdate(
        db,
        projectStates,
        { id: created.id, rowVersion: 1 },
        { title: 'Second writer' },
        'bob',
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({
      table: 'ProjectStates',
      expectedRowVersion: 1,
      actualRowVersion: 2,
    });
    expect((error as Error).message).toMatch(/changed by someone else/);
    expect(getById(db, projectStates, created.id)).toEqual(snapshot);
  });

  it('a missing or soft-deleted row is NOT_FOUND', () => {
    const { db } = migratedDatabase();
    expect(() =>
      versionedUpdate(db, projectStates, { id: 'nope', rowVersion: 1 }, { title: 'x' }, 'a'),
    ).toThrow(NotFoundError);
    const created = insertAudited(db, projectStates, { title: 'Trash me' }, 'alice');
    softDelete(db, projectStates, { id: created.id, rowVersion: 1 }, 'alice');
    expect(() =>
      versionedUpdate(db, projectStates, { id: created.id, rowVersion: 2 }, { title: 'x' }, 'a'),
    ).toThrow(NotFoundError);
  });

  it('a constraint violation changes nothing', () => {
    const { db } = migratedDatabase();
    const created = insertAudited(db, projectStates, { title: 'Bounds' }, 'alice');
    expect(() =>
      versionedUpdate(
        db,
        projectStates,
        { id: created.id, rowVersion: 1 },
        { progressPercent: 150 },
        'alice',
      ),
    ).toThrow(/CHECK constraint failed/);
    expect(getById(db, projectStates, created.id)).toEqual(created);
  });
});

describe('soft delete', () => {
  it('default reads exclude deleted rows; the trash shows them; restore brings them back', () => {
    const { db } = migratedDatabase();
    const keep = insertAudited(db, projectStates, { title: 'Keep' }, 'alice');
    const gone = insertAudited(db, projectStates, { title: 'Gone' }, 'alice');
    const deleted = softDelete(db, projectStates, { id: gone.id, rowVersion: 1 }, 'bob');
    expect(deleted).toMatchObject({ isDeleted: true, deletedBy: 'bob', rowVersion: 2 });
    expect(deleted.deletedAt).toMatch(ISO_MS);

    const live = db.select().from(projectStates).where(notDeleted(projectStates)).all();
    expect(live.map((p) => p.id)).toEqual([keep.id]);
    const trash = db.select().from(projectStates).where(onlyDeleted(projectStates)).all();
    expect(trash.map((p) => p.id)).toEqual([gone.id]);
    expect(() => getById(db, projectStates, gone.id)).toThrow(NotFoundError);
    expect(findAnyById(db, projectStates, gone.id)?.isDeleted).toBe(true);

    const restored = restoreDeleted(db, projectStates, { id: gone.id, rowVersion: 2 }, 'carol');
    expect(restored).toMatchObject({
      isDeleted: false,
      deletedAt: null,
      deletedBy: null,
      modifiedBy: 'carol',
      rowVersion: 3,
    });
    expect(getById(db, projectStates, gone.id).title).toBe('Gone');
  });

  it('restoring a row that is not in the trash is NOT_FOUND; a stale restore is CONFLICT', () => {
    const { db } = migratedDatabase();
    const row = insertAudited(db, projectStates, { title: 'Live' }, 'alice');
    expect(() => restoreDeleted(db, projectStates, { id: row.id, rowVersion: 1 }, 'a')).toThrow(
      NotFoundError,
    );
    softDelete(db, projectStates, { id: row.id, rowVersion: 1 }, 'a');
    expect(() => restoreDeleted(db, projectStates, { id: row.id, rowVersion: 1 }, 'a')).toThrow(
      ConflictError,
    );
    expect(findAnyById(db, projectStates, row.id)?.isDeleted).toBe(true);
  });

  it('hard delete removes the row and its children (cascade), deleted or not', () => {
    const { db } = migratedDatabase();
    const project = insertAudited(db, projectStates, { title: 'Forget me' }, 'alice');
    insertAudited(
      db,
      sceneStates,
      { projectId: project.id, sceneIndex: 0, scriptText: 'Hi' },
      'alice',
    );
    softDelete(db, projectStates, { id: project.id, rowVersion: 1 }, 'alice');
    expect(hardDelete(db, projectStates, project.id).id).toBe(project.id);
    expect(findAnyById(db, projectStates, project.id)).toBeUndefined();
    expect(
      db.select().from(sceneStates).where(eq(sceneStates.projectId, project.id)).all(),
    ).toEqual([]);
    expect(() => hardDelete(db, projectStates, project.id)).toThrow(NotFoundError);
  });
});

describe('write transaction', () => {
  it('commits all rows together or none of them', () => {
    const { db } = migratedDatabase();
    const project = insertAudited(db, projectStates, { title: 'Tx' }, 'alice');
    expect(() =>
      writeTransaction(db, (tx) => {
        insertAudited(
          tx,
          sceneStates,
          { projectId: project.id, sceneIndex: 0, scriptText: 'one' },
          'alice',
        );
        insertAudited(
          tx,
          sceneStates,
          { projectId: 'missing-project', sceneIndex: 1, scriptText: 'two' },
          'alice',
        );
      }),
    ).toThrow(/FOREIGN KEY/);
    expect(db.select().from(sceneStates).all()).toEqual([]);
    writeTransaction(db, (tx) => {
      insertAudited(
        tx,
        sceneStates,
        { projectId: project.id, sceneIndex: 0, scriptText: 'one' },
        'alice',
      );
      insertAudited(
        tx,
        sceneStates,
        { projectId: project.id, sceneIndex: 1, scriptText: 'two' },
        'alice',
      );
    });
    expect(
      db
        .select()
        .from(sceneStates)
        .where(and(eq(sceneStates.projectId, project.id)))
        .all(),
    ).toHaveLength(2);
  });
});

describe('statements prepared once per connection', () => {
  it('serve a transaction from its connection: they see its writes, and a rollback undoes them', () => {
    const { db } = migratedDatabase();
    let prepared = 0;
    const titleOf = preparedPerShape(
      (_: 'title') => 'title',
      (connection) => {
        prepared += 1;
        return connection
          .select({ title: projectStates.title })
          .from(projectStates)
          .where(eq(projectStates.id, sql.placeholder('id')))
          .prepare();
      },
    );
    const project = insertAudited(db, projectStates, { title: 'Before' }, 'alice');
    expect(titleOf(db, 'title').get({ id: project.id })?.title).toBe('Before');
    expect(() =>
      writeTransaction(db, (tx) => {
        expect(connectionOf(tx)).toBe(db);
        db.update(projectStates)
          .set({ title: 'Inside' })
          .where(eq(projectStates.id, project.id))
          .run();
        expect(titleOf(tx, 'title').get({ id: project.id })?.title).toBe('Inside');
        throw new Error('roll back');
      }),
    ).toThrow('roll back');
    expect(titleOf(db, 'title').get({ id: project.id })?.title).toBe('Before');
    expect(prepared).toBe(1);
    // Another connection gets its own statement.
    const other = migratedDatabase().db;
    expect(titleOf(other, 'title').get({ id: project.id })).toBeUndefined();
    expect(prepared).toBe(2);
  });
});
