import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Sqlite } from '../client';
import { HISTORY_TABLE } from '../migrations';
import { newId } from '../schema/columns';

/**
 * Forgetting a user (issue 13): one function that erases a user from a database file, used both
 * by `users.forget` and by a restore that applies a logged erasure again to an older backup. It
 * therefore works on the raw connection and needs nothing but the file and the ErasureLog entry
 * (no personal data): the user is found again by the hash of their id.
 *
 * What it does, in the caller's transaction:
 * - the projects (with scenes, assets, checkpoints and versions) and custom templates the user
 *   created are transferred to another user, or hard-deleted with every blob reference their
 *   versions held released, and the blobs nothing else needs removed at once (no grace period);
 * - their action log goes, and every other user's undo entry about content that was deleted;
 * - their sessions, API tokens, setup state and the Users row go; their ratings stay, anonymous;
 * - every remaining occurrence of their id or email in any text column of any table (audit
 *   columns, undo images, ratings, the erasure log itself) becomes the erasure's tombstone.
 * Raw SQL rather than the rules.ts helpers on purpose: identity is rewritten without new
 * RowVersions (nothing a client holds changes meaning) and the code must run on a restored file
 * before the application opens it.
 */

/** Prefix of every tombstone: `forgotten-<erasure id>`. */
export const TOMBSTONE_PREFIX = 'forgotten-';

/** The ErasureLog's name for a user: not reversible, yet it finds the user's row in a backup. */
export function erasureSubjectHash(userId: string): string {
  return createHash('sha256').update(`aura.erasure/1:${userId}`).digest('hex');
}

export function tombstoneFor(erasureId: string): string {
  return `${TOMBSTONE_PREFIX}${erasureId}`;
}

export interface ErasureSummary {
  /** False when the user was not in this database (a restored backup older than the user). */
  userFound: boolean;
  transferredTo: string | null;
  projects: { id: string; title: string }[];
  projectsDeleted: number;
  projectsTransferred: number;
  scenesDeleted: number;
  assetsDeleted: number;
  checkpointsDeleted: number;
  versionsDeleted: number;
  customTemplates: { id: string; name: string }[];
  customTemplatesDeleted: number;
  customTemplatesTransferred: number;
  blobsRemoved: number;
  actionLogEntriesDeleted: number;
  otherUndoEntriesDeleted: number;
  ratingsAnonymized: number;
  setupsDeleted: number;
  sessionsDeleted: number;
  apiTokensDeleted: number;
  rowsAnonymized: number;
}

export interface EraseOptions {
  tombstone: string;
  /** Receives the projects and custom templates instead of their deletion (an existing user). */
  transferTo?: string | null;
}

/** Previews list at most this many projects and templates by name. */
const LISTED_MAX = 200;

// ---- version closures ---------------------------------------------------------------------
// A version holds one reference on each blob of its closure: its documents, its timeline blob
// with the delta bases it builds on, and the scene blobs of the decoded timeline. The format is
// the versions domain's stored 'aura.timeline/1' (packages/api/src/versions/timeline.ts); the
// api's reference check (pnpm db:verify) proves the counts stay exact after an erasure.

const fullTimeline = z.object({ scenes: z.array(z.tuple([z.string(), z.string()])) });
const deltaTimeline = z.object({
  base: z.string(),
  set: z.record(z.string(), z.string()).optional(),
  remove: z.array(z.string()).optional(),
  order: z.array(z.string()).optional(),
});
const timelineBlob = z.union([deltaTimeline, fullTimeline]);

interface VersionHashes {
  BriefHash: string | null;
  PlanHash: string | null;
  VoiceHash: string | null;
  RenderHash: string | null;
  TimelineHash: string | null;
}

function blobText(sqlite: Sqlite, hash: string, cache: Map<string, string>): string {
  const cached = cache.get(hash);
  if (cached !== undefined) return cached;
  const row = sqlite
    .prepare<[string], { Content: string }>(
      'SELECT Content FROM ContentBlobs WHERE ContentHash = ?',
    )
    .get(hash);
  if (!row) throw new Error(`Content blob ${hash} is missing`);
  cache.set(hash, row.Content);
  return row.Content;
}

