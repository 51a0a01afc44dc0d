import {
  ConflictError,
  SYSTEM_ACTOR,
  auditedUpdateWhere,
  stampRowImage,
  NotFoundError,
  PreconditionError,
  StateError,
  contentBlobs,
  findAnyById,
  getById,
  insertAudited,
  notDeleted,
  nowIso,
  onlyDeleted,
  projectStates,
  projectVersions,
  sceneStates,
  stampInsert,
  versionedUpdate,
  writeTransaction,
  type Actor,
  type AuraDb,
  type ProjectState,
  type ProjectVersion,
  type VersionType,
} from '@aura/db';
import { and, desc, eq, gt, inArray, lt, notInArray, sql, type SQL } from 'drizzle-orm';
import { addReferences, releaseReferences, storeBlobs, type BlobCache } from './content';
import { undoableTrashMove, undoableWrite } from '../actions/recorder';
import { highestLoggedRowVersions } from '../actions/highest-version';
import { checkSceneCount } from '../scenes/service';
import { keyset, type Page, type PageCursor } from '../paging';
import { autosavesToPrune, storedRetentionPolicy, type RetentionPolicy } from './retention';
import {
  DOCUMENTS,
  documentHashes,
  prepareProjectSnapshot,
  versionClosure,
  versionContent,
  type PreparedSnapshot,
  type VersionContent,
} from './snapshot';
import { decodeTimeline, encodeTimeline, sameEntries } from './timeline';

/**
 * Version history. The inline *Json columns of ProjectVersions stay NULL on purpose: a version's
 * content lives once in ContentBlobs (see content.ts), the row keeps only the hashes.
 */

/** The columns a version row shows (the always-empty inline JSON columns left out). */
export type VersionRow = Omit<
  ProjectVersion,
  'briefJson' | 'planSpecJson' | 'voiceSpecJson' | 'renderSpecJson' | 'timelineJson'
>;

function view(row: ProjectVersion): VersionRow {
  const {
    briefJson: _b,
    planSpecJson: _p,
    voiceSpecJson: _v,
    renderSpecJson: _r,
    timelineJson: _t,
    ...rest
  } = row;
  return rest;
}

export interface CreateVersionInput {
  projectId: string;
  versionType: VersionType;
  name?: string | null;
  description?: string | null;
  trigger?: string | null;
}

export interface CreateVersionResult {
  version: VersionRow;
  /** False when an autosave found nothing changed since the latest version (returned instead). */
  created: boolean;
  /** Autosaves the retention policy removed in the same transaction. */
  pruned: string[];
}

function latestVersion(
  tx: AuraDb,
  projectId: string,
  liveOnly: boolean,
): ProjectVersion | undefined {
  const where = liveOnly
    ? and(eq(projectVersions.projectId, projectId), notDeleted(projectVersions))
    : eq(projectVersions.projectId, projectId);
  return tx
    .select()
    .from(projectVersions)
    .where(where)
    .orderBy(desc(projectVersions.versionNumber))
    .limit(1)
    .get();
}

