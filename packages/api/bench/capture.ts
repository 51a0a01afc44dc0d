import type { Sqlite } from '@aura/db';

/** A statement a procedure ran, with the parameters it was run with. */
export interface CapturedStatement {
  sql: string;
  params: unknown[];
}

/** One row of `EXPLAIN QUERY PLAN`. */
export interface PlanRow {
  id: number;
  parent: number;
  detail: string;
}

const RUN_METHODS = ['all', 'get', 'run', 'iterate'] as const;

/**
 * Records every statement executed on `sqlite` while `work` runs, with the parameters of each
 * execution, by wrapping the execution methods of its statements (prepared before or during
 * `work`: the hot path's queries are prepared once per connection). Returns what `work`
 * returned and the statements, in order.
 */
export async function captureStatements<T>(
  sqlite: Sqlite,
  work: () => T | Promise<T>,
): Promise<{ result: T; statements: CapturedStatement[] }> {
  const statements: CapturedStatement[] = [];
  const prototype = Object.getPrototypeOf(sqlite.prepare('SELECT 1')) as Record<
    string,
    (this: { source: string; database: Sqlite }, ...args: unknown[]) => unknown
  >;
  const originals = RUN_METHODS.map((method) => [method, prototype[method]!] as const);
  for (const [method, original] of originals) {
    prototype[method] = function (this: { source: string; database: Sqlite }, ...params) {
      if (this.database === sqlite) statements.push({ sql: this.source, params: params.flat() });
      return original.apply(this, params);
    };
  }
  try {
    const result = await work();
    return { result, statements };
  } finally {
    for (const [method, original] of originals) prototype[method] = original;
  }
}

/** `EXPLAIN QUERY PLAN` of a statement with its parameters. */
export function explain(sqlite: Sqlite, statement: CapturedStatement): PlanRow[] {
  return sqlite
    .prepare(`EXPLAIN QUERY PLAN ${statement.sql}`)
    .all(...statement.params) as PlanRow[];
}

export interface PlanFindings {
  /**
   * `SCAN <table>` steps on a real table without an index: whole-table scans (a full-text table
   * read through its MATCH or rowid is not one).
   */
  fullScans: string[];
  /** `USE TEMP B-TREE FOR …` steps: a sort the index does not serve. */
  tempBTrees: string[];
}

/**
 * The names a statement's plan can show for each real table: the table itself and every alias it
 * gets in the SQL (Drizzle's relational queries alias child tables, e.g. `"RenderCheckpoints"
 * "projectStates_checkpoints"`).
 */
