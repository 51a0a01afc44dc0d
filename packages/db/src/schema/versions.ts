import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import {
  SQL_NOW,
  auditColumns,
  bool,
  jsonOrNull,
  oneOf,
  rowVersionColumn,
  softDeleteColumns,
  uuidPk,
} from './columns';
import { VERSION_TYPES } from './enums';
import { projectStates } from './projects';

/** Version history and snapshots of a project (seed table 5). */
export const projectVersions = sqliteTable(
  'ProjectVersions',
  {
    id: uuidPk(),
    projectId: text('ProjectId')
      .notNull()
      .references(() => projectStates.id, { onDelete: 'cascade' }),
    versionNumber: integer('VersionNumber').notNull(),
    name: text('Name'),
    description: text('Description'),
    versionType: text('VersionType', { enum: VERSION_TYPES }).notNull(),
    trigger: text('Trigger'),
    createdByUserId: text('CreatedByUserId'),
    briefJson: text('BriefJson'),
    planSpecJson: text('PlanSpecJson'),
    voiceSpecJson: text('VoiceSpecJson'),
    renderSpecJson: text('RenderSpecJson'),
    timelineJson: text('TimelineJson'),
    briefHash: text('BriefHash'),
    planHash: text('PlanHash'),
    voiceHash: text('VoiceHash'),
    renderHash: text('RenderHash'),
    timelineHash: text('TimelineHash'),
    storageSizeBytes: integer('StorageSizeBytes').notNull().default(0),
    isMarkedImportant: bool('IsMarkedImportant').notNull().default(false),
    ...auditColumns(),
    ...softDeleteColumns(),
    ...rowVersionColumn(),
  },
  (t) => [
    index('IX_ProjectVersions_ProjectId').on(t.projectId),
    uniqueIndex('IX_ProjectVersions_ProjectId_VersionNumber').on(t.projectId, t.versionNumber),
    index('IX_ProjectVersions_VersionType').on(t.versionType),
    index('IX_ProjectVersions_CreatedAt').on(t.createdAt),
    index('IX_ProjectVersions_ProjectId_CreatedAt').on(t.projectId, t.createdAt),
    index('IX_ProjectVersions_IsDeleted').on(t.isDeleted),
    index('IX_ProjectVersions_IsDeleted_DeletedAt').on(t.isDeleted, t.deletedAt),
    index('IX_ProjectVersions_IsMarkedImportant').on(t.isMarkedImportant),
    // Covering indexes of the storage page's sums (per day, per project): no table row is read.
    index('IX_ProjectVersions_CreatedAt_StorageSizeBytes').on(t.createdAt, t.storageSizeBytes),
    index('IX_ProjectVersions_ProjectId_StorageSizeBytes').on(t.projectId, t.storageSizeBytes),
    oneOf('ProjectVersions', 'VersionType', VERSION_TYPES),
    check('CK_ProjectVersions_VersionNumber', sql`"VersionNumber" >= 1`),
    check('CK_ProjectVersions_StorageSizeBytes', sql`"StorageSizeBytes" >= 0`),
    jsonOrNull('ProjectVersions', 'BriefJson'),
    jsonOrNull('ProjectVersions', 'PlanSpecJson'),
    jsonOrNull('ProjectVersions', 'VoiceSpecJson'),
    jsonOrNull('ProjectVersions', 'RenderSpecJson'),
    jsonOrNull('ProjectVersions', 'TimelineJson'),
  ],
);

/** Content-addressed storage: one row per distinct content, keyed by its SHA-256 (seed table 6). */
export const contentBlobs = sqliteTable(
  'ContentBlobs',
  {
    contentHash: text('ContentHash').primaryKey(),
    content: text('Content').notNull(),
    contentType: text('ContentType').notNull(),
    sizeBytes: integer('SizeBytes').notNull(),
    lastReferencedAt: text('LastReferencedAt').notNull().default(SQL_NOW),
    referenceCount: integer('ReferenceCount').notNull().default(0),
    ...auditColumns(),
    ...rowVersionColumn(),
  },
  (t) => [
    index('IX_ContentBlobs_ContentType').on(t.contentType),
    index('IX_ContentBlobs_LastReferencedAt').on(t.lastReferencedAt),
    index('IX_ContentBlobs_ReferenceCount').on(t.referenceCount),
    // The storage page: sizes per day without reading content; blobs awaiting collection in order.
    index('IX_ContentBlobs_CreatedAt_SizeBytes').on(t.createdAt, t.sizeBytes),
    index('IX_ContentBlobs_ReferenceCount_LastReferencedAt').on(
      t.referenceCount,
      t.lastReferencedAt,
    ),
    check('CK_ContentBlobs_ContentHash', sql`length("ContentHash") = 64`),
    check('CK_ContentBlobs_ReferenceCount', sql`"ReferenceCount" >= 0`),
    check('CK_ContentBlobs_SizeBytes', sql`"SizeBytes" >= 0`),
  ],
);
