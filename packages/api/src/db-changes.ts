import type { AuraDb, Sqlite } from '@aura/db';

/** Per connection: one statement reading what changes when the database may have changed. */
const probes = new WeakMap<Sqlite, { get(): unknown }>();

/**
 * A key that differs whenever this connection may see different data: another connection or
 * process committed (data_version), this connection wrote (total_changes) or the schema changed
 * (schema_version). Null inside a transaction: total_changes does not go back on a rollback, so
 * nothing read there may be cached under it. Throws when the connection is closed.
 */
export function changeKey(sqlite: Sqlite): string | null {
  if (sqlite.inTransaction) return null;
  let probe = probes.get(sqlite);
  if (!probe) {
    probe = sqlite
      .prepare(
        `SELECT (SELECT data_version FROM pragma_data_version) || ':' || total_changes() || ':' ||
           (SELECT schema_version FROM pragma_schema_version)`,
      )
      .pluck();
    probes.set(sqlite, probe);
  }
  return String(probe.get());
}

/**
 * A read computed once and served from memory until the database changes (see changeKey): for
 * request-path reads that do not depend on the request, such as the system settings.
 */
export function cachedUntilChanged<T>(compute: (db: AuraDb) => T): (db: AuraDb) => T {
  const cache = new WeakMap<Sqlite, { key: string; value: T }>();
  return (db) => {
    // A transaction handle is typed as AuraDb but has no $client: it reads uncached.
    const sqlite = (db as Partial<Pick<AuraDb, '$client'>>).$client;
    const key = sqlite ? changeKey(sqlite) : null;
    if (!sqlite || key === null) return compute(db);
    const hit = cache.get(sqlite);
    if (hit?.key === key) return hit.value;
    const value = compute(db);
    cache.set(sqlite, { key, value });
    return value;
  };
}
