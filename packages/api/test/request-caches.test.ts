import { createDb, openSqlite, type AuraDb } from '@aura/db';
import { afterEach, describe, expect, it } from 'vitest';
import { getConfig, setConfig } from '../src/config/service';
import { ensureSystemConfiguration, getSystemConfiguration } from '../src/system/service';
import { openTestDb, type TestDb } from './helpers';

let t: TestDb;
let other: AuraDb | undefined;
afterEach(() => {
  other?.$client.close();
  other = undefined;
  t.close();
});

/** How many statements `work` prepares on the connection (Drizzle prepares each query it runs). */
function preparesDuring(db: AuraDb, work: () => void): number {
  const sqlite = db.$client;
  // Put back as it was afterwards, and called through apply with the connection as `this`.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const original = sqlite.prepare;
  let count = 0;
  sqlite.prepare = function (this: typeof sqlite, ...args: Parameters<typeof original>) {
    count++;
    return original.apply(this, args);
  } as typeof original;
  try {
    work();
  } finally {
    sqlite.prepare = original;
  }
  return count;
}

describe('reads that do not depend on the request', () => {
  it('reads the system settings once, again after a change from this or another connection', () => {
    t = openTestDb();
    ensureSystemConfiguration(t.db);
    const first = getSystemConfiguration(t.db);
    expect(preparesDuring(t.db, () => getSystemConfiguration(t.db))).toBe(0);

    // Callers get their own copy: changing it changes nothing cached.
    first.ffmpegPath = 'changed by a caller';
    expect(getSystemConfiguration(t.db).ffmpegPath).not.toBe('changed by a caller');

    other = createDb(openSqlite(t.file));
    other.$client.prepare('UPDATE SystemConfiguration SET FFmpegPath = ? WHERE Id = 1').run('/x');
    expect(getSystemConfiguration(t.db).ffmpegPath).toBe('/x');

    t.db.$client.prepare('UPDATE SystemConfiguration SET FFmpegPath = ? WHERE Id = 1').run('/y');
    expect(getSystemConfiguration(t.db).ffmpegPath).toBe('/y');
  });

  it('serves a configuration key from memory until it changes', () => {
    t = openTestDb();
    const editor = t.principal('editor');
    setConfig(t.db, editor.userId, {
      key: 'render.quality',
      value: 'high',
      valueType: 'string',
      category: 'Render',
    });
    expect(getConfig(t.db, { key: 'render.quality', includeInactive: false }).value).toBe('high');
    expect(
      preparesDuring(t.db, () =>
        getConfig(t.db, { key: 'render.quality', includeInactive: false }),
      ),
    ).toBe(0);

    const current = getConfig(t.db, { key: 'render.quality', includeInactive: false });
    setConfig(t.db, editor.userId, {
      key: 'render.quality',
      value: 'low',
      rowVersion: current.rowVersion,
    });
    expect(getConfig(t.db, { key: 'render.quality', includeInactive: false }).value).toBe('low');

    other = createDb(openSqlite(t.file));
    other.$client
      .prepare(`UPDATE Configurations SET IsActive = 0 WHERE Key = 'render.quality'`)
      .run();
    expect(() => getConfig(t.db, { key: 'render.quality', includeInactive: false })).toThrow(
      /inactive/,
    );
  });

  it('reads inside a transaction are never cached (they may roll back)', () => {
    t = openTestDb();
    ensureSystemConfiguration(t.db);
    const before = getSystemConfiguration(t.db).ffmpegPath;
    expect(() =>
      t.db.$client.transaction(() => {
        t.db.$client
          .prepare('UPDATE SystemConfiguration SET FFmpegPath = ? WHERE Id = 1')
          .run('/rolled-back');
        expect(getSystemConfiguration(t.db).ffmpegPath).toBe('/rolled-back');
        throw new Error('roll back');
      })(),
    ).toThrow('roll back');
    expect(getSystemConfiguration(t.db).ffmpegPath).toBe(before);
  });
});
