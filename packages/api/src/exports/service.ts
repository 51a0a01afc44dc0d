import { lstatSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  EXPORT_STATUSES,
  exportHistory,
  exportHistorySchema,
  findAnyById,
  getById,
  insertAudited,
  InvalidInputError,
  NotFoundError,
  nowIso,
  PreconditionError,
  resolveFromRoot,
  systemConfiguration,
  versionedUpdate,
  StateError,
  writeTransaction,
  type Actor,
  type AuraDb,
  type ExportHistoryRow,
  type ExportStatus,
  preparedPerShape,
  prepareSelect,
} from '@aura/db';
import { z } from 'zod';
import { and, eq, gte, inArray, lte, sql, type SQL } from 'drizzle-orm';
import {
  checkMediaPath,
  isInside,
  mediaGuard,
  rootProblem,
  serviceLocations,
} from '../media/paths';
import { getExportPreset, type ExportPreset } from './presets';
import { keyset, type Page } from '../paging';
import type { ExportEnqueueInput, ExportListQuery } from './schema';

/* ----- the status machine ----- */

/** Allowed moves: Queued → InProgress → Completed | Failed | Cancelled, and nowhere else. */
export const EXPORT_TRANSITIONS: Readonly<Record<ExportStatus, readonly ExportStatus[]>> = {
  Queued: ['InProgress', 'Cancelled'],
  InProgress: ['Completed', 'Failed', 'Cancelled'],
  Completed: [],
  Failed: [],
  Cancelled: [],
};

/** Exports that still own their output path. */
export const ACTIVE_EXPORT_STATUSES = ['Queued', 'InProgress'] as const satisfies ExportStatus[];

/** Whether `from → to` is an allowed export transition. */
export function canTransitionExport(from: ExportStatus, to: ExportStatus): boolean {
  return EXPORT_TRANSITIONS[from].includes(to);
}

/** What the worker reports along with a transition (validated: a bad value changes nothing). */
export const exportTransitionFields = z
  .object({
    progress: exportHistorySchema.shape.progress.min(0).max(100),
    errorMessage: exportHistorySchema.shape.errorMessage.unwrap().max(4000).nullable(),
    fileSize: exportHistorySchema.shape.fileSize.unwrap().int().min(0).nullable(),
    durationSeconds: exportHistorySchema.shape.durationSeconds.unwrap().min(0).nullable(),
  })
  .partial();
export type ExportTransitionFields = z.input<typeof exportTransitionFields>;

/** A path or value the caller sent is not acceptable (the message names it). */
function badRequest(message: string): never {
  throw new InvalidInputError(null, message);
}

/** The export's state, or the files on disk, do not allow this now. */
function conflict(message: string): never {
  throw new StateError(message);
}

function parseFields(fields: ExportTransitionFields): ExportTransitionFields {
  const parsed = exportTransitionFields.safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidInputError(issue?.path.join('.') || 'fields', issue?.message ?? 'invalid');
  }
  return parsed.data;
}

/**
 * Moves an export along the status machine (the worker's entry point). Sets StartedAt on
 * InProgress, CompletedAt on Completed/Failed/Cancelled, Progress 100 on Completed, and an
 * ErrorMessage on Failed. Any other move is CONFLICT and changes nothing; the transition is
 * checked and written in one IMMEDIATE transaction, so two processes cannot both make it.
 */
export function transitionExport(
  db: AuraDb,
  id: string,
  to: ExportStatus,
  fields: ExportTransitionFields = {},
  actor: Actor = 'worker',
): ExportHistoryRow {
  if (!(EXPORT_STATUSES as readonly string[]).includes(to))
    badRequest(`Unknown export status ${to}`);
  const extra = parseFields(fields);
  return writeTransaction(db, (tx) => {
    const row = findAnyById(tx, exportHistory, id);
    if (!row) throw new NotFoundError('ExportHistory', id);
    if (!canTransitionExport(row.status, to)) {
      const allowed = EXPORT_TRANSITIONS[row.status];
      conflict(
        `Export ${id} is ${row.status} and cannot become ${to}; ` +
          (allowed.length
            ? `from ${row.status} it can only become ${allowed.join(' or ')}`
            : `${row.status} is final`),
      );
    }
    const now = nowIso();
    const patch: Partial<typeof exportHistory.$inferInsert> = { ...extra, status: to };
    if (to === 'InProgress') {
      patch.startedAt = now;
      patch.progress = extra.progress ?? 0;
    } else {
      patch.completedAt = now;
    }
    if (to === 'Completed') patch.progress = 100;
    if (to === 'Failed') patch.errorMessage = extra.errorMessage || 'Export failed';
    return versionedUpdate(tx, exportHistory, { id, rowVersion: row.rowVersion }, patch, actor);
  });
}

