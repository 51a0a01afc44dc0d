import { projectStateInsertSchema, projectStateSchema } from '@aura/db';
import { z } from 'zod';
import { versionedKey } from '../keys';
import { pageCursor, pageLimit } from '../paging';
import {
  DESCRIPTION_MAX,
  ID_MAX,
  JSON_DOCUMENT_MAX_BYTES,
  NAME_MAX,
  SEARCH_MAX,
  boundedJson,
  isoDateTimeField,
  uuidField,
} from '../limits';

/** Sort orders of the project list; each has a stable tie-breaker on Id. */
export const PROJECT_SORTS = ['updated', 'created', 'title'] as const;
export type ProjectSort = (typeof PROJECT_SORTS)[number];

/** Owner filters of the project list: "mine" is CreatedBy = the caller. */
export const PROJECT_OWNERS = ['mine'] as const;

export const PROJECT_LIST_DEFAULT_LIMIT = 20;
export const PROJECT_LIST_MAX_LIMIT = 100;

/**
 * Input of projects.list. Status and stage come from the table's own schema (drizzle-zod), so the
 * allowed values are the CHECK constraint's. A forged cursor, or one of another list or sort
 * order, is BAD_REQUEST on the `cursor` field.
 */
export const projectListInput = z
  .object({
    limit: z.number().int().min(1).max(PROJECT_LIST_MAX_LIMIT).default(PROJECT_LIST_DEFAULT_LIMIT),
    cursor: pageCursor,
    status: projectStateSchema.shape.status.optional(),
    stage: projectStateSchema.shape.currentStage.optional(),
    /** Matched as a substring of Title or Description, case-insensitively; % and _ are literal. */
    search: z.string().max(SEARCH_MAX).trim().optional(),
    sort: z.enum(PROJECT_SORTS).default('updated'),
    /** Inclusive bounds of CreatedAt and UpdatedAt (ISO-8601; stored in UTC). */
    createdFrom: isoDateTimeField().optional(),
    createdTo: isoDateTimeField().optional(),
    updatedFrom: isoDateTimeField().optional(),
    updatedTo: isoDateTimeField().optional(),
    /** "mine": only the projects the caller created. */
    owner: z.enum(PROJECT_OWNERS).optional(),
  })
  .superRefine((input, ctx) => {
    for (const [from, to] of [
      ['createdFrom', 'createdTo'],
      ['updatedFrom', 'updatedTo'],
    ] as const) {
      const start = input[from];
      const end = input[to];
      if (start && end && start > end)
        ctx.addIssue({ code: 'custom', path: [to], message: `Must not be before ${from}` });
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

/** A project id: a UUID (a malformed one is BAD_REQUEST, never a look-up). */
export const projectIdField = uuidField('Project id');

/** A spec section: a JSON object of at most 1 MiB, stored as JSON text in its `…Json` column. */
export const specObject = boundedJson(JSON_DOCUMENT_MAX_BYTES, z.record(z.string(), z.json()));

/**
 * The render job a project belongs to (ProjectStates.JobId, indexed): the worker's or an external
 * renderer's id, so identifier characters only.
 */
export const jobIdField = projectStateSchema.shape.jobId
  .unwrap()
  .trim()
  .min(1, 'Job id is required')
  .max(ID_MAX)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:-]*$/,
    'Use letters, digits and . _ : - (starting with one of the first two)',
  );

const titleField = projectStateInsertSchema.shape.title.max(NAME_MAX);
const descriptionField = projectStateSchema.shape.description
  .unwrap()
  .max(DESCRIPTION_MAX)
  .nullish();

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
export const projectVersionedInput = versionedKey('Project');

export const projectCreateInput = z.object({
  title: titleField,
  description: descriptionField,
  jobId: jobIdField.nullish(),
  ...specFields,
});

/** Only the fields present change; a spec or the job id set to null is cleared. */
export const projectUpdateInput = projectVersionedInput.extend({
  title: titleField.optional(),
  description: descriptionField,
  jobId: jobIdField.nullish(),
  ...specFields,
});

/** projects.byJobId: the live projects of one render job. */
export const projectJobInput = z.object({ jobId: jobIdField });

export const projectWizardStepInput = projectVersionedInput.extend({
  step: projectStateInsertSchema.shape.currentWizardStep,
});

export const projectStageInput = projectVersionedInput.extend({
  stage: projectStateSchema.shape.currentStage,
  progressPercent: projectStateInsertSchema.shape.progressPercent,
});

export const projectFailInput = projectVersionedInput.extend({
  errorMessage: z.string().max(DESCRIPTION_MAX).trim().min(1, 'Say what went wrong'),
});

export const projectTrashInput = z.object({ limit: pageLimit, cursor: pageCursor }).prefault({});

/** projects.activity: one project's action log, newest first. */
export const projectActivityInput = z.object({
  projectId: projectIdField,
  limit: pageLimit,
  cursor: pageCursor,
});

export type ProjectJobInput = z.output<typeof projectJobInput>;
export type ProjectCreateInput = z.output<typeof projectCreateInput>;
export type ProjectUpdateInput = z.output<typeof projectUpdateInput>;
export type ProjectVersionedInput = z.output<typeof projectVersionedInput>;
export type ProjectWizardStepInput = z.output<typeof projectWizardStepInput>;
export type ProjectStageInput = z.output<typeof projectStageInput>;
export type ProjectFailInput = z.output<typeof projectFailInput>;
export type ProjectTrashQuery = z.output<typeof projectTrashInput>;
export type ProjectActivityQuery = z.output<typeof projectActivityInput>;