export function tableAliases(sql: string, tables: ReadonlySet<string>): Map<string, string> {
  const names = new Map<string, string>();
  for (const table of tables) names.set(table, table);
  const pattern = /\b(?:from|join)\s+[`"]?(\w+)[`"]?(?:\s+as)?\s+[`"]?(\w+)[`"]?/gi;
  for (const match of sql.matchAll(pattern)) {
    const [, table, alias] = match;
    if (
      table &&
      alias &&
      tables.has(table) &&
      !/^(where|on|order|group|limit|left|inner|join)$/i.test(alias)
    ) {
      names.set(alias, table);
    }
  }
  return names;
}

/**
 * Whole-table scans and temporary sorts in a plan. A `SCAN x` step is a whole-table scan when `x`
 * names a table (or an alias of one), it uses no index, and it is not the read of a subquery's
 * result (a `CO-ROUTINE x` / `MATERIALIZE x` step beside it, which SQLite also names `x`).
 */
export function planFindings(plan: PlanRow[], names: ReadonlyMap<string, string>): PlanFindings {
  const fullScans: string[] = [];
  const tempBTrees: string[] = [];
  for (const row of plan) {
    const scan = /^SCAN (\S+)(.*)$/.exec(row.detail);
    if (scan) {
      const [, name, rest] = scan as unknown as [string, string, string];
      const subqueryResult = plan.some(
        (other) =>
          other.parent === row.parent &&
          other.id !== row.id &&
          (other.detail === `CO-ROUTINE ${name}` || other.detail === `MATERIALIZE ${name}`),
      );
      const table = names.get(name);
      if (
        table &&
        !subqueryResult &&
        !/USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY/.test(rest) &&
        // A full-text table searched through its index (FTS5 names a MATCH `M`, a rowid `=`).
        !/VIRTUAL TABLE INDEX \d+:\S*[M=]/.test(rest)
      ) {
        fullScans.push(table === name ? row.detail : `${row.detail} (table ${table})`);
      }
    }
    if (row.detail.startsWith('USE TEMP B-TREE')) tempBTrees.push(row.detail);
  }
  return { fullScans, tempBTrees };
}

/** The names of the tables in the database (not views or subquery aliases). */
export function tableNames(sqlite: Sqlite): Set<string> {
  const rows = sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as {
    name: string;
  }[];
  return new Set(rows.map((row) => row.name));
}

/** A plan as indented text, for messages and reports. */
export function formatPlan(plan: PlanRow[]): string {
  const depth = new Map<number, number>([[0, 0]]);
  return plan
    .map((row) => {
      const d = (depth.get(row.parent) ?? 0) + 1;
      depth.set(row.id, d);
      return `${'  '.repeat(d)}${row.detail}`;
    })
    .join('\n');
}

/**
 * Whether `table` has an index that starts with the `equality` columns (in any order), followed
 * by the `order` columns in order: one that serves `WHERE eq… ORDER BY order…` without sorting.
 */
export function hasIndexFor(
  sqlite: Sqlite,
  table: string,
  equality: readonly string[],
  order: readonly string[],
): boolean {
  const indexes = sqlite.prepare(`SELECT name FROM pragma_index_list(?)`).all(table) as {
    name: string;
  }[];
  return indexes.some((index) => {
    const keys = (
      sqlite.prepare(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`).all(index.name) as {
        name: string | null;
      }[]
    ).map((key) => key.name);
    const leading = new Set(keys.slice(0, equality.length));
    return (
      equality.every((column) => leading.has(column)) &&
      order.every((column, i) => keys[equality.length + i] === column)
    );
  });
}

/** The key columns of an index, in order (null for an expression). */
export function indexKeys(sqlite: Sqlite, index: string): (string | null)[] {
  return (
    sqlite.prepare(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`).all(index) as {
      name: string | null;
    }[]
  ).map((key) => key.name);
}

/**
 * For a plan step `SEARCH|SCAN <table> USING [COVERING] INDEX <name> …`: the other indexes of the
 * table whose keys extend that index's keys (it is a strict prefix of them). When the planner
 * picks the shorter one of such a pair and sorts the rest in a temp B-tree, the shorter index is
 * redundant and makes the choice depend on the statistics.
 */
export function longerTwins(
  sqlite: Sqlite,
  detail: string,
): { used: string; twins: string[] } | null {
  const match = /^(?:SEARCH|SCAN) (\S+) USING (?:COVERING )?INDEX (\S+)/.exec(detail);
  if (!match) return null;
  const [, , used] = match as unknown as [string, string, string];
  const table = (
    sqlite
      .prepare(`SELECT tbl_name AS t FROM sqlite_master WHERE type = 'index' AND name = ?`)
      .get(used) as { t: string } | undefined
  )?.t;
  if (!table) return null;
  const keys = indexKeys(sqlite, used);
  const twins = (
    sqlite.prepare(`SELECT name FROM pragma_index_list(?)`).all(table) as { name: string }[]
  )
    .map((index) => index.name)
    .filter((name) => {
      if (name === used) return false;
      const other = indexKeys(sqlite, name);
      return other.length > keys.length && keys.every((key, i) => key !== null && other[i] === key);
    });
  return { used, twins };
}