/** Progress (0..100) of a running export; CONFLICT unless it is InProgress. */
export function reportExportProgress(
  db: AuraDb,
  id: string,
  progress: number,
  actor: Actor = 'worker',
): ExportHistoryRow {
  const { progress: value } = parseFields({ progress });
  return writeTransaction(db, (tx) => {
    const row = findAnyById(tx, exportHistory, id);
    if (!row) throw new NotFoundError('ExportHistory', id);
    if (row.status !== 'InProgress') {
      conflict(`Export ${id} is ${row.status}; only a running export reports progress`);
    }
    return versionedUpdate(
      tx,
      exportHistory,
      { id, rowVersion: row.rowVersion },
      { progress: value },
      actor,
    );
  });
}

/* ----- paths ----- */

/** The configured OutputDirectory (absolute). */
export function outputDirectory(db: AuraDb): string {
  const config = db
    .select({ outputDirectory: systemConfiguration.outputDirectory })
    .from(systemConfiguration)
    .where(eq(systemConfiguration.id, 1))
    .get();
  if (!config) {
    throw new PreconditionError(
      'The system configuration is missing; start the server once to create it',
    );
  }
  return resolveFromRoot(config.outputDirectory);
}

/**
 * The output directory, created if missing, as a real path (symlinks resolved). PRECONDITION_FAILED
 * when it cannot be created or the path guard refuses it as a media root (it is or contains the
 * data directory, the database or a backup folder: see media/paths.ts).
 */
export function realOutputDirectory(db: AuraDb, env: NodeJS.ProcessEnv = process.env): string {
  const dir = outputDirectory(db);
  let real: string;
  try {
    mkdirSync(dir, { recursive: true });
    real = realpathSync(dir);
  } catch {
    throw new PreconditionError(
      'The output directory cannot be created; check OutputDirectory in the system settings',
    );
  }
  const problem = rootProblem(real, serviceLocations(db, env));
  if (problem) {
    throw new PreconditionError(
      `The output directory cannot be used: ${problem}; change OutputDirectory in the system settings`,
    );
  }
  return real;
}

/**
 * Folders an export may read from, as real paths: the path guard's media roots (AURA_MEDIA_ROOTS,
 * by default `media` in the data directory and the output directory).
 */
export function mediaRoots(db: AuraDb, env: NodeJS.ProcessEnv = process.env): string[] {
  return mediaGuard(db, { env }).roots;
}

const errnoOf = (error: unknown) => (error as NodeJS.ErrnoException | null)?.code;

/**
 * Validates an export's input: an absolute path to an existing regular file that the path guard
 * accepts (with every symlink resolved, inside a media root, none of the service's files). Returns
 * the real path (what the worker reads). `roots` narrows the media roots (filtered the same way).
 */
export function resolveInputFile(
  db: AuraDb,
  inputFile: string,
  options: { env?: NodeJS.ProcessEnv; roots?: readonly string[] } = {},
): string {
  const real = checkMediaPath(mediaGuard(db, options), 'inputFile', inputFile);
  let isFile: boolean;
  try {
    isFile = statSync(real).isFile();
  } catch (error) {
    badRequest(
      errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR'
        ? 'inputFile does not exist'
        : 'inputFile cannot be read',
    );
  }
  if (!isFile) badRequest('inputFile is not a regular file');
  return real;
}

export interface ResolvedOutput {
  /** Absolute path with every existing folder's symlinks resolved: what the worker writes. */
  path: string;
  /** The same, relative to the output directory. */
  relative: string;
}

/**
 * Validates an export's output: a relative path resolved inside `outputDirReal` (a real path). No
 * absolute path, no `..`, no backslash, the preset's extension (added when there is none), no
 * folder on the way that leads outside through a symlink, and nothing already at the target.
 */