/** Captures the project's current content as a new version, inside the caller's transaction. */
export function createVersionInTransaction(
  tx: AuraDb,
  actor: Actor,
  input: CreateVersionInput,
  options: { now?: Date; retention?: RetentionPolicy } = {},
): CreateVersionResult {
  const now = options.now ?? new Date();
  const at = nowIso(now);
  const project = getById(tx, projectStates, input.projectId);
  const snapshot = prepareProjectSnapshot(tx, project);

  const previous = latestVersion(tx, project.id, false);
  const previousTimeline = previous?.timelineHash
    ? decodeTimeline(tx, previous.timelineHash)
    : null;

  if (input.versionType === 'Autosave') {
    const latestLive = latestVersion(tx, project.id, true);
    if (latestLive && unchangedSince(tx, latestLive, snapshot, previous, previousTimeline)) {
      return { version: view(latestLive), created: false, pruned: [] };
    }
  }

  const timeline = encodeTimeline(snapshot.entries, previousTimeline);
  const documents = DOCUMENTS.map((d) => snapshot.documents[d.key]).filter((b) => b !== null);
  storeBlobs(tx, [...documents, ...snapshot.sceneBlobs, timeline.blob], actor, at);

  const closure = new Set<string>([
    ...documents.map((b) => b.hash),
    ...snapshot.sceneBlobs.map((b) => b.hash),
    ...timeline.chain,
  ]);
  addReferences(tx, closure, at, actor);

  // The next number: above every number this project ever used (purged versions included).
  const highest = Math.max(
    project.lastVersionNumber,
    tx
      .select({ n: sql<number>`coalesce(max(${projectVersions.versionNumber}), 0)` })
      .from(projectVersions)
      .where(eq(projectVersions.projectId, project.id))
      .get()!.n,
  );
  const versionNumber = highest + 1;
  tx.update(projectStates)
    .set({ lastVersionNumber: versionNumber })
    .where(eq(projectStates.id, project.id))
    .run();

  // Logical size: what this version weighs on its own (documents, scenes, a full timeline).
  const fullTimelineBytes = Buffer.byteLength(JSON.stringify(snapshot.entries)) + 40;
  const storageSizeBytes =
    documents.reduce((n, b) => n + b.size, 0) +
    snapshot.sceneBlobs.reduce((n, b) => n + b.size, 0) +
    fullTimelineBytes;

  const row = insertAudited(
    tx,
    projectVersions,
    {
      projectId: project.id,
      versionNumber,
      name: input.name ?? null,
      description: input.description ?? null,
      versionType: input.versionType,
      trigger: input.trigger ?? null,
      createdByUserId: actor,
      briefHash: snapshot.documents.brief?.hash ?? null,
      planHash: snapshot.documents.plan?.hash ?? null,
      voiceHash: snapshot.documents.voice?.hash ?? null,
      renderHash: snapshot.documents.render?.hash ?? null,
      timelineHash: timeline.blob.hash,
      storageSizeBytes,
    },
    actor,
  );
  const pruned =
    input.versionType === 'Autosave'
      ? pruneAutosavesInTransaction(tx, project.id, now, options.retention)
      : [];
  return { version: view(row), created: true, pruned };
}

function unchangedSince(
  tx: AuraDb,
  latest: ProjectVersion,
  snapshot: PreparedSnapshot,
  previous: ProjectVersion | undefined,
  previousTimeline: ReturnType<typeof decodeTimeline> | null,
): boolean {
  const hashes = documentHashes(latest);
  for (const doc of DOCUMENTS)
    if ((snapshot.documents[doc.key]?.hash ?? null) !== hashes[doc.key]) return false;
  if (!latest.timelineHash) return snapshot.entries.length === 0;
  const timeline =
    previous?.id === latest.id && previousTimeline
      ? previousTimeline
      : decodeTimeline(tx, latest.timelineHash);
  return sameEntries(timeline.entries, snapshot.entries);
}

export function createVersion(
  db: AuraDb,
  actor: Actor,
  input: CreateVersionInput,
  options: { now?: Date; retention?: RetentionPolicy } = {},
): CreateVersionResult {
  return writeTransaction(db, (tx) => createVersionInTransaction(tx, actor, input, options));
}

/** Removes a version row and releases every reference it held, in the caller's transaction. */
function purgeInTransaction(
  tx: AuraDb,
  version: ProjectVersion,
  cache?: BlobCache,
  actor?: Actor,
): void {
  releaseReferences(tx, versionClosure(tx, version, cache), nowIso(), actor);
  tx.delete(projectVersions).where(eq(projectVersions.id, version.id)).run();
}

/**
 * Applies the autosave retention policy (default: the stored one, Retention.AutosaveKeepLast) to
 * one project; returns the ids it purged.
 */
export function pruneAutosavesInTransaction(
  tx: AuraDb,
  projectId: string,
  now: Date = new Date(),
  policy: RetentionPolicy = storedRetentionPolicy(tx),
): string[] {
  const autosaves = tx
    .select({ id: projectVersions.id, createdAt: projectVersions.createdAt })
    .from(projectVersions)
    .where(
      and(
        eq(projectVersions.projectId, projectId),
        eq(projectVersions.versionType, 'Autosave'),
        eq(projectVersions.isMarkedImportant, false),
        notDeleted(projectVersions),
      ),
    )
    .all();
  const doomed = autosavesToPrune(autosaves, now, policy);
  if (doomed.length === 0) return [];
  const cache: BlobCache = new Map();
  for (const row of tx
    .select()
    .from(projectVersions)
    .where(inArray(projectVersions.id, doomed))
    .all()) {
    purgeInTransaction(tx, row, cache);
  }
  return doomed;
}

