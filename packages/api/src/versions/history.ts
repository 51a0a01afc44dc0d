import {
  getById,
  insertAudited,
  NotFoundError,
  notDeleted,
  nowIso,
  onlyDeleted,
  preparedPerShape,
  prepareSelect,
  projectStates,
  projectVersions,
  users,
  versionedUpdate,
  writeTransaction,
  type Actor,
  type AuraDb,
  type ProjectVersion,
  type VersionType,
} from '@aura/db';
import { and, desc, eq, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import { undoableTrashMove } from '../actions/recorder';
import { keyset, type Page, type PageCursor } from '../paging';
import { addReferences, storeBlobs } from './content';
import { pruneAutosavesInTransaction } from './purge';
import type { RetentionPolicy } from './retention';
import {
  DOCUMENTS,
  documentHashes,
  prepareProjectSnapshot,
  versionContent,
  type PreparedSnapshot,
  type VersionContent,
} from './snapshot';
import { decodeTimeline, encodeTimeline, rememberTimeline, sameEntries } from './timeline';

/**
 * Version history. The inline *Json columns of ProjectVersions stay NULL on purpose: a version's
 * content lives once in ContentBlobs (see content.ts), the row keeps only the hashes.
 */

/** The columns a version row shows (the always-empty inline JSON columns left out). */
export type VersionRow = Omit<
  ProjectVersion,
  'briefJson' | 'planSpecJson' | 'voiceSpecJson' | 'renderSpecJson' | 'timelineJson'
>;

/** A version row as the API shows it. */
export function versionView(row: ProjectVersion): VersionRow {
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

/** A project's highest-numbered version (live only, or in the trash too), prepared per connection. */
const latestVersionStatement = preparedPerShape(
  (liveOnly: boolean) => String(liveOnly),
  (db, liveOnly: boolean) => {
    const ofProject = eq(projectVersions.projectId, sql.placeholder('projectId'));
    return prepareSelect(
      db
        .select()
        .from(projectVersions)
        .where(liveOnly ? and(ofProject, notDeleted(projectVersions)) : ofProject)
        .orderBy(desc(projectVersions.versionNumber))
        .limit(1),
    );
  },
);

function latestVersion(
  tx: AuraDb,
  projectId: string,
  liveOnly: boolean,
): ProjectVersion | undefined {
  return latestVersionStatement(tx, liveOnly).get({ projectId });
}

const liveProjectHeader = preparedPerShape(
  () => 'header',
  (db) =>
    prepareSelect(
      db
        .select({ id: projectStates.id, lastVersionNumber: projectStates.lastVersionNumber })
        .from(projectStates)
        .where(and(eq(projectStates.id, sql.placeholder('id')), notDeleted(projectStates))),
    ),
);

/** Bookkeeping, not an edit of the project: no audit stamp, no RowVersion. */
const setLastVersionNumber = preparedPerShape(
  () => 'set',
  (db) =>
    db
      .update(projectStates)
      .set({ lastVersionNumber: sql`${sql.placeholder('versionNumber')}` })
      .where(eq(projectStates.id, sql.placeholder('id')))
      .prepare(),
);

/** Captures the project's current content as a new version, inside the caller's transaction. */
export function createVersionInTransaction(
  tx: AuraDb,
  actor: Actor,
  input: CreateVersionInput,
  options: { now?: Date; retention?: RetentionPolicy } = {},
): CreateVersionResult {
  const now = options.now ?? new Date();
  const at = nowIso(now);
  // The project's few bookkeeping columns: the specs (a megabyte) are compared by SQLite and read
  // only when they changed (prepareProjectSnapshot).
  const project = liveProjectHeader(tx, null).get({ id: input.projectId });
  if (!project) throw new NotFoundError('ProjectStates', input.projectId);
  const snapshot = prepareProjectSnapshot(tx, project.id);

  const previous = latestVersion(tx, project.id, false);
  const previousTimeline = previous?.timelineHash
    ? decodeTimeline(tx, previous.timelineHash)
    : null;

  if (input.versionType === 'Autosave') {
    const latestLive = latestVersion(tx, project.id, true);
    if (latestLive && unchangedSince(tx, latestLive, snapshot, previous, previousTimeline)) {
      return { version: versionView(latestLive), created: false, pruned: [] };
    }
  }

  const timeline = encodeTimeline(snapshot.entries, previousTimeline);
  const documents = DOCUMENTS.map((d) => snapshot.documents[d.key]).filter((b) => b !== null);
  storeBlobs(tx, [...documents, ...snapshot.sceneBlobs, timeline.blob], actor, at);
  rememberTimeline(timeline.decoded);

  const closure = new Set<string>([
    ...documents.map((b) => b.hash),
    ...snapshot.sceneBlobs.map((b) => b.hash),
    ...timeline.chain,
  ]);
  addReferences(tx, closure, at, actor);

  // The next number: above every number this project ever used (purged versions included);
  // the newest version in the trash is the highest stored.
  const versionNumber = Math.max(project.lastVersionNumber, previous?.versionNumber ?? 0) + 1;
  setLastVersionNumber(tx, null).run({ id: project.id, versionNumber });

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
    at,
  );
  const pruned =
    input.versionType === 'Autosave'
      ? pruneAutosavesInTransaction(tx, project.id, now, options.retention)
      : [];
  return { version: versionView(row), created: true, pruned };
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
    .map(versionView);
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
    .map(versionView);
}

/** The columns the installation-wide version trash shows (no content, no hashes). */
const deletedBy = alias(users, 'DeletedByUser');
const versionTrashColumns = {
  id: projectVersions.id,
  projectId: projectVersions.projectId,
  projectTitle: projectStates.title,
  /** The version's project is itself in the trash: restore the project to see the version. */
  projectDeleted: projectStates.isDeleted,
  versionNumber: projectVersions.versionNumber,
  name: projectVersions.name,
  description: projectVersions.description,
  versionType: projectVersions.versionType,
  isMarkedImportant: projectVersions.isMarkedImportant,
  storageSizeBytes: projectVersions.storageSizeBytes,
  createdAt: projectVersions.createdAt,
  deletedAt: projectVersions.deletedAt,
  deletedBy: projectVersions.deletedBy,
  /** The display name of whoever deleted it (null for the system or a removed user). */
  deletedByName: deletedBy.displayName,
  rowVersion: projectVersions.rowVersion,
};

/** Most recently deleted first (a trashed row always has its DeletedAt). */
const trashOrder = keyset<{ id: string; deletedAt: string | null }>('versions:trash', [
  { column: projectVersions.deletedAt, direction: 'desc', of: (row) => row.deletedAt ?? '' },
  { column: projectVersions.id, direction: 'desc', of: (row) => row.id },
]);

/** The installation-wide trash query (limit + 1 rows). Exposed for EXPLAIN tests. */
export function buildVersionTrashQuery(
  db: AuraDb,
  query: { cursor?: PageCursor | null; limit: number },
) {
  return db
    .select(versionTrashColumns)
    .from(projectVersions)
    .innerJoin(projectStates, eq(projectStates.id, projectVersions.projectId))
    .leftJoin(deletedBy, eq(deletedBy.id, projectVersions.deletedBy))
    .where(and(onlyDeleted(projectVersions), trashOrder.after(query.cursor ?? null)))
    .orderBy(...trashOrder.orderBy)
    .limit(query.limit + 1);
}

export type VersionTrashItem = Awaited<
  ReturnType<ReturnType<typeof buildVersionTrashQuery>['all']>
>[number];

/** Soft-deleted versions of every project, most recently deleted first, with their project. */
export function listVersionTrash(
  db: AuraDb,
  query: { cursor?: PageCursor | null; limit: number },
): Page<VersionTrashItem> {
  return trashOrder.page(buildVersionTrashQuery(db, query).all(), query.limit);
}

export function getVersion(db: AuraDb, id: string): VersionRow & { content: VersionContent } {
  const row = getById(db, projectVersions, id);
  return { ...versionView(row), content: versionContent(db, row) };
}

// ---- edits ------------------------------------------------------------------------------

export function describeVersion(
  db: AuraDb,
  actor: Actor,
  input: { id: string; rowVersion: number; name?: string | null; description?: string | null },
): VersionRow {
  return versionView(
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
  return versionView(
    writeTransaction(db, (tx) =>
      versionedUpdate(tx, projectVersions, input, { isMarkedImportant: input.important }, actor),
    ),
  );
}

/** Moves a version to the trash or back, as one undoable action. */
function moveVersion(
  db: AuraDb,
  actor: Actor,
  input: { id: string; rowVersion: number },
  direction: 'trash' | 'restore',
): VersionRow {
  return undoableTrashMove<typeof projectVersions, VersionRow>(db, actor, {
    table: 'ProjectVersions',
    direction,
    key: input,
    type: direction === 'trash' ? 'versions.softDelete' : 'versions.restore',
    describe: (v) => `version ${v.versionNumber}`,
    view: versionView,
  });
}

export function softDeleteVersion(
  db: AuraDb,
  actor: Actor,
  input: { id: string; rowVersion: number },
): VersionRow {
  return moveVersion(db, actor, input, 'trash');
}

export function undeleteVersion(
  db: AuraDb,
  actor: Actor,
  input: { id: string; rowVersion: number },
): VersionRow {
  return moveVersion(db, actor, input, 'restore');
}
