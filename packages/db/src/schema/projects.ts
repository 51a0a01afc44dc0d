import { sql } from 'drizzle-orm';
import { check, index, integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
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
import { ASSET_TYPES, PROJECT_STAGES, PROJECT_STATUSES } from './enums';

/** Video generation projects (seed table 1). */
export const projectStates = sqliteTable(
  'ProjectStates',
  {
    id: uuidPk(),
    title: text('Title').notNull(),
    description: text('Description'),
    currentWizardStep: integer('CurrentWizardStep').notNull().default(0),
    status: text('Status', { enum: PROJECT_STATUSES }).notNull().default('InProgress'),
    completedAt: text('CompletedAt'),
    currentStage: text('CurrentStage', { enum: PROJECT_STAGES }).notNull().default('Script'),
    progressPercent: integer('ProgressPercent').notNull().default(0),
    jobId: text('JobId'),
    briefJson: text('BriefJson'),
    planSpecJson: text('PlanSpecJson'),
    voiceSpecJson: text('VoiceSpecJson'),
    renderSpecJson: text('RenderSpecJson'),
    errorMessage: text('ErrorMessage'),
    /**
     * The highest ProjectVersions.VersionNumber ever given to this project, purged versions
     * included, so a number is never reused. A counter, not user content: it does not bump
     * RowVersion (an autosave must not make the user's next edit conflict).
     */
    lastVersionNumber: integer('LastVersionNumber').notNull().default(0),
    ...auditColumns(),
    ...softDeleteColumns(),
    ...rowVersionColumn(),
  },
  (t) => [
    index('IX_ProjectStates_Status').on(t.status),
    index('IX_ProjectStates_UpdatedAt').on(t.updatedAt),
    index('IX_ProjectStates_Status_UpdatedAt').on(t.status, t.updatedAt),
    index('IX_ProjectStates_JobId').on(t.jobId),
    index('IX_ProjectStates_IsDeleted').on(t.isDeleted),
    index('IX_ProjectStates_IsDeleted_DeletedAt').on(t.isDeleted, t.deletedAt),
    // The dashboard's list orders (live rows, keyset by key then Id) and its stage filter. The
    // default order also carries the searched text: a search for a common term walks it checking
    // each row without reading the row itself (half the time at 100x).
    index('IX_ProjectStates_IsDeleted_UpdatedAt_Id_Text').on(
      t.isDeleted,
      t.updatedAt,
      t.id,
      t.title,
      t.description,
    ),
    index('IX_ProjectStates_IsDeleted_CreatedAt_Id').on(t.isDeleted, t.createdAt, t.id),
    index('IX_ProjectStates_IsDeleted_Title_Id').on(
      t.isDeleted,
      sql`${t.title} COLLATE NOCASE`,
      t.id,
    ),
    index('IX_ProjectStates_CurrentStage_UpdatedAt').on(t.currentStage, t.updatedAt),
    index('IX_ProjectStates_IsDeleted_DeletedAt_Id').on(t.isDeleted, t.deletedAt, t.id),
    index('IX_ProjectStates_Status_IsDeleted_UpdatedAt_Id').on(
      t.status,
      t.isDeleted,
      t.updatedAt,
      t.id,
    ),
    // A user's own projects, in Id order: the personal-data export and forgetting a user.
    index('IX_ProjectStates_CreatedBy_Id').on(t.createdBy, t.id),
    oneOf('ProjectStates', 'Status', PROJECT_STATUSES),
    oneOf('ProjectStates', 'CurrentStage', PROJECT_STAGES),
    check('CK_ProjectStates_CurrentWizardStep', sql`"CurrentWizardStep" >= 0`),
    check('CK_ProjectStates_ProgressPercent', sql`"ProgressPercent" BETWEEN 0 AND 100`),
    jsonOrNull('ProjectStates', 'BriefJson'),
    jsonOrNull('ProjectStates', 'PlanSpecJson'),
    jsonOrNull('ProjectStates', 'VoiceSpecJson'),
    jsonOrNull('ProjectStates', 'RenderSpecJson'),
  ],
);

/** Scenes of a project, ordered by SceneIndex (seed table 2). */
export const sceneStates = sqliteTable(
  'SceneStates',
  {
    id: uuidPk(),
    projectId: text('ProjectId')
      .notNull()
      .references(() => projectStates.id, { onDelete: 'cascade' }),
    sceneIndex: integer('SceneIndex').notNull(),
    scriptText: text('ScriptText').notNull(),
    audioFilePath: text('AudioFilePath'),
    imageFilePath: text('ImageFilePath'),
    durationSeconds: real('DurationSeconds').notNull().default(0),
    isCompleted: bool('IsCompleted').notNull().default(false),
    ...auditColumns(),
    ...rowVersionColumn(),
  },
  (t) => [
    index('IX_SceneStates_ProjectId').on(t.projectId),
    index('IX_SceneStates_ProjectId_SceneIndex').on(t.projectId, t.sceneIndex),
    index('IX_SceneStates_AudioFilePath').on(t.audioFilePath),
    index('IX_SceneStates_ImageFilePath').on(t.imageFilePath),
    check('CK_SceneStates_SceneIndex', sql`"SceneIndex" >= 0`),
    check('CK_SceneStates_DurationSeconds', sql`"DurationSeconds" >= 0`),
  ],
);

/** Files (audio, images, videos, subtitles) of a project (seed table 3). */
export const assetStates = sqliteTable(
  'AssetStates',
  {
    id: uuidPk(),
    projectId: text('ProjectId')
      .notNull()
      .references(() => projectStates.id, { onDelete: 'cascade' }),
    assetType: text('AssetType', { enum: ASSET_TYPES }).notNull(),
    filePath: text('FilePath').notNull(),
    fileSizeBytes: integer('FileSizeBytes').notNull().default(0),
    mimeType: text('MimeType'),
    isTemporary: bool('IsTemporary').notNull().default(false),
    ...auditColumns(),
    ...rowVersionColumn(),
  },
  (t) => [
    index('IX_AssetStates_ProjectId').on(t.projectId),
    index('IX_AssetStates_ProjectId_AssetType').on(t.projectId, t.assetType),
    index('IX_AssetStates_IsTemporary').on(t.isTemporary),
    index('IX_AssetStates_ProjectId_AssetType_Id').on(t.projectId, t.assetType, t.id),
    index('IX_AssetStates_FilePath').on(t.filePath),
    oneOf('AssetStates', 'AssetType', ASSET_TYPES),
    check('CK_AssetStates_FileSizeBytes', sql`"FileSizeBytes" >= 0`),
  ],
);

/** Recovery points written while a project renders (seed table 4). */
export const renderCheckpoints = sqliteTable(
  'RenderCheckpoints',
  {
    id: uuidPk(),
    projectId: text('ProjectId')
      .notNull()
      .references(() => projectStates.id, { onDelete: 'cascade' }),
    stageName: text('StageName').notNull(),
    checkpointTime: text('CheckpointTime').notNull().default(SQL_NOW),
    completedScenes: integer('CompletedScenes').notNull().default(0),
    totalScenes: integer('TotalScenes').notNull().default(0),
    checkpointData: text('CheckpointData'),
    outputFilePath: text('OutputFilePath'),
    isValid: bool('IsValid').notNull().default(true),
    ...auditColumns(),
    ...rowVersionColumn(),
  },
  (t) => [
    index('IX_RenderCheckpoints_ProjectId').on(t.projectId),
    index('IX_RenderCheckpoints_ProjectId_StageName').on(t.projectId, t.stageName),
    index('IX_RenderCheckpoints_CheckpointTime').on(t.checkpointTime),
    index('IX_RenderCheckpoints_ProjectId_CheckpointTime_Id').on(
      t.projectId,
      t.checkpointTime,
      t.id,
    ),
    // Cleanup: invalid checkpoints, and "is this file still referenced" before deleting one.
    index('IX_RenderCheckpoints_IsValid').on(t.isValid),
    index('IX_RenderCheckpoints_OutputFilePath').on(t.outputFilePath),
    jsonOrNull('RenderCheckpoints', 'CheckpointData'),
    check(
      'CK_RenderCheckpoints_Scenes',
      sql`"CompletedScenes" >= 0 AND "TotalScenes" >= 0 AND "CompletedScenes" <= "TotalScenes"`,
    ),
  ],
);