/**
 * Purges every version of a project (for a hard delete of the project, whose cascade would
 * otherwise drop the rows without releasing their references).
 */
export function purgeProjectVersionsInTransaction(tx: AuraDb, projectId: string): number {
  const cache: BlobCache = new Map();
  const rows = tx
    .select()
    .from(projectVersions)
    .where(eq(projectVersions.projectId, projectId))
    .all();
  for (const row of rows) purgeInTransaction(tx, row, cache);
  return rows.length;
}

export function pruneAutosaves(
  db: AuraDb,
  projectId: string,
  now?: Date,
  policy?: RetentionPolicy,
): string[] {
  return writeTransaction(db, (tx) => pruneAutosavesInTransaction(tx, projectId, now, policy));
}

// ---- reads ------------------------------------------------------------------------------

export interface ListVersionsInput {
  projectId: string;
  versionType?: VersionType;
  /** The decoded `cursor` of the previous page (see paging.ts). */
  cursor?: PageCursor | null;
  limit: number;
}

/** A project's versions, newest (highest number) first. */
const versionOrder = keyset<VersionRow>('versions', [
  {
    column: projectVersions.versionNumber,
    direction: 'desc',
    of: (row) => row.versionNumber,
    numeric: true,
  },
  { column: projectVersions.id, direction: 'desc', of: (row) => row.id },
]);

export function listVersions(db: AuraDb, input: ListVersionsInput): Page<VersionRow> {
  getById(db, projectStates, input.projectId);
  const rows = db
    .select()
    .from(projectVersions)
    .where(
      and(
        eq(projectVersions.projectId, input.projectId),
        notDeleted(projectVersions),
        input.versionType ? eq(projectVersions.versionType, input.versionType) : undefined,
        versionOrder.after(input.cursor ?? null),
      ),
    )
    .orderBy(...versionOrder.orderBy)
    .limit(input.limit + 1)
    .all()
    .map(view);
  return versionOrder.page(rows, input.limit);
}

/** Soft-deleted versions of a project, newest deletion first. */
export function versionTrash(db: AuraDb, projectId: string) {
  return db
    .select()
    .from(projectVersions)
    .where(and(eq(projectVersions.projectId, projectId), onlyDeleted(projectVersions)))
    .orderBy(desc(projectVersions.deletedAt))
    .all()
    .map(view);
}

export function getVersion(db: AuraDb, id: string): VersionRow & { content: VersionContent } {
  const row = getById(db, projectVersions, id);
  return { ...view(row), content: versionContent(db, row) };
}

// ---- edits ------------------------------------------------------------------------------

export function describeVersion(
  db: AuraDb,
  actor: Actor,
  input: { id: string; rowVersion: number; name?: string | null; description?: string | null },
): VersionRow {
  return view(
    writeTransaction(db, (tx) =>
      versionedUpdate(
        tx,
        projectVersions,
        input,
        { name: input.name, description: input.description },
        actor,
      ),
    ),
  );
}

export function setVersionImportant(
  db: AuraDb,
  actor: Actor,
  input: { id: string; rowVersion: number; important: boolean },
): VersionRow {
  return view(
    writeTransaction(db, (tx) =>
      versionedUpdate(tx, projectVersions, input, { isMarkedImportant: input.important }, actor),
    ),
  );
}

export function softDeleteVersion(
  db: AuraDb,
  actor: Actor,
  input: { id: string; rowVersion: number },
): VersionRow {
  return undoableTrashMove<typeof projectVersions, VersionRow>(db, actor, {
    table: 'ProjectVersions',
    direction: 'trash',
    key: input,
    type: 'versions.softDelete',
    describe: (v) => `version ${v.versionNumber}`,
    view,
  });
}

