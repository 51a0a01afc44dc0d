import { ASSET_TYPES, assetStates, projectStates, renderCheckpoints, sceneStates } from '@aura/db';
import { DESCRIPTION_MAX, NAME_MAX, SCENES_PER_PROJECT_MAX, SCRIPT_TEXT_MAX } from '../limits';
import type { SceneContent } from '../versions/snapshot';
import {
  boolOf,
  boundedText,
  compactJson,
  convertSpec,
  efDate,
  mapProjectStage,
  mapProjectStatus,
  normalizeId,
  numberOf,
  textOf,
} from './convert';
import {
  capText,
  clampInt,
  columns,
  exists,
  legacyAudit,
  parentProject,
  reportLegacyColumns,
  type Context,
} from './context';
import { readLegacyRows } from './detect';

/* Projects and the rows that hang off them: scenes, assets, render checkpoints. */

const PROJECT_COLUMNS = columns(`
  Id Title Description Status CreatedAt UpdatedAt CompletedAt CurrentStage
  ProgressPercent JobId BriefJson PlanSpecJson VoiceSpecJson RenderSpecJson ErrorMessage
  DeletedAt ModifiedBy DeletedByUserId IsDeleted CurrentWizardStep CreatedBy DeletedBy
  Category Tags TemplateId DurationSeconds LastAutoSaveAt OutputFilePath ThumbnailPath
`);

const PROJECT_LEGACY_ONLY = columns(`
  Category Tags TemplateId DurationSeconds LastAutoSaveAt OutputFilePath ThumbnailPath
`);

export function importProjects(ctx: Context): void {
  const { tx, report } = ctx;
  const table = report.table('ProjectStates', 'ProjectStates');
  const notes = report.notes('ProjectStates');
  const rows = readLegacyRows(ctx.legacy, ctx.schema, 'ProjectStates', PROJECT_COLUMNS);
  reportLegacyColumns(ctx, 'ProjectStates', rows, PROJECT_LEGACY_ONLY);
  for (const row of readLegacyRows(ctx.legacy, ctx.schema, 'ProjectVersions', [
    'ProjectId',
    'VersionNumber',
  ])) {
    const pid = textOf(row.ProjectId);
    if (pid === null) continue;
    const id = normalizeId(pid, 'ProjectId', { note: () => undefined });
    const n = clampInt(row.VersionNumber, 0, Number.MAX_SAFE_INTEGER);
    ctx.lastVersionByProject.set(id, Math.max(n, ctx.lastVersionByProject.get(id) ?? 0));
  }
  for (const row of rows) {
    table.read += 1;
    const templateId = textOf(row.TemplateId);
    if (templateId) {
      ctx.projectsPerTemplate.set(templateId, (ctx.projectsPerTemplate.get(templateId) ?? 0) + 1);
    }
    const rawId = textOf(row.Id);
    if (rawId === null) {
      report.skip(table, '(no id)', 'row has no Id');
      continue;
    }
    const id = normalizeId(rawId, 'Id', notes);
    if (exists(tx, projectStates, projectStates.id, id)) {
      report.skip(table, rawId, 'already imported (a project with this id exists)');
      continue;
    }
    const legacyStatus = textOf(row.Status) ?? 'Draft';
    const mapped = mapProjectStatus(legacyStatus);
    if (mapped.status !== legacyStatus) {
      const suffix = mapped.deleted
        ? ', soft-deleted'
        : mapped.message
          ? ', reason in ErrorMessage'
          : '';
      notes.note('Status', `${legacyStatus} → ${mapped.status}${suffix}`);
    }
    let title = (textOf(row.Title) ?? '').trim();
    if (title === '') {
      title = 'Untitled project';
      notes.note('Title', "empty → 'Untitled project'");
    }
    title = capText(title, NAME_MAX, 'Title', notes);
    const createdAt = efDate(row.CreatedAt, 'CreatedAt', notes);
    const updatedAt = efDate(row.UpdatedAt, 'UpdatedAt', notes);
    const isDeleted = boolOf(row.IsDeleted) || mapped.deleted;
    if (mapped.deleted && !boolOf(row.IsDeleted))
      notes.note('IsDeleted', "Status 'Deleted' → soft-deleted");
    let deletedAt = isDeleted ? efDate(row.DeletedAt, 'DeletedAt', notes) : null;
    if (isDeleted && deletedAt === null) {
      deletedAt = updatedAt ?? createdAt ?? ctx.now;
      notes.note('DeletedAt', 'missing on a deleted row → its UpdatedAt');
    }
    const deletedBy = isDeleted ? textOf(row.DeletedBy) : null;
    if (isDeleted && deletedBy === null) notes.note('DeletedBy', 'null → importing owner');
    const legacyStage = textOf(row.CurrentStage);
    const stage = mapProjectStage(legacyStage, mapped.status);
    if (legacyStage !== stage) notes.note('CurrentStage', `${legacyStage ?? 'NULL'} → ${stage}`);
    let progress = clampInt(row.ProgressPercent, 0, 100);
    if (mapped.status === 'Completed' && progress !== 100) {
      progress = 100;
      notes.note('ProgressPercent', 'Completed project → 100 (the .NET app never updated it)');
    }
    const legacyError = textOf(row.ErrorMessage);
    const errorMessage =
      mapped.message === null
        ? legacyError
        : legacyError
          ? `${legacyError}\n${mapped.message}`
          : mapped.message;
    const jobId = textOf(row.JobId);
    tx.insert(projectStates)
      .values({
        id,
        title,
        description: boundedText(textOf(row.Description), DESCRIPTION_MAX, 'Description', notes),
        currentWizardStep: clampInt(row.CurrentWizardStep, 0, 1_000),
        status: mapped.status,
        completedAt: efDate(row.CompletedAt, 'CompletedAt', notes),
        currentStage: stage,
        progressPercent: progress,
        jobId: jobId ? normalizeId(jobId, 'JobId', notes) : null,
        briefJson: convertSpec(textOf(row.BriefJson), 'BriefJson', notes),
        planSpecJson: convertSpec(textOf(row.PlanSpecJson), 'PlanSpecJson', notes),
        voiceSpecJson: convertSpec(textOf(row.VoiceSpecJson), 'VoiceSpecJson', notes),
        renderSpecJson: convertSpec(textOf(row.RenderSpecJson), 'RenderSpecJson', notes),
        errorMessage,
        lastVersionNumber: ctx.lastVersionByProject.get(id) ?? 0,
        isDeleted,
        deletedAt,
        deletedBy: isDeleted ? (deletedBy ?? ctx.owner) : null,
        ...legacyAudit(
          notes,
          { createdAt, updatedAt },
          // ModifiedBy is the .NET DeletedByUserId renamed by a migration.
          { createdBy: row.CreatedBy, modifiedBy: row.ModifiedBy ?? row.DeletedByUserId },
          ctx.owner,
          ctx.now,
        ),
      })
      .run();
    table.imported += 1;
  }
}

