import { ACTION_STATUSES, actionLogs, exportHistory } from '@aura/db';
import {
  boolOf,
  compactJson,
  efDate,
  mapExportStatus,
  normalizeId,
  numberOf,
  textOf,
} from './convert';
import { columns, exists, legacyAudit, type Context } from './context';
import { readLegacyRows } from './detect';

/* Export history and the undo log, kept as history. */

const EXPORT_COLUMNS = columns(`
  id input_file output_file preset_name status progress created_at started_at
  completed_at error_message file_size duration_seconds platform resolution codec
`);

export function importExports(ctx: Context): void {
  const { tx, report } = ctx;
  const table = report.table('export_history', 'ExportHistory');
  const notes = report.notes('ExportHistory');
  for (const row of readLegacyRows(ctx.legacy, ctx.schema, 'export_history', EXPORT_COLUMNS)) {
    table.read += 1;
    const rawId = textOf(row.id) ?? '(no id)';
    const id = normalizeId(rawId, 'Id', notes);
    if (exists(tx, exportHistory, exportHistory.id, id)) {
      report.skip(table, rawId, 'already imported (an export with this id exists)');
      continue;
    }
    const legacyStatus = textOf(row.status) ?? 'Failed';
    const mapped = mapExportStatus(legacyStatus);
    if (mapped.status !== legacyStatus) notes.note('Status', `${legacyStatus} → ${mapped.status}`);
    let progress = Math.min(100, Math.max(0, numberOf(row.progress) ?? 0));
    if (mapped.status === 'Completed') progress = 100;
    else if (progress === 100) {
      progress = 0;
      notes.note('Progress', '100 on an export that did not finish → 0');
    }
    const legacyError = textOf(row.error_message);
    const createdAt = efDate(row.created_at, 'CreatedAt', notes);
    const startedAt = efDate(row.started_at, 'StartedAt', notes);
    const completedAt = efDate(row.completed_at, 'CompletedAt', notes);
    tx.insert(exportHistory)
      .values({
        id,
        inputFile: textOf(row.input_file) ?? '',
        outputFile: textOf(row.output_file) ?? '',
        presetName: textOf(row.preset_name) ?? '',
        status: mapped.status,
        progress,
        startedAt,
        completedAt,
        errorMessage:
          mapped.message === null
            ? legacyError
            : legacyError
              ? `${legacyError}\n${mapped.message}`
              : mapped.message,
        fileSize: numberOf(row.file_size),
        durationSeconds: numberOf(row.duration_seconds),
        platform: textOf(row.platform),
        resolution: textOf(row.resolution),
        codec: textOf(row.codec),
        attempts: startedAt === null ? 0 : 1,
        ...legacyAudit(
          notes,
          { createdAt, updatedAt: completedAt ?? startedAt },
          {},
          ctx.owner,
          ctx.now,
        ),
      })
      .run();
    table.imported += 1;
  }
}

const ACTION_COLUMNS = columns(`
  Id UserId ActionType Description Timestamp Status AffectedResourceIds PayloadJson
  InverseActionType InversePayloadJson CanBatch IsPersistent UndoneAt UndoneByUserId
  ExpiresAt ErrorMessage CorrelationId
`);

/**
 * The .NET undo log is kept as history. Its entries name the .NET user ('anonymous'), never one
 * of our users, so no one's undo or redo ever picks them up.
 */
export function importActionLogs(ctx: Context): void {
  const { tx, report } = ctx;
  const table = report.table('ActionLogs', 'ActionLogs');
  const notes = report.notes('ActionLogs');
  for (const row of readLegacyRows(ctx.legacy, ctx.schema, 'ActionLogs', ACTION_COLUMNS)) {
    table.read += 1;
    const rawId = textOf(row.Id) ?? '(no id)';
    const id = normalizeId(rawId, 'Id', notes);
    if (exists(tx, actionLogs, actionLogs.id, id)) {
      report.skip(table, rawId, 'already imported (an undo-log entry with this id exists)');
      continue;
    }
    const legacyStatus = textOf(row.Status) ?? 'Applied';
    const status = ACTION_STATUSES.find((s) => s === legacyStatus) ?? 'Failed';
    if (status !== legacyStatus) notes.note('Status', `${legacyStatus} → Failed`);
    const json = (column: string, text: string | null) => {
      if (text === null) return null;
      const compact = compactJson(text);
      if (compact === null) notes.note(column, 'not JSON → null');
      return compact;
    };
    const timestamp = efDate(row.Timestamp, 'Timestamp', notes) ?? ctx.now;
    const undoneAt = efDate(row.UndoneAt, 'UndoneAt', notes);
    tx.insert(actionLogs)
      .values({
        id,
        userId: textOf(row.UserId) ?? 'anonymous',
        actionType: textOf(row.ActionType) ?? 'Unknown',
        description: textOf(row.Description) ?? '',
        timestamp,
        status,
        affectedResourceIds: textOf(row.AffectedResourceIds),
        payloadJson: json('PayloadJson', textOf(row.PayloadJson)),
        inverseActionType: textOf(row.InverseActionType),
        inversePayloadJson: json('InversePayloadJson', textOf(row.InversePayloadJson)),
        canBatch: boolOf(row.CanBatch),
        isPersistent: boolOf(row.IsPersistent),
        undoneAt,
        undoneByUserId: textOf(row.UndoneByUserId),
        expiresAt: efDate(row.ExpiresAt, 'ExpiresAt', notes),
        errorMessage: textOf(row.ErrorMessage),
        correlationId: textOf(row.CorrelationId),
        ...legacyAudit(
          notes,
          { createdAt: timestamp, updatedAt: undoneAt },
          {},
          ctx.owner,
          ctx.now,
        ),
      })
      .run();
    table.imported += 1;
  }
}