export function undeleteVersion(
  db: AuraDb,
  actor: Actor,
  input: { id: string; rowVersion: number },
): VersionRow {
  return undoableTrashMove<typeof projectVersions, VersionRow>(db, actor, {
    table: 'ProjectVersions',
    direction: 'restore',
    key: input,
    type: 'versions.restore',
    describe: (v) => `version ${v.versionNumber}`,
    view,
  });
}

/** Hard delete (admin): the row goes and every reference it held is released. */
export function purgeVersion(
  db: AuraDb,
  id: string,
  actor?: Actor,
): { id: string; released: number } {
  return writeTransaction(db, (tx) => {
    const row = findAnyById(tx, projectVersions, id);
    if (!row) throw new NotFoundError('ProjectVersions', id);
    const closure = versionClosure(tx, row);
    purgeInTransaction(tx, row, undefined, actor);
    return { id, released: closure.size };
  });
}

// ---- restore ----------------------------------------------------------------------------

export interface RestoreResult {
  project: ProjectState;
  /** The version of the state before the restore. */
  restorePoint: VersionRow;
  restoredFrom: VersionRow;
}

/**
 * Writes a version's content back into its project: first a RestorePoint of the current state,
 * then the specs and the scenes (same ids, order and fields), all in one transaction; the
 * project's RowVersion is bumped. `projectRowVersion`, when given, must be current.
 */
export function restoreVersion(
  db: AuraDb,
  actor: Actor,
  input: { versionId: string; projectRowVersion?: number },
  now: Date = new Date(),
): RestoreResult {
  return undoableWrite(
    db,
    actor,
    ({ project, restoredFrom }: RestoreResult) => ({
      type: 'versions.restoreContent',
      description: `Restored project "${project.title}" to version ${restoredFrom.versionNumber}`,
    }),
    (tx, tracker) => {
      const version = getById(tx, projectVersions, input.versionId);
      const project = getById(tx, projectStates, version.projectId);
      if (input.projectRowVersion !== undefined && input.projectRowVersion !== project.rowVersion) {
        throw new ConflictError(
          'ProjectStates',
          project.id,
          input.projectRowVersion,
          project.rowVersion,
        );
      }
      const content = versionContent(tx, version);
      // The restore point is history, not an edit: taken before any row is tracked, it stays
      // when the restore itself is undone.
      const restorePoint = createVersionInTransaction(
        tx,
        actor,
        {
          projectId: project.id,
          versionType: 'RestorePoint',
          trigger: `Before restoring version ${version.versionNumber}`,
        },
        { now },
      ).version;
      tracker.track('ProjectStates', [project.id]);
      tracker.trackWhere('SceneStates', eq(sceneStates.projectId, project.id));
      tracker.track(
        'SceneStates',
        content.scenes.map((s) => s.id),
      );
      const latest = getById(tx, projectStates, project.id);
      const restored = writeContent(tx, actor, project.id, latest.rowVersion, content);
      return { project: restored, restorePoint, restoredFrom: view(version) };
    },
  );
}

/**
 * Replaces a project's specs and scenes with `content` (inside the caller's transaction). A scene
 * that no longer exists comes back under its id one version past the highest its id ever had in
 * the undo log: RowVersion never rewinds, so neither a client's stale read nor an undo of the
 * scene's earlier life can match the restored row.
 */
