import { projectStateInsertSchema, projectStateSchema, projectStateUpdateSchema } from '@aura/db';
import { z } from 'zod';
import { cursorField, pageLimit, decodedCursorField } from '../paging';

/** Sort orders of the project list; each has a stable tie-breaker on Id. */
export const PROJECT_SORTS = ['updated', 'created', 'title'] as const;
export type ProjectSort = (typeof PROJECT_SORTS)[number];

export const PROJECT_LIST_DEFAULT_LIMIT = 20;
export const PROJECT_LIST_MAX_LIMIT = 100;

/** The decoded position after the last row of a page: the sort it belongs to, its key and Id. */
export interface ProjectCursor {
  sort: ProjectSort;
  key: string;
  id: string;
}

/** Opaque to clients: base64url of the sort, the sort key of the last row and its Id. */
export function encodeProjectCursor(cursor: ProjectCursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.key, cursor.id]), 'utf8').toString(
    'base64url',
  );
}

export function decodeProjectCursor(value: string): ProjectCursor | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 3) return null;
    const [sort, key, id] = parsed as unknown[];
    if (typeof sort !== 'string' || !(PROJECT_SORTS as readonly string[]).includes(sort))
      return null;
    if (typeof key !== 'string' || typeof id !== 'string' || id.length === 0) return null;
    return { sort: sort as ProjectSort, key, id };
  } catch {
    return null;
  }
}

/**
 * Input of projects.list. Status and stage come from the table's own schema (drizzle-zod), so the
 * allowed values are the CHECK constraint's. The cursor is decoded here: a forged or foreign one
 * is BAD_REQUEST on the `cursor` field.
 */
export const projectListInput = z
  .object({
    limit: z.number().int().min(1).max(PROJECT_LIST_MAX_LIMIT).default(PROJECT_LIST_DEFAULT_LIMIT),
    cursor: decodedCursorField<ProjectCursor>(decodeProjectCursor),
    status: projectStateSchema.shape.status.optional(),
    stage: projectStateSchema.shape.currentStage.optional(),
    /** Matched as a substring of Title or Description, case-insensitively; % and _ are literal. */
    search: z.string().trim().max(200).optional(),
    sort: z.enum(PROJECT_SORTS).default('updated'),
  })
  .superRefine((value, ctx) => {
    if (value.cursor && value.cursor.sort !== value.sort) {
      ctx.addIssue({
        code: 'custom',
        path: ['cursor'],
        message: 'The cursor belongs to another sort order; start again from the first page',
      });
    }
  })
  // No input at all means the first page with the defaults.
  .prefault({});

/** What callers send (every field optional). */
export type ProjectListInput = z.input<typeof projectListInput>;
/** What the service receives: defaults applied, cursor decoded. */
export type ProjectListQuery = z.output<typeof projectListInput>;

// ---------------------------------------------------------------------------------------------
// Inputs of the project mutations and reads other than list.

/** A project id (the table's own column schema). */
export const projectIdField = projectStateSchema.shape.id.min(1, 'Project id is required');
/** The RowVersion the caller read (optimistic concurrency). */
export const rowVersionField = projectStateSchema.shape.rowVersion.min(1);

/** A spec section: a JSON object, stored as JSON text in its `…Json` column. */
export const specObject = z.record(z.string(), z.json());

/** The four JSON sections of a project, by input name → column. */
export const PROJECT_SPECS = {
  brief: 'briefJson',
  planSpec: 'planSpecJson',
  voiceSpec: 'voiceSpecJson',
  renderSpec: 'renderSpecJson',
} as const;

const specFields = {
  brief: specObject.nullish(),
  planSpec: specObject.nullish(),
  voiceSpec: specObject.nullish(),
  renderSpec: specObject.nullish(),
};

export const projectKeyInput = z.object({ id: projectIdField });
export const projectVersionedInput = z.object({ id: projectIdField, rowVersion: rowVersionField });

export const projectCreateInput = projectStateInsertSchema
  .pick({ title: true, description: true })
  .extend(specFields);

/** Only the fields present change; a spec set to null is cleared. */
export const projectUpdateInput = projectVersionedInput
  .extend(projectStateUpdateSchema.pick({ title: true, description: true }).shape)
  .extend(specFields);

export const projectWizardStepInput = projectVersionedInput.extend({
  step: projectStateInsertSchema.shape.currentWizardStep,
});

export const projectStageInput = projectVersionedInput.extend({
  stage: projectStateSchema.shape.currentStage,
  progressPercent: projectStateInsertSchema.shape.progressPercent,
});

export const projectFailInput = projectVersionedInput.extend({
  errorMessage: z.string().trim().min(1, 'Say what went wrong').max(4000),
});

export const projectTrashInput = z
  .object({ limit: pageLimit, cursor: cursorField('trash', 2) })
  .prefault({});

export type ProjectCreateInput = z.output<typeof projectCreateInput>;
export type ProjectUpdateInput = z.output<typeof projectUpdateInput>;
export type ProjectVersionedInput = z.output<typeof projectVersionedInput>;
export type ProjectWizardStepInput = z.output<typeof projectWizardStepInput>;
export type ProjectStageInput = z.output<typeof projectStageInput>;
export type ProjectFailInput = z.output<typeof projectFailInput>;
export type ProjectTrashQuery = z.output<typeof projectTrashInput>;