const SCENE_COLUMNS = columns(`
  Id ProjectId SceneIndex ScriptText AudioFilePath ImageFilePath DurationSeconds
  IsCompleted CreatedAt
`);

export function importScenes(ctx: Context): void {
  const { tx, report } = ctx;
  const table = report.table('SceneStates', 'SceneStates');
  const notes = report.notes('SceneStates');
  const rows = readLegacyRows(ctx.legacy, ctx.schema, 'SceneStates', SCENE_COLUMNS);
  const perProject = new Map<string, number>();
  for (const row of rows) {
    table.read += 1;
    const rawId = textOf(row.Id) ?? '(no id)';
    const id = normalizeId(rawId, 'Id', notes);
    const projectText = textOf(row.ProjectId);
    const createdAt = efDate(row.CreatedAt, 'CreatedAt', notes) ?? ctx.now;
    const scene: SceneContent = {
      id,
      scriptText: boundedText(textOf(row.ScriptText), SCRIPT_TEXT_MAX, 'ScriptText', notes) ?? '',
      durationSeconds: Math.max(0, numberOf(row.DurationSeconds) ?? 0),
      audioFilePath: textOf(row.AudioFilePath),
      imageFilePath: textOf(row.ImageFilePath),
      isCompleted: boolOf(row.IsCompleted),
    };
    const sceneIndex = clampInt(row.SceneIndex, 0, Number.MAX_SAFE_INTEGER);
    if (projectText !== null) {
      const pid = normalizeId(projectText, 'ProjectId', { note: () => undefined });
      const list = ctx.scenesByProject.get(pid) ?? [];
      list.push({ createdAt, sceneIndex, content: scene });
      ctx.scenesByProject.set(pid, list);
    }
    if (exists(tx, sceneStates, sceneStates.id, id)) {
      report.skip(table, rawId, 'already imported (a scene with this id exists)');
      continue;
    }
    const parent = parentProject(ctx, row.ProjectId, notes);
    if ('reason' in parent) {
      report.skip(table, rawId, parent.reason);
      continue;
    }
    const count = (perProject.get(parent.id) ?? 0) + 1;
    if (count > SCENES_PER_PROJECT_MAX) {
      report.skip(
        table,
        rawId,
        `its project already has ${SCENES_PER_PROJECT_MAX} scenes (the maximum)`,
      );
      continue;
    }
    perProject.set(parent.id, count);
    tx.insert(sceneStates)
      .values({
        id,
        projectId: parent.id,
        sceneIndex,
        scriptText: scene.scriptText,
        audioFilePath: scene.audioFilePath,
        imageFilePath: scene.imageFilePath,
        durationSeconds: scene.durationSeconds,
        isCompleted: scene.isCompleted,
        ...legacyAudit(notes, { createdAt, updatedAt: null }, {}, ctx.owner, ctx.now),
      })
      .run();
    table.imported += 1;
  }
}