export function writeContent(
  tx: AuraDb,
  actor: Actor,
  projectId: string,
  projectRowVersion: number,
  content: VersionContent,
) {
  checkSceneCount(content.scenes.length);
  const text = (value: VersionContent['brief']) => (value === null ? null : JSON.stringify(value));
  const project = versionedUpdate(
    tx,
    projectStates,
    { id: projectId, rowVersion: projectRowVersion },
    {
      briefJson: text(content.brief),
      planSpecJson: text(content.plan),
      voiceSpecJson: text(content.voice),
      renderSpecJson: text(content.render),
    },
    actor,
  );
  const keep = content.scenes.map((s) => s.id);
  tx.delete(sceneStates)
    .where(
      and(
        eq(sceneStates.projectId, projectId),
        keep.length > 0 ? notInArray(sceneStates.id, keep) : undefined,
      ),
    )
    .run();
  const at = nowIso();
  const existingIds = new Set(
    tx
      .select({ id: sceneStates.id })
      .from(sceneStates)
      .where(eq(sceneStates.projectId, projectId))
      .all()
      .map((row) => row.id),
  );
  const highest = highestLoggedRowVersions(
    tx,
    'SceneStates',
    keep.filter((id) => !existingIds.has(id)),
  );
  content.scenes.forEach((scene, sceneIndex) => {
    const fields = {
      sceneIndex,
      scriptText: scene.scriptText,
      durationSeconds: scene.durationSeconds,
      audioFilePath: scene.audioFilePath,
      imageFilePath: scene.imageFilePath,
      isCompleted: scene.isCompleted,
    };
    const existing = tx
      .select({ projectId: sceneStates.projectId })
      .from(sceneStates)
      .where(eq(sceneStates.id, scene.id))
      .get();
    if (existing && existing.projectId !== projectId) {
      throw new StateError(`Scene ${scene.id} now belongs to another project`);
    }
    if (existing) {
      auditedUpdateWhere(tx, sceneStates, eq(sceneStates.id, scene.id), fields, actor, at);
    } else {
      // A new row under an old id: its first version is past any the id ever had.
      const row = stampInsert(sceneStates, { id: scene.id, projectId, ...fields }, actor, at);
      tx.insert(sceneStates)
        .values(stampRowImage(sceneStates, row, (highest.get(scene.id) ?? 0) + 1, actor, at))
        .run();
    }
  });
  return project;
}

// ---- statistics and blob maintenance -----------------------------------------------------

export interface StorageStats {
  versions: number;
  /** What the versions would weigh stored separately. */
  logicalBytes: number;
  /** What their distinct blobs weigh. */
  storedBytes: number;
  /** logical / stored (1 when nothing is stored). */
  dedupRatio: number;
  perVersion: { id: string; versionNumber: number; logicalBytes: number; exclusiveBytes: number }[];
}

/** Storage of one project's versions, or of every version when no project is given. */
export function storageStats(db: AuraDb, projectId?: string): StorageStats {
  const rows = db
    .select()
    .from(projectVersions)
    .where(projectId ? eq(projectVersions.projectId, projectId) : undefined)
    .orderBy(desc(projectVersions.versionNumber))
    .all();
  const cache: BlobCache = new Map();
  const closures = rows.map((row) => versionClosure(db, row, cache));
  const all = new Set(closures.flatMap((c) => [...c]));
  const sizes = new Map<string, { size: number; refs: number }>();
  const hashes = [...all];
  for (let i = 0; i < hashes.length; i += 500) {
    for (const blob of db
      .select({
        hash: contentBlobs.contentHash,
        size: contentBlobs.sizeBytes,
        refs: contentBlobs.referenceCount,
      })
      .from(contentBlobs)
      .where(inArray(contentBlobs.contentHash, hashes.slice(i, i + 500)))
      .all())
      sizes.set(blob.hash, { size: blob.size, refs: blob.refs });
  }
  const storedBytes = projectId
    ? [...all].reduce((n, h) => n + (sizes.get(h)?.size ?? 0), 0)
    : db
        .select({ n: sql<number>`coalesce(sum(${contentBlobs.sizeBytes}), 0)` })
        .from(contentBlobs)
        .get()!.n;
  const logicalBytes = rows.reduce((n, r) => n + r.storageSizeBytes, 0);
  return {
    versions: rows.length,
    logicalBytes,
    storedBytes,
    dedupRatio: storedBytes === 0 ? 1 : logicalBytes / storedBytes,
    perVersion: rows.map((row, i) => ({
      id: row.id,
      versionNumber: row.versionNumber,
      logicalBytes: row.storageSizeBytes,
      exclusiveBytes: [...closures[i]!].reduce((n, h) => {
        const blob = sizes.get(h);
        return n + (blob && blob.refs === 1 ? blob.size : 0);
      }, 0),
    })),
  };
}

export const DEFAULT_BLOB_GRACE_MS = 60 * 60 * 1000;

export interface CollectResult {
  dryRun: boolean;
  /** Blobs at zero references for longer than the grace period. */
  collectable: number;
  collectableBytes: number;
  removed: number;
}