export function resolveOutputFile(
  outputDirReal: string,
  outputFile: string,
  preset: ExportPreset,
): ResolvedOutput {
  if (path.isAbsolute(outputFile) || path.win32.isAbsolute(outputFile)) {
    badRequest('outputFile must be relative to the output directory, not an absolute path');
  }
  if (outputFile.includes('\\')) badRequest('outputFile must use / to separate folders');
  const segments = outputFile.split('/');
  if (segments.includes('..')) badRequest("outputFile must not contain '..'");
  if (outputFile.endsWith('/')) badRequest('outputFile must name a file, not a folder');
  const parts = segments.filter((segment) => segment !== '' && segment !== '.');
  let name = parts.pop();
  if (!name) badRequest('outputFile must name a file');
  const extension = path.extname(name);
  if (!extension) name += preset.extension;
  else if (extension.toLowerCase() !== preset.extension) {
    badRequest(
      `outputFile ends in ${extension}, but preset ${preset.name} writes ${preset.extension} files`,
    );
  }

  // Walk the folders that exist: each, symlinks resolved, must stay inside the output directory.
  let current = outputDirReal;
  for (const [i, part] of parts.entries()) {
    const next = path.join(current, part);
    try {
      lstatSync(next);
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') badRequest(`outputFile folder ${parts[i]} cannot be read`);
      // Missing folders are created by the worker, inside what has been checked so far.
      current = path.join(next, ...parts.slice(i + 1));
      break;
    }
    let real: string;
    try {
      real = realpathSync(next);
    } catch {
      badRequest(`outputFile folder ${parts.slice(0, i + 1).join('/')} is a broken link`);
    }
    if (real !== outputDirReal && !isInside(outputDirReal, real)) {
      badRequest(
        `outputFile folder ${parts.slice(0, i + 1).join('/')} leads outside the output directory`,
      );
    }
    if (!statSync(real).isDirectory()) {
      badRequest(`outputFile folder ${parts.slice(0, i + 1).join('/')} is not a folder`);
    }
    current = real;
  }
  const target = path.join(current, name);
  if (!isInside(outputDirReal, target))
    badRequest('outputFile must stay inside the output directory');
  const relative = path.relative(outputDirReal, target);
  let exists = true;
  try {
    lstatSync(target);
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') badRequest('outputFile cannot be checked');
    exists = false;
  }
  if (exists) conflict(`outputFile ${relative} already exists; choose another name`);
  return { path: target, relative };
}

function assertOutputFree(db: AuraDb, output: ResolvedOutput): void {
  const active = db
    .select({ id: exportHistory.id, status: exportHistory.status })
    .from(exportHistory)
    .where(
      and(
        inArray(exportHistory.status, ACTIVE_EXPORT_STATUSES),
        eq(exportHistory.outputFile, output.path),
      ),
    )
    .get();
  if (active) {
    conflict(
      `outputFile ${output.relative} is already the output of export ${active.id} (${active.status})`,
    );
  }
}

function insertQueued(
  tx: AuraDb,
  actor: Actor,
  preset: ExportPreset,
  inputFile: string,
  output: ResolvedOutput,
): ExportHistoryRow {
  return insertAudited(
    tx,
    exportHistory,
    {
      inputFile,
      outputFile: output.path,
      presetName: preset.name,
      status: 'Queued',
      progress: 0,
      platform: preset.platform,
      resolution: preset.resolution,
      codec: preset.codec,
    },
    actor,
  );
}

/* ----- procedures' services ----- */

/**
 * Queues an export. The input must be an existing regular file under the media roots; the output
 * a new file inside the output directory that no queued or running export already targets. The
 * checks and the insert run in one IMMEDIATE transaction. Stores the real paths.
 */
export function enqueueExport(
  db: AuraDb,
  actor: Actor,
  input: ExportEnqueueInput,
  env: NodeJS.ProcessEnv = process.env,
): ExportHistoryRow {
  const preset = getExportPreset(input.presetName);
  if (!preset) throw new InvalidInputError('presetName', `unknown preset ${input.presetName}`);
  return writeTransaction(db, (tx) => {
    const outDir = realOutputDirectory(tx, env);
    const inputFile = resolveInputFile(tx, input.inputFile, { env });
    const output = resolveOutputFile(outDir, input.outputFile, preset);
    assertOutputFree(tx, output);
    return insertQueued(tx, actor, preset, inputFile, output);
  });
}

/** One export (NOT_FOUND if there is none). */
export function getExport(db: AuraDb, id: string): ExportHistoryRow {
  return getById(db, exportHistory, id);
}

/** Cancels a queued or running export (the worker stops a running one when it sees this). */
export function cancelExport(db: AuraDb, actor: Actor, id: string): ExportHistoryRow {
  return transitionExport(db, id, 'Cancelled', {}, actor);
}

/**
 * Retries a failed or cancelled export as a NEW queued export with the same input, output and
 * preset (the old row keeps its final status). Input and output are checked again as on enqueue.
 */
