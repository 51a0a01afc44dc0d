import { assetStateInsertSchema, assetStateSchema } from '@aura/db';
import { z } from 'zod';
import { versionedKey } from '../keys';
import { pageCursor, pageLimit } from '../paging';
import { MIME_TYPE_MAX, PATH_MAX, uuidField } from '../limits';

const projectIdField = uuidField('Project id');

/** A file of a project: type from ASSET_TYPES (the table's CHECK), size ≥ 0. */
export const assetRegisterInput = z.object({
  projectId: projectIdField,
  assetType: assetStateSchema.shape.assetType,
  filePath: assetStateInsertSchema.shape.filePath
    .max(PATH_MAX)
    .trim()
    .min(1, 'File path is required'),
  fileSizeBytes: assetStateInsertSchema.shape.fileSizeBytes,
  mimeType: assetStateSchema.shape.mimeType.unwrap().max(MIME_TYPE_MAX).nullish(),
  isTemporary: assetStateSchema.shape.isTemporary.default(false),
});

/** A project's assets, optionally of one type, by type then Id (creation order: UUIDv7). */
export const assetListInput = z.object({
  projectId: projectIdField,
  assetType: assetStateSchema.shape.assetType.optional(),
  limit: pageLimit,
  cursor: pageCursor,
});

export const assetVersionedInput = versionedKey('Asset');

export type AssetRegisterInput = z.output<typeof assetRegisterInput>;
export type AssetListQuery = z.output<typeof assetListInput>;
export type AssetVersionedInput = z.output<typeof assetVersionedInput>;