/**
 * Removes blobs that no version references, once they have been unreferenced for the grace
 * period (a version being written in another process may be about to reference them). Refuses
 * when versions exist but no blob has a reference: the counts are broken, not the blobs unused.
 */
export function collectBlobs(
  db: AuraDb,
  options: { graceMs?: number; dryRun?: boolean; now?: Date; batchSize?: number } = {},
): CollectResult {
  const cutoff = nowIso(
    new Date((options.now ?? new Date()).getTime() - (options.graceMs ?? DEFAULT_BLOB_GRACE_MS)),
  );
  const versions = db
    .select({ n: sql<number>`count(*)` })
    .from(projectVersions)
    .get()!.n;
  const references = db
    .select({ n: sql<number>`count(*)` })
    .from(contentBlobs)
    .where(gt(contentBlobs.referenceCount, 0))
    .get()!.n;
  if (versions > 0 && references === 0) {
    throw new PreconditionError(
      `Refusing to collect: ${versions} version(s) exist but no blob has a reference. Run the reference check (versions.checkReferences) and fix the counts first.`,
    );
  }
  const collectable = and(
    eq(contentBlobs.referenceCount, 0),
    lt(contentBlobs.lastReferencedAt, cutoff),
  );
  const summary = db
    .select({
      n: sql<number>`count(*)`,
      bytes: sql<number>`coalesce(sum(${contentBlobs.sizeBytes}), 0)`,
    })
    .from(contentBlobs)
    .where(collectable)
    .get()!;
  if (options.dryRun)
    return { dryRun: true, collectable: summary.n, collectableBytes: summary.bytes, removed: 0 };
  let removed = 0;
  const batchSize = options.batchSize ?? 500;
  // Small batches, each its own transaction, so other writers are never held up for long.
  for (;;) {
    const batch = writeTransaction(db, (tx) => {
      const hashes = tx
        .select({ hash: contentBlobs.contentHash })
        .from(contentBlobs)
        .where(collectable)
        .limit(batchSize)
        .all()
        .map((r) => r.hash);
      if (hashes.length > 0)
        tx.delete(contentBlobs)
          .where(and(inArray(contentBlobs.contentHash, hashes), collectable))
          .run();
      return hashes.length;
    });
    removed += batch;
    if (batch < batchSize) break;
  }
  return { dryRun: false, collectable: summary.n, collectableBytes: summary.bytes, removed };
}

export interface ReferenceCheck {
  blobs: number;
  versions: number;
  mismatches: { contentHash: string; recorded: number; expected: number }[];
  fixed: boolean;
}

/** Recomputes every blob's reference count from the versions; reports and, asked, fixes. */
export function checkReferenceCounts(
  db: AuraDb,
  options: { fix?: boolean; actor?: Actor } = {},
): ReferenceCheck {
  const run = (tx: AuraDb): ReferenceCheck => {
    const expected = new Map<string, number>();
    const cache: BlobCache = new Map();
    const versions = tx.select().from(projectVersions).all();
    for (const version of versions) {
      for (const hash of versionClosure(tx, version, cache))
        expected.set(hash, (expected.get(hash) ?? 0) + 1);
    }
    const blobs = tx
      .select({ hash: contentBlobs.contentHash, refs: contentBlobs.referenceCount })
      .from(contentBlobs)
      .all();
    const mismatches = blobs
      .filter((b) => (expected.get(b.hash) ?? 0) !== b.refs)
      .map((b) => ({ contentHash: b.hash, recorded: b.refs, expected: expected.get(b.hash) ?? 0 }));
    if (options.fix) {
      const at = nowIso();
      for (const m of mismatches) {
        auditedUpdateWhere(
          tx,
          contentBlobs,
          eq(contentBlobs.contentHash, m.contentHash),
          { referenceCount: m.expected },
          options.actor ?? SYSTEM_ACTOR,
          at,
        );
      }
    }
    return {
      blobs: blobs.length,
      versions: versions.length,
      mismatches,
      fixed: Boolean(options.fix) && mismatches.length > 0,
    };
  };
  // A fix writes; a check only needs a consistent read, which a transaction also gives.
  return writeTransaction(db, run);
}