const ASSET_COLUMNS = columns(`
  Id ProjectId AssetType FilePath FileSizeBytes MimeType IsTemporary CreatedAt
`);

export function importAssets(ctx: Context): void {
  const { tx, report } = ctx;
  const table = report.table('AssetStates', 'AssetStates');
  const notes = report.notes('AssetStates');
  for (const row of readLegacyRows(ctx.legacy, ctx.schema, 'AssetStates', ASSET_COLUMNS)) {
    table.read += 1;
    const rawId = textOf(row.Id) ?? '(no id)';
    const id = normalizeId(rawId, 'Id', notes);
    if (exists(tx, assetStates, assetStates.id, id)) {
      report.skip(table, rawId, 'already imported (an asset with this id exists)');
      continue;
    }
    const parent = parentProject(ctx, row.ProjectId, notes);
    if ('reason' in parent) {
      report.skip(table, rawId, parent.reason);
      continue;
    }
    const assetType = ASSET_TYPES.find((t) => t === textOf(row.AssetType));
    if (!assetType) {
      report.skip(
        table,
        rawId,
        `AssetType ${textOf(row.AssetType) ?? 'NULL'} is not one of ${ASSET_TYPES.join(', ')}`,
      );
      continue;
    }
    const createdAt = efDate(row.CreatedAt, 'CreatedAt', notes);
    tx.insert(assetStates)
      .values({
        id,
        projectId: parent.id,
        assetType,
        filePath: textOf(row.FilePath) ?? '',
        fileSizeBytes: clampInt(row.FileSizeBytes, 0, Number.MAX_SAFE_INTEGER),
        mimeType: textOf(row.MimeType),
        isTemporary: boolOf(row.IsTemporary),
        ...legacyAudit(notes, { createdAt, updatedAt: null }, {}, ctx.owner, ctx.now),
      })
      .run();
    table.imported += 1;
  }
}

const CHECKPOINT_COLUMNS = columns(`
  Id ProjectId StageName CheckpointTime CompletedScenes TotalScenes CheckpointData
  OutputFilePath IsValid
`);

export function importCheckpoints(ctx: Context): void {
  const { tx, report } = ctx;
  const table = report.table('RenderCheckpoints', 'RenderCheckpoints');
  const notes = report.notes('RenderCheckpoints');
  for (const row of readLegacyRows(
    ctx.legacy,
    ctx.schema,
    'RenderCheckpoints',
    CHECKPOINT_COLUMNS,
  )) {
    table.read += 1;
    const rawId = textOf(row.Id) ?? '(no id)';
    const id = normalizeId(rawId, 'Id', notes);
    if (exists(tx, renderCheckpoints, renderCheckpoints.id, id)) {
      report.skip(table, rawId, 'already imported (a checkpoint with this id exists)');
      continue;
    }
    const parent = parentProject(ctx, row.ProjectId, notes);
    if ('reason' in parent) {
      report.skip(table, rawId, parent.reason);
      continue;
    }
    const total = clampInt(row.TotalScenes, 0, Number.MAX_SAFE_INTEGER);
    const completed = clampInt(row.CompletedScenes, 0, total);
    const dataText = textOf(row.CheckpointData);
    const data = compactJson(dataText);
    if (dataText !== null && data === null) notes.note('CheckpointData', 'not JSON → null');
    const at = efDate(row.CheckpointTime, 'CheckpointTime', notes) ?? ctx.now;
    tx.insert(renderCheckpoints)
      .values({
        id,
        projectId: parent.id,
        stageName: textOf(row.StageName) ?? 'Unknown',
        checkpointTime: at,
        completedScenes: completed,
        totalScenes: total,
        checkpointData: data,
        outputFilePath: textOf(row.OutputFilePath),
        isValid: boolOf(row.IsValid),
        ...legacyAudit(notes, { createdAt: at, updatedAt: null }, {}, ctx.owner, ctx.now),
      })
      .run();
    table.imported += 1;
  }
}
