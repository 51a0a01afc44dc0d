import { describe, expect, it } from 'vitest';
import { mergeSearchIndexes, searchIndexProblems } from '../src';
import { migratedDatabase } from './helpers';

/** 300 projects, one transaction each as the API writes them: each adds a segment to the index. */
function databaseWithManySegments() {
  const test = migratedDatabase();
  const insert = test.sqlite.prepare(
    `INSERT INTO ProjectStates (Id, Title, Description) VALUES (?, ?, ?)`,
  );
  for (let i = 0; i < 300; i++) {
    insert.run(
      `0190c000-0000-7000-8000-${String(i).padStart(12, '0')}`,
      `Project ${i} ${i % 3 === 0 ? 'volcano' : 'glacier'}`,
      `A quiet story about number ${i}`,
    );
  }
  return test;
}

describe('mergeSearchIndexes', () => {
  it('merges the segments many small writes left, in bounded steps, changing no answer', () => {
    const { sqlite } = databaseWithManySegments();
    const matches = (term: string) =>
      sqlite
        .prepare(`SELECT rowid FROM ProjectSearch WHERE ProjectSearch MATCH ? ORDER BY rowid`)
        .pluck()
        .all(`"${term}"`);
    const before = { volcano: matches('volcano'), story: matches('quiet story') };
    const dataRows = () =>
      sqlite.prepare(`SELECT count(*) FROM ProjectSearch_data`).pluck().get() as number;
    const rowsBefore = dataRows();

    const first = mergeSearchIndexes(sqlite, { pagesPerStep: 4 });
    expect(first.done).toBe(true);
    expect(first.steps).toBeGreaterThan(1);
    expect(dataRows()).toBeLessThan(rowsBefore);
    expect({ volcano: matches('volcano'), story: matches('quiet story') }).toEqual(before);
    expect(before.volcano).toHaveLength(100);
    expect(before.story).toHaveLength(300);
    sqlite.prepare(`INSERT INTO ProjectSearch(ProjectSearch) VALUES ('integrity-check')`).run();
    expect(searchIndexProblems(sqlite)).toEqual([]);

    // Merged: another run finds nothing to do.
    expect(mergeSearchIndexes(sqlite)).toMatchObject({ steps: 0, done: true });
    expect(first.lockMs).toHaveLength(first.steps + 3); // and one no-op step per index
  });

  it('stops at its step budget and goes on at the next run', () => {
    const { sqlite } = databaseWithManySegments();
    expect(mergeSearchIndexes(sqlite, { pagesPerStep: 1, maxSteps: 1 })).toMatchObject({
      steps: 1,
      done: false,
    });
    const rest = mergeSearchIndexes(sqlite, { pagesPerStep: 1 });
    expect(rest.done).toBe(true);
    expect(rest.steps).toBeGreaterThan(0);
  });
});
