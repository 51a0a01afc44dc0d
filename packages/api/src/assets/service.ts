import {
  NotFoundError,
  assetStates,
  getById,
  insertAudited,
  newId,
  notDeleted,
  projectStates,
  versionedUpdate,
  type Actor,
  type AssetState,
  type AuraDb,
} from '@aura/db';
import { and, eq, getTableColumns, type SQL } from 'drizzle-orm';
import { undoableWrite } from '../actions/recorder';
import { checkMediaPath, mediaGuard } from '../media/paths';
import { keyset, type Page } from '../paging';
import type { AssetListQuery, AssetRegisterInput, AssetVersionedInput } from './schema';

/** The last segment of a path (either separator), for descriptions. */
function fileName(filePath: string): string {
  return filePath.split(/[\\/]/).filter(Boolean).at(-1) ?? filePath;
}

/**
 * Records a file of a live project. The path must pass the path guard (absolute, inside a media
 * root, none of the service's files; BAD_REQUEST on filePath) and is stored as its real location.
 */
export function registerAsset(db: AuraDb, actor: Actor, input: AssetRegisterInput): AssetState {
  const id = newId();
  let description = '';
  return undoableWrite(
    db,
    actor,
    () => ({ type: 'assets.register', description }),
    (tx, tracker) => {
      const filePath = checkMediaPath(mediaGuard(tx), 'filePath', input.filePath);
      const project = getById(tx, projectStates, input.projectId);
      description = `Registered ${input.isTemporary ? 'temporary ' : ''}${input.assetType.toLowerCase()} "${fileName(input.filePath)}" for project "${project.title}"`;
      tracker.track('AssetStates', [id]);
      return insertAudited(
        tx,
        assetStates,
        {
          id,
          projectId: input.projectId,
          assetType: input.assetType,
          filePath,
          fileSizeBytes: input.fileSizeBytes,
          mimeType: input.mimeType ?? null,
          isTemporary: input.isTemporary,
        },
        actor,
      );
    },
  );
}

const assetOrder = keyset<AssetState>('assets', [
  { column: assetStates.assetType, direction: 'asc', of: (row) => row.assetType },
  { column: assetStates.id, direction: 'asc', of: (row) => row.id },
]);

/**
 * The list query (limit + 1 rows), ordered by AssetType then Id, so that with or without the type
 * filter it follows IX_AssetStates_ProjectId_AssetType. Exposed for the EXPLAIN QUERY PLAN tests.
 */
export function buildAssetListQuery(db: AuraDb, query: AssetListQuery) {
  const conditions: SQL[] = [eq(assetStates.projectId, query.projectId)];
  if (query.assetType) conditions.push(eq(assetStates.assetType, query.assetType));
  return db
    .select()
    .from(assetStates)
    .where(and(...conditions, assetOrder.after(query.cursor)))
    .orderBy(...assetOrder.orderBy)
    .limit(query.limit + 1);
}

/** One page of a live project's assets; a missing or trashed project is NOT_FOUND. */
export function listAssets(db: AuraDb, query: AssetListQuery): Page<AssetState> {
  getById(db, projectStates, query.projectId);
  const rows = buildAssetListQuery(db, query).all();
  return assetOrder.page(rows, query.limit);
}

/** An asset of a live project; one of a project in the trash is NOT_FOUND like the project. */
function getLiveAsset(tx: AuraDb, id: string): AssetState {
  const asset = tx
    .select(getTableColumns(assetStates))
    .from(assetStates)
    .innerJoin(projectStates, eq(projectStates.id, assetStates.projectId))
    .where(and(eq(assetStates.id, id), notDeleted(projectStates)))
    .get();
  if (!asset) throw new NotFoundError('AssetStates', id);
  return asset;
}

/** Keeps a temporary file: IsTemporary becomes false. Stale RowVersion: CONFLICT. */
export function markAssetPermanent(
  db: AuraDb,
  actor: Actor,
  input: AssetVersionedInput,
): AssetState {
  let description = '';
  return undoableWrite(
    db,
    actor,
    () => ({ type: 'assets.markPermanent', description }),
    (tx, tracker) => {
      const asset = getLiveAsset(tx, input.id);
      const title =
        tx
          .select({ title: projectStates.title })
          .from(projectStates)
          .where(eq(projectStates.id, asset.projectId))
          .get()?.title ?? asset.projectId;
      description = `Kept ${asset.assetType.toLowerCase()} "${fileName(asset.filePath)}" of project "${title}" permanently`;
      tracker.track('AssetStates', [input.id]);
      return versionedUpdate(
        tx,
        assetStates,
        { id: input.id, rowVersion: input.rowVersion },
        { isTemporary: false },
        actor,
      );
    },
  );
}