export function versionClosureHashes(
  sqlite: Sqlite,
  version: VersionHashes,
  cache = new Map<string, string>(),
): Set<string> {
  const closure = new Set<string>();
  for (const hash of [version.BriefHash, version.PlanHash, version.VoiceHash, version.RenderHash])
    if (hash) closure.add(hash);
  if (!version.TimelineHash) return closure;
  const deltas: z.output<typeof deltaTimeline>[] = [];
  let next = version.TimelineHash;
  let full: z.output<typeof fullTimeline> | undefined;
  while (!full) {
    closure.add(next);
    const blob = timelineBlob.parse(JSON.parse(blobText(sqlite, next, cache)));
    if ('base' in blob) {
      deltas.push(blob);
      next = blob.base;
    } else full = blob;
  }
  const scenes = new Map(full.scenes);
  for (const delta of deltas.reverse()) {
    for (const id of delta.remove ?? []) scenes.delete(id);
    for (const [id, hash] of Object.entries(delta.set ?? {})) scenes.set(id, hash);
  }
  for (const hash of scenes.values()) closure.add(hash);
  return closure;
}

// ---- the erasure ----------------------------------------------------------------------------

function ids(sqlite: Sqlite, sql: string, params: Record<string, unknown>): string[] {
  return sqlite.prepare<[Record<string, unknown>], string>(sql).pluck().all(params);
}

/** An email is rewritten in free text only when it cannot break the JSON it may sit in. */
const SAFE_EMAIL = /^[a-z0-9._%+@-]{3,320}$/;

