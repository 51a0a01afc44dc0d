import { projectVersionSchema } from '@aura/db';
import { z } from 'zod';
import { DESCRIPTION_MAX, LABEL_MAX, NAME_MAX, uuidField } from '../limits';
import { rowVersionField, versionedKey } from '../keys';
import { pageCursor, pageLimit } from '../paging';

const versionId = uuidField('Version id');
const projectId = uuidField('Project id');
const versionType = projectVersionSchema.shape.versionType;
const name = projectVersionSchema.shape.name.unwrap().trim().max(NAME_MAX).nullish();
const description = projectVersionSchema.shape.description
  .unwrap()
  .max(DESCRIPTION_MAX)
  .trim()
  .nullish();

/** `{ id, rowVersion }` of a version: describe, setImportant, softDelete, undelete. */
export const versionKeyInput = versionedKey('Version');

export const versionCreateInput = z.object({
  projectId,
  versionType: versionType.default('Manual'),
  name,
  description,
  trigger: projectVersionSchema.shape.trigger.unwrap().trim().max(LABEL_MAX).nullish(),
});

/** A project's live versions, newest first, optionally of one type. */
export const versionListInput = z.object({
  projectId,
  versionType: versionType.optional(),
  cursor: pageCursor,
  limit: pageLimit,
});

export const versionIdInput = z.object({ id: versionId });

export const versionDescribeInput = versionKeyInput.extend({ name, description });

export const versionSetImportantInput = versionKeyInput.extend({
  important: projectVersionSchema.shape.isMarkedImportant,
});

export const versionTrashInput = z.object({ projectId });

/** Every project's trashed versions, one page at a time. */
export const versionTrashListInput = z
  .object({ cursor: pageCursor, limit: pageLimit })
  .prefault({});

export const versionRestoreInput = z.object({
  versionId,
  projectRowVersion: rowVersionField.optional(),
});

/** From a version to another, or to the project's current state. */
export const versionDiffInput = z.object({
  fromVersionId: versionId,
  toVersionId: versionId.optional(),
});

export const versionStatsInput = z.object({ projectId: projectId.optional() }).optional();

export const collectBlobsInput = z.object({
  dryRun: z.boolean().default(true),
  graceMinutes: z.number().min(0).max(10_080).default(60),
});

export const checkReferencesInput = z.object({ fix: z.boolean().default(false) }).optional();

export type VersionCreateInput = z.output<typeof versionCreateInput>;
export type VersionListQuery = z.output<typeof versionListInput>;
export type VersionDescribeInput = z.output<typeof versionDescribeInput>;
export type VersionSetImportantInput = z.output<typeof versionSetImportantInput>;
export type VersionKeyInput = z.output<typeof versionKeyInput>;
export type VersionRestoreInput = z.output<typeof versionRestoreInput>;