export function retryExport(
  db: AuraDb,
  actor: Actor,
  id: string,
  env: NodeJS.ProcessEnv = process.env,
): ExportHistoryRow {
  return writeTransaction(db, (tx) => {
    const row = getById(tx, exportHistory, id);
    if (row.status !== 'Failed' && row.status !== 'Cancelled') {
      conflict(`Export ${id} is ${row.status}; only a Failed or Cancelled export can be retried`);
    }
    const preset = getExportPreset(row.presetName);
    if (!preset) conflict(`Export ${id} uses preset ${row.presetName}, which no longer exists`);
    const outDir = realOutputDirectory(tx, env);
    if (!isInside(outDir, row.outputFile)) {
      conflict(
        `Export ${id} writes outside the current output directory (it was changed); enqueue it again`,
      );
    }
    const relative = path.relative(outDir, row.outputFile).split(path.sep).join('/');
    try {
      const inputFile = resolveInputFile(tx, row.inputFile, { env });
      const output = resolveOutputFile(outDir, relative, preset);
      assertOutputFree(tx, output);
      return insertQueued(tx, actor, preset, inputFile, output);
    } catch (error) {
      // The caller sent only an id: a check failing now is the state of the files, not bad input.
      if (error instanceof InvalidInputError || error instanceof StateError) {
        conflict(`Export ${id} cannot be retried: ${error.message}`);
      }
      throw error;
    }
  });
}

/* ----- list ----- */

/** The columns of the export history list. */
export const exportListColumns = {
  id: exportHistory.id,
  inputFile: exportHistory.inputFile,
  outputFile: exportHistory.outputFile,
  presetName: exportHistory.presetName,
  status: exportHistory.status,
  progress: exportHistory.progress,
  startedAt: exportHistory.startedAt,
  completedAt: exportHistory.completedAt,
  errorMessage: exportHistory.errorMessage,
  fileSize: exportHistory.fileSize,
  durationSeconds: exportHistory.durationSeconds,
  platform: exportHistory.platform,
  resolution: exportHistory.resolution,
  codec: exportHistory.codec,
  createdAt: exportHistory.createdAt,
  updatedAt: exportHistory.updatedAt,
  createdBy: exportHistory.createdBy,
  rowVersion: exportHistory.rowVersion,
};

/** Newest first: CreatedAt desc, then Id desc. */
const exportOrder = keyset<{ createdAt: string; id: string }>('exports', [
  { column: exportHistory.createdAt, direction: 'desc', of: (row) => row.createdAt },
  { column: exportHistory.id, direction: 'desc', of: (row) => row.id },
]);

/**
 * Newest first (CreatedAt desc, Id desc), limit + 1 rows, for `query`'s shape: its values bound
 * (`prepared`: false) or as placeholders (see listExports).
 */
function exportListSelect(db: AuraDb, query: ExportListQuery, prepared: boolean) {
  const value = <T>(name: string, v: T) => (prepared ? sql.placeholder(name) : v);
  const conditions: (SQL | undefined)[] = [
    prepared && query.cursor ? exportOrder.afterPlaceholders() : exportOrder.after(query.cursor),
  ];
  if (query.status) conditions.push(eq(exportHistory.status, value('status', query.status)));
  if (query.createdFrom)
    conditions.push(gte(exportHistory.createdAt, value('createdFrom', query.createdFrom)));
  if (query.createdTo)
    conditions.push(lte(exportHistory.createdAt, value('createdTo', query.createdTo)));
  return db
    .select(exportListColumns)
    .from(exportHistory)
    .where(and(...conditions))
    .orderBy(...exportOrder.orderBy)
    .limit(value('limit', query.limit + 1));
}

/** The list query with its values bound. Exposed for the EXPLAIN QUERY PLAN tests. */
export function buildExportListQuery(db: AuraDb, query: ExportListQuery) {
  return exportListSelect(db, query, false);
}

export type ExportListItem = Awaited<
  ReturnType<ReturnType<typeof buildExportListQuery>['all']>
>[number];

export type ExportListPage = Page<ExportListItem>;

/** The list query of each shape (filters present, cursor or not) prepared once. */
const preparedExportList = preparedPerShape(
  (query: ExportListQuery) =>
    `${query.status ? 's' : ''}${query.createdFrom ? 'f' : ''}${query.createdTo ? 't' : ''}${query.cursor ? 'c' : ''}`,
  (db, query) => prepareSelect(exportListSelect(db, query, true)),
);

/** One page of the export history. Takes the parsed input. */
export function listExports(db: AuraDb, query: ExportListQuery): ExportListPage {
  const rows = preparedExportList(db, query).all({
    status: query.status,
    createdFrom: query.createdFrom,
    createdTo: query.createdTo,
    limit: query.limit + 1,
    ...(query.cursor ? exportOrder.cursorParams(query.cursor) : {}),
  });
  return exportOrder.page(rows, query.limit);
}
