import { sql } from 'drizzle-orm';
import { check, index, integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import {
  SQL_NOW,
  auditColumns,
  bool,
  jsonOrNull,
  oneOf,
  rowVersionColumn,
  uuidPk,
} from './columns';
import { ACTION_STATUSES, EXPORT_STATUSES } from './enums';

/** Export jobs and their outcome (seed table 12). */
export const exportHistory = sqliteTable(
  'ExportHistory',
  {
    id: uuidPk(),
    inputFile: text('InputFile').notNull(),
    outputFile: text('OutputFile').notNull(),
    presetName: text('PresetName').notNull(),
    status: text('Status', { enum: EXPORT_STATUSES }).notNull().default('Queued'),
    progress: real('Progress').notNull().default(0),
    startedAt: text('StartedAt'),
    completedAt: text('CompletedAt'),
    errorMessage: text('ErrorMessage'),
    fileSize: integer('FileSize'),
    durationSeconds: real('DurationSeconds'),
    platform: text('Platform'),
    resolution: text('Resolution'),
    codec: text('Codec'),
    /** The worker holding the job, and until when (renewed by its heartbeat; expired = free). */
    leaseOwner: text('LeaseOwner'),
    leaseExpiresAt: text('LeaseExpiresAt'),
    /** Runs started so far; after the limit the job is Failed with the reason. */
    attempts: integer('Attempts').notNull().default(0),
    ...auditColumns(),
    ...rowVersionColumn(),
  },
  (t) => [
    index('IX_ExportHistory_Status').on(t.status),
    index('IX_ExportHistory_CreatedAt').on(t.createdAt),
    index('IX_ExportHistory_Status_CreatedAt').on(t.status, t.createdAt),
    index('IX_ExportHistory_CreatedAt_Id').on(t.createdAt, t.id),
    index('IX_ExportHistory_Status_LeaseExpiresAt').on(t.status, t.leaseExpiresAt),
    index('IX_ExportHistory_InputFile').on(t.inputFile),
    index('IX_ExportHistory_OutputFile').on(t.outputFile),
    index('IX_ExportHistory_Status_CreatedAt_Id').on(t.status, t.createdAt, t.id),
    // The exports a user queued (personal-data export).
    index('IX_ExportHistory_CreatedBy_Id').on(t.createdBy, t.id),
    oneOf('ExportHistory', 'Status', EXPORT_STATUSES),
    check('CK_ExportHistory_Progress', sql`"Progress" BETWEEN 0 AND 100`),
  ],
);

/** Server-side undo/redo log (seed table 13). */
export const actionLogs = sqliteTable(
  'ActionLogs',
  {
    id: uuidPk(),
    userId: text('UserId').notNull(),
    actionType: text('ActionType').notNull(),
    description: text('Description').notNull(),
    timestamp: text('Timestamp').notNull().default(SQL_NOW),
    status: text('Status', { enum: ACTION_STATUSES }).notNull().default('Applied'),
    /** Comma-separated resource ids. */
    affectedResourceIds: text('AffectedResourceIds'),
    payloadJson: text('PayloadJson'),
    inverseActionType: text('InverseActionType'),
    inversePayloadJson: text('InversePayloadJson'),
    canBatch: bool('CanBatch').notNull().default(false),
    isPersistent: bool('IsPersistent').notNull().default(true),
    undoneAt: text('UndoneAt'),
    undoneByUserId: text('UndoneByUserId'),
    expiresAt: text('ExpiresAt'),
    errorMessage: text('ErrorMessage'),
    correlationId: text('CorrelationId'),
    /** The project the action changed (its row or its children's), for the project's activity. */
    projectId: text('ProjectId'),
    ...auditColumns(),
    ...rowVersionColumn(),
  },
  (t) => [
    index('IX_ActionLogs_UserId').on(t.userId),
    index('IX_ActionLogs_ActionType').on(t.actionType),
    index('IX_ActionLogs_Status').on(t.status),
    index('IX_ActionLogs_Timestamp').on(t.timestamp),
    index('IX_ActionLogs_UserId_Timestamp').on(t.userId, t.timestamp),
    index('IX_ActionLogs_Status_Timestamp').on(t.status, t.timestamp),
    index('IX_ActionLogs_CorrelationId').on(t.correlationId),
    index('IX_ActionLogs_ExpiresAt').on(t.expiresAt),
    // The undo stack, the redo stack and the history page of one user.
    index('IX_ActionLogs_UserId_Status_Timestamp_Id').on(t.userId, t.status, t.timestamp, t.id),
    index('IX_ActionLogs_UserId_Status_UndoneAt').on(t.userId, t.status, t.undoneAt),
    index('IX_ActionLogs_UserId_Timestamp_Id').on(t.userId, t.timestamp, t.id),
    // A project's activity, newest first.
    index('IX_ActionLogs_ProjectId_Timestamp_Id').on(t.projectId, t.timestamp, t.id),
    oneOf('ActionLogs', 'Status', ACTION_STATUSES),
    jsonOrNull('ActionLogs', 'PayloadJson'),
    jsonOrNull('ActionLogs', 'InversePayloadJson'),
  ],
);

/** Each backup the worker (or the CLI) took: the dashboard shows these. */
export const backupRuns = sqliteTable(
  'BackupRuns',
  {
    id: uuidPk(),
    trigger: text('Trigger', { enum: ['Scheduled', 'Manual'] }).notNull(),
    status: text('Status', { enum: ['Succeeded', 'Failed'] }).notNull(),
    startedAt: text('StartedAt').notNull(),
    completedAt: text('CompletedAt').notNull(),
    file: text('File'),
    sizeBytes: integer('SizeBytes'),
    /** Older backups removed by rotation in this run. */
    prunedCount: integer('PrunedCount').notNull().default(0),
    errorMessage: text('ErrorMessage'),
    ...auditColumns(),
    ...rowVersionColumn(),
  },
  (t) => [
    index('IX_BackupRuns_StartedAt').on(t.startedAt),
    index('IX_BackupRuns_StartedAt_Id').on(t.startedAt, t.id),
    oneOf('BackupRuns', 'Trigger', ['Scheduled', 'Manual']),
    oneOf('BackupRuns', 'Status', ['Succeeded', 'Failed']),
  ],
);