/** Ordinary tables of the main schema with their text columns (virtual and FTS shadow tables skipped). */
function textColumns(sqlite: Sqlite): { table: string; columns: string[] }[] {
  const tables = sqlite
    .prepare<[], { name: string }>(
      "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .all()
    .map((t) => t.name)
    .filter((name) => name !== HISTORY_TABLE);
  return tables
    .map((table) => {
      const columns = sqlite
        .prepare<[string], { name: string; type: string; pk: number }>(
          'SELECT name, type, pk FROM pragma_table_info(?)',
        )
        .all(table)
        // Blob content is addressed by its hash: rewriting it would break the store.
        .filter((c) => !(table === 'ContentBlobs' && (c.name === 'Content' || c.pk > 0)))
        .filter((c) => c.type === '' || c.type.toUpperCase().includes('TEXT'))
        .map((c) => c.name);
      return { table, columns };
    })
    .filter((t) => t.columns.length > 0);
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Replaces `needles` by the tombstone in every text column of every table; returns rows changed. */
function anonymizeEverywhere(sqlite: Sqlite, needles: string[], tombstone: string): number {
  let changed = 0;
  const params: Record<string, string> = { tombstone };
  needles.forEach((needle, i) => (params[`n${i}`] = needle));
  for (const { table, columns } of textColumns(sqlite)) {
    const set = columns
      .map((c) => {
        let expr = quote(c);
        needles.forEach((_, i) => (expr = `replace(${expr}, @n${i}, @tombstone)`));
        return `${quote(c)} = ${expr}`;
      })
      .join(', ');
    const where = columns
      .flatMap((c) => needles.map((_, i) => `instr(${quote(c)}, @n${i}) > 0`))
      .join(' OR ');
    changed += sqlite
      .prepare(`UPDATE ${quote(table)} SET ${set} WHERE ${where}`)
      .run(params).changes;
  }
  return changed;
}

/**
 * Erases `userId` inside the caller's (IMMEDIATE) transaction and returns what went. Safe on a
 * database where the user does not exist (a backup older than them): it then only rewrites any
 * stray occurrence of the id.
 */
export function eraseUserInTransaction(
  sqlite: Sqlite,
  userId: string,
  options: EraseOptions,
): ErasureSummary {
  const { tombstone } = options;
  const user = sqlite
    .prepare<[string], { Id: string; Email: string; DisplayName: string }>(
      'SELECT Id, Email, DisplayName FROM Users WHERE Id = ?',
    )
    .get(userId);
  const target = options.transferTo
    ? sqlite
        .prepare<[string, string], { Id: string; DisplayName: string }>(
          'SELECT Id, DisplayName FROM Users WHERE Id = ? AND Id <> ?',
        )
        .get(options.transferTo, userId)
    : undefined;
  const u = { u: userId };

  const projects = sqlite
    .prepare<[string], { id: string; title: string }>(
      'SELECT Id AS id, Title AS title FROM ProjectStates WHERE CreatedBy = ? ORDER BY CreatedAt, Id',
    )
    .all(userId);
  const templates = sqlite
    .prepare<[string], { id: string; name: string }>(
      'SELECT Id AS id, Name AS name FROM CustomTemplates WHERE CreatedBy = ? ORDER BY CreatedAt, Id',
    )
    .all(userId);
  const summary: ErasureSummary = {
    userFound: Boolean(user),
    transferredTo: target?.Id ?? null,
    projects: projects.slice(0, LISTED_MAX),
    projectsDeleted: 0,
    projectsTransferred: 0,
    scenesDeleted: 0,
    assetsDeleted: 0,
    checkpointsDeleted: 0,
    versionsDeleted: 0,
    customTemplates: templates.slice(0, LISTED_MAX),
    customTemplatesDeleted: 0,
    customTemplatesTransferred: 0,
    blobsRemoved: 0,
    actionLogEntriesDeleted: 0,
    otherUndoEntriesDeleted: 0,
    ratingsAnonymized: 0,
    setupsDeleted: 0,
    sessionsDeleted: 0,
    apiTokensDeleted: 0,
    rowsAnonymized: 0,
  };

  const released = new Set<string>();
  const doomed: string[] = [];
  if (target) {
    summary.projectsTransferred = sqlite
      .prepare('UPDATE ProjectStates SET CreatedBy = @to WHERE CreatedBy = @u')
      .run({ ...u, to: target.Id }).changes;
    summary.customTemplatesTransferred = sqlite
      .prepare('UPDATE CustomTemplates SET CreatedBy = @to, Author = @name WHERE CreatedBy = @u')
      .run({ ...u, to: target.Id, name: target.DisplayName }).changes;
  } else {
    const p = { p: JSON.stringify(projects.map((row) => row.id)) };
    const inProjects = 'ProjectId IN (SELECT value FROM json_each(@p))';
    const childIds = (table: string) =>
      ids(sqlite, `SELECT Id FROM ${table} WHERE ${inProjects}`, p);
    const scenes = childIds('SceneStates');
    const assets = childIds('AssetStates');
    const checkpoints = childIds('RenderCheckpoints');
    const versions = sqlite
      .prepare<[Record<string, unknown>], VersionHashes & { Id: string }>(
        `SELECT Id, BriefHash, PlanHash, VoiceHash, RenderHash, TimelineHash FROM ProjectVersions WHERE ${inProjects}`,
      )
      .all(p);
    // Each version releases the one reference it holds on every blob of its closure.
    const cache = new Map<string, string>();
    const release = sqlite.prepare(
      'UPDATE ContentBlobs SET ReferenceCount = ReferenceCount - 1 WHERE ContentHash = ?',
    );
    for (const version of versions) {
      for (const hash of versionClosureHashes(sqlite, version, cache)) {
        release.run(hash);
        released.add(hash);
      }
    }
    summary.versionsDeleted = sqlite
      .prepare(`DELETE FROM ProjectVersions WHERE ${inProjects}`)
      .run(p).changes;
    summary.checkpointsDeleted = sqlite
      .prepare(`DELETE FROM RenderCheckpoints WHERE ${inProjects}`)
      .run(p).changes;
    summary.assetsDeleted = sqlite
      .prepare(`DELETE FROM AssetStates WHERE ${inProjects}`)
      .run(p).changes;
    summary.scenesDeleted = sqlite
      .prepare(`DELETE FROM SceneStates WHERE ${inProjects}`)
      .run(p).changes;
    summary.projectsDeleted = sqlite
      .prepare('DELETE FROM ProjectStates WHERE Id IN (SELECT value FROM json_each(@p))')
      .run(p).changes;
    summary.customTemplatesDeleted = sqlite
      .prepare('DELETE FROM CustomTemplates WHERE CreatedBy = @u')
      .run(u).changes;
    doomed.push(
      ...projects.map((row) => row.id),
      ...scenes,
      ...assets,
      ...checkpoints,
      ...versions.map((v) => v.Id),
      ...templates.map((row) => row.id),
    );
  }

  // Blobs only the deleted versions needed, and unreferenced ones the user stored (pruned
  // autosaves waiting for their grace period), go now.
  summary.blobsRemoved = sqlite
    .prepare(
      `DELETE FROM ContentBlobs WHERE ReferenceCount <= 0
         AND (ContentHash IN (SELECT value FROM json_each(@released)) OR CreatedBy = @u)`,
    )
    .run({ ...u, released: JSON.stringify([...released]) }).changes;

  // Undo history: theirs entirely; anyone's about content that no longer exists.
  summary.actionLogEntriesDeleted = sqlite
    .prepare('DELETE FROM ActionLogs WHERE UserId = @u')
    .run(u).changes;
  if (doomed.length > 0) {
    summary.otherUndoEntriesDeleted = sqlite
      .prepare('DELETE FROM ActionLogs WHERE ProjectId IN (SELECT value FROM json_each(@p))')
      .run({ p: JSON.stringify(projects.map((row) => row.id)) }).changes;
    summary.otherUndoEntriesDeleted += sqlite
      .prepare(
        `DELETE FROM ActionLogs WHERE Id IN (
           SELECT a.Id FROM ActionLogs a,
             json_each('["' || replace(a.AffectedResourceIds, ',', '","') || '"]') r
           WHERE a.AffectedResourceIds IS NOT NULL AND a.AffectedResourceIds NOT LIKE '%"%'
             AND r.value IN (SELECT value FROM json_each(@doomed)))`,
      )
      .run({ doomed: JSON.stringify(doomed) }).changes;
  }

  // Ratings stay (a template's average does not move because a rater left), anonymous; the
  // aggregates are recomputed from the rows as rating does.
  const rated = ids(sqlite, 'SELECT TemplateId FROM TemplateRatings WHERE UserId = @u', u);
  summary.ratingsAnonymized = sqlite
    .prepare('UPDATE TemplateRatings SET UserId = @t WHERE UserId = @u')
    .run({ ...u, t: tombstone }).changes;
  if (rated.length > 0) {
    sqlite
      .prepare(
        `UPDATE Templates SET
           Rating = coalesce((SELECT avg(r.Rating) FROM TemplateRatings r WHERE r.TemplateId = Templates.Id), 0),
           RatingCount = (SELECT count(*) FROM TemplateRatings r WHERE r.TemplateId = Templates.Id)
         WHERE Id IN (SELECT value FROM json_each(@ids))`,
      )
      .run({ ids: JSON.stringify(rated) });
  }

  summary.setupsDeleted = sqlite.prepare('DELETE FROM UserSetups WHERE UserId = @u').run(u).changes;
  summary.sessionsDeleted = sqlite.prepare('DELETE FROM Sessions WHERE UserId = @u').run(u).changes;
  summary.apiTokensDeleted = sqlite
    .prepare('DELETE FROM ApiTokens WHERE UserId = @u')
    .run(u).changes;
  if (user) {
    // A template they published under their name keeps the text, not the name.
    sqlite
      .prepare('UPDATE Templates SET Author = @t WHERE CreatedBy = @u AND Author = @name')
      .run({ ...u, t: tombstone, name: user.DisplayName });
    sqlite.prepare('DELETE FROM Users WHERE Id = @u').run(u);
  }

  const needles = [userId];
  if (user && SAFE_EMAIL.test(user.Email)) needles.push(user.Email);
  summary.rowsAnonymized = anonymizeEverywhere(sqlite, needles, tombstone);
  return summary;
}

// ---- the log and the whole operation --------------------------------------------------------

export interface ErasureEntry {
  id: string;
  subjectHash: string;
  tombstone: string;
  erasedAt: string;
  erasedBy: string | null;
  transferredTo: string | null;
}

export interface ForgetOptions {
  /** The admin who asked (stored as is: an id is not personal data once its row is gone). */
  erasedBy: string | null;
  transferTo?: string | null;
  /** Runs everything, reports it, and rolls it back. */
  dryRun?: boolean;
  now?: Date;
}

export interface CompactResult {
  /** The WAL was checkpointed and truncated to zero bytes (false: a reader held it). */
  walTruncated: boolean;
  vacuumed: boolean;
}

export interface ForgetResult {
  erasure: ErasureEntry;
  summary: ErasureSummary;
  dryRun: boolean;
  compact: CompactResult | null;
}

class DryRunRollback extends Error {}

function insertEntry(
  sqlite: Sqlite,
  entry: ErasureEntry,
  summary: ErasureSummary,
  reappliedAt: string | null,
): void {
  // The listed titles and names are for the preview only: the log keeps counts.
  const { projects: _p, customTemplates: _c, ...counts } = summary;
  sqlite
    .prepare(
      `INSERT INTO ErasureLog (Id, SubjectHash, Tombstone, ErasedAt, ErasedBy, TransferredTo, SummaryJson, ReappliedAt)
       VALUES (@id, @subjectHash, @tombstone, @erasedAt, @erasedBy, @transferredTo, @summary, @reappliedAt)`,
    )
    .run({ ...entry, summary: JSON.stringify(counts), reappliedAt });
}

/**
 * Rewrites the file so that no page, free page or WAL frame still holds erased bytes: every FTS
 * index merged (dropping its delete markers), a checkpoint, VACUUM, and a checkpoint that
 * truncates the WAL. Run outside any transaction.
 */
export function compactAfterErasure(sqlite: Sqlite): CompactResult {
  const fts = sqlite
    .prepare<[], string>(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%'",
    )
    .pluck()
    .all();
  for (const table of fts)
    sqlite.prepare(`INSERT INTO ${quote(table)}(${quote(table)}) VALUES ('optimize')`).run();
  const wal = sqlite.pragma('journal_mode', { simple: true }) === 'wal';
  if (wal) sqlite.pragma('wal_checkpoint(TRUNCATE)');
  sqlite.exec('VACUUM');
  let walTruncated = !wal;
  if (wal) {
    const [result] = sqlite.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    walTruncated = result?.busy === 0;
  }
  return { walTruncated, vacuumed: true };
}

/** Runs `work` with PRAGMA secure_delete on, then restores the connection's setting. */
function withSecureDelete<R>(sqlite: Sqlite, work: () => R): R {
  const previous = Number(sqlite.pragma('secure_delete', { simple: true }));
  sqlite.pragma('secure_delete = ON');
  try {
    return work();
  } finally {
    sqlite.pragma(`secure_delete = ${previous}`);
  }
}

/**
 * Forgets a user: one IMMEDIATE transaction (the erasure and its ErasureLog row: all or nothing)
 * under secure_delete, then the compaction. A dry run does the same work and rolls it back, so
 * the preview is exactly what would go.
 */
export function forgetUser(sqlite: Sqlite, userId: string, options: ForgetOptions): ForgetResult {
  const id = newId();
  const entry: ErasureEntry = {
    id,
    subjectHash: erasureSubjectHash(userId),
    tombstone: tombstoneFor(id),
    erasedAt: (options.now ?? new Date()).toISOString(),
    erasedBy: options.erasedBy,
    transferredTo: null,
  };
  return withSecureDelete(sqlite, () => {
    let summary: ErasureSummary | undefined;
    try {
      sqlite
        .transaction(() => {
          summary = eraseUserInTransaction(sqlite, userId, {
            tombstone: entry.tombstone,
            transferTo: options.transferTo ?? null,
          });
          entry.transferredTo = summary.transferredTo;
          if (options.dryRun) throw new DryRunRollback();
          // Stamped as late as possible, just before the commit: a backup whose run started
          // before this time (backups.list's predatesErasure) may still hold the user.
          entry.erasedAt = (options.now ?? new Date()).toISOString();
          insertEntry(sqlite, entry, summary, null);
        })
        .immediate();
    } catch (error) {
      if (!(error instanceof DryRunRollback)) throw error;
    }
    if (!summary) throw new Error('The erasure produced no summary');
    const compact = options.dryRun ? null : compactAfterErasure(sqlite);
    return { erasure: entry, summary, dryRun: Boolean(options.dryRun), compact };
  });
}

// ---- restore: applying logged erasures again ------------------------------------------------

const entryRow = z.object({
  Id: z.string(),
  SubjectHash: z.string(),
  Tombstone: z.string(),
  ErasedAt: z.string(),
  ErasedBy: z.string().nullable(),
  TransferredTo: z.string().nullable(),
});

function hasErasureLog(sqlite: Sqlite): boolean {
  return Boolean(
    sqlite
      .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'ErasureLog'")
      .get(),
  );
}

/** Every erasure a database recorded, oldest first (none when it predates the log). */
export function readErasureLog(sqlite: Sqlite): ErasureEntry[] {
  if (!hasErasureLog(sqlite)) return [];
  return sqlite
    .prepare(
      'SELECT Id, SubjectHash, Tombstone, ErasedAt, ErasedBy, TransferredTo FROM ErasureLog ORDER BY ErasedAt, Id',
    )
    .all()
    .map((row) => {
      const r = entryRow.parse(row);
      return {
        id: r.Id,
        subjectHash: r.SubjectHash,
        tombstone: r.Tombstone,
        erasedAt: r.ErasedAt,
        erasedBy: r.ErasedBy,
        transferredTo: r.TransferredTo,
      };
    });
}

export interface ReappliedErasure {
  id: string;
  erasedAt: string;
  /** The forgotten user was in the restored file (false: the backup is older than them). */
  userFound: boolean;
}

/**
 * Applies again every erasure of `entries` that `sqlite` (a restored, migrated database) has not
 * recorded, in the order they happened, each in its own transaction under secure_delete and
 * recorded in its ErasureLog; then compacts the file. Returns what it applied.
 */
export function reapplyErasures(sqlite: Sqlite, entries: ErasureEntry[]): ReappliedErasure[] {
  const known = new Set(readErasureLog(sqlite).map((e) => e.id));
  const missing = entries.filter((e) => !known.has(e.id));
  if (missing.length === 0) return [];
  const applied: ReappliedErasure[] = [];
  withSecureDelete(sqlite, () => {
    for (const entry of missing) {
      sqlite
        .transaction(() => {
          const userId = sqlite
            .prepare<[], string>('SELECT Id FROM Users')
            .pluck()
            .all()
            .find((id) => erasureSubjectHash(id) === entry.subjectHash);
          const summary = userId
            ? eraseUserInTransaction(sqlite, userId, {
                tombstone: entry.tombstone,
                transferTo: entry.transferredTo,
              })
            : null;
          insertEntry(sqlite, entry, summary ?? emptySummary(), new Date().toISOString());
          applied.push({ id: entry.id, erasedAt: entry.erasedAt, userFound: Boolean(userId) });
        })
        .immediate();
    }
  });
  compactAfterErasure(sqlite);
  return applied;
}

function emptySummary(): ErasureSummary {
  return {
    userFound: false,
    transferredTo: null,
    projects: [],
    projectsDeleted: 0,
    projectsTransferred: 0,
    scenesDeleted: 0,
    assetsDeleted: 0,
    checkpointsDeleted: 0,
    versionsDeleted: 0,
    customTemplates: [],
    customTemplatesDeleted: 0,
    customTemplatesTransferred: 0,
    blobsRemoved: 0,
    actionLogEntriesDeleted: 0,
    otherUndoEntriesDeleted: 0,
    ratingsAnonymized: 0,
    setupsDeleted: 0,
    sessionsDeleted: 0,
    apiTokensDeleted: 0,
    rowsAnonymized: 0,
  };
}
