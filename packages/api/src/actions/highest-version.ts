import { actionLogs, type AuraDb } from '@aura/db';
import { sql } from 'drizzle-orm';
import type { UndoableTable } from './recorder';

/**
 * For each of `ids` of `table`, a number at least as high as any RowVersion the id ever had while
 * its changes stayed in the undo log: the highest version any image names (before or after, any
 * user, any status), plus one for each entry naming the id that was logged without images (over
 * the image size limit: such an action moved the row's version by one, or re-inserted it one past
 * this same bound as it stood, which the entry itself now raises by one). Ids the log never
 * names are absent. A row written back under an id it had before gets a version above this, so
 * no undo step and no client holding an older read can match the row that comes back.
 */
export function highestLoggedRowVersions(
  tx: AuraDb,
  table: UndoableTable,
  ids: readonly string[],
): Map<string, number> {
  const out = new Map<string, number>();
  if (ids.length === 0) return out;
  // AffectedResourceIds narrows the scan to the entries that name an id before any JSON is parsed.
  const rows = tx.all<{ id: string; version: number }>(sql`
    WITH wanted(id) AS (SELECT value FROM json_each(${JSON.stringify(ids)})),
    entries AS (
      SELECT ${actionLogs.payloadJson} AS images, ${actionLogs.affectedResourceIds} AS ids
        FROM ${actionLogs} WHERE ${actionLogs.payloadJson} IS NOT NULL
      UNION ALL
      SELECT ${actionLogs.inversePayloadJson}, ${actionLogs.affectedResourceIds}
        FROM ${actionLogs} WHERE ${actionLogs.inversePayloadJson} IS NOT NULL
    ),
    naming AS (
      SELECT images FROM entries e
      WHERE EXISTS (SELECT 1 FROM wanted w WHERE instr(',' || e.ids || ',', ',' || w.id || ',') > 0)
    )
    SELECT json_extract(c.value, '$.id') AS id,
           max(coalesce(json_extract(c.value, '$.after.rowVersion'),
                        json_extract(c.value, '$.before.rowVersion'))) AS version
    FROM naming, json_each(naming.images, '$.changes') c
    WHERE json_extract(c.value, '$.table') = ${table}
      AND json_extract(c.value, '$.id') IN (SELECT id FROM wanted)
    GROUP BY 1`);
  for (const row of rows) if (typeof row.version === 'number') out.set(row.id, row.version);
  const imageless = tx.all<{ id: string; entries: number }>(sql`
    WITH wanted(id) AS (SELECT value FROM json_each(${JSON.stringify(ids)}))
    SELECT w.id AS id, count(*) AS entries FROM wanted w JOIN ${actionLogs} a
      ON instr(',' || a.${sql.identifier('AffectedResourceIds')} || ',', ',' || w.id || ',') > 0
    WHERE a.${sql.identifier('PayloadJson')} IS NULL
    GROUP BY w.id`);
  for (const row of imageless) out.set(row.id, (out.get(row.id) ?? 0) + row.entries);
  return out;
}
