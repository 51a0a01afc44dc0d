import { renderCheckpointSchema } from '@aura/db';
import { z } from 'zod';
import { versionedKey } from '../keys';
import { pageCursor, pageLimit } from '../paging';
import {
  DESCRIPTION_MAX,
  JSON_DOCUMENT_MAX_BYTES,
  LABEL_MAX,
  PATH_MAX,
  boundedJson,
  uuidField,
} from '../limits';

const projectIdField = uuidField('Project id');
const stageNameField = renderCheckpointSchema.shape.stageName
  .trim()
  .min(1, 'Stage name is required')
  .max(LABEL_MAX);
const sceneCount = renderCheckpointSchema.shape.completedScenes.min(0);

/** A recovery point: how far the render got, its state as JSON and the file it wrote so far. */
export const checkpointCreateInput = z
  .object({
    projectId: projectIdField,
    stageName: stageNameField,
    completedScenes: sceneCount.default(0),
    totalScenes: sceneCount.default(0),
    checkpointData: boundedJson(JSON_DOCUMENT_MAX_BYTES).nullish(),
    outputFilePath: renderCheckpointSchema.shape.outputFilePath.unwrap().max(PATH_MAX).nullish(),
  })
  .superRefine((value, ctx) => {
    if (value.completedScenes > value.totalScenes) {
      ctx.addIssue({
        code: 'custom',
        path: ['completedScenes'],
        message: `completedScenes (${value.completedScenes}) cannot exceed totalScenes (${value.totalScenes})`,
      });
    }
  });

/** A project's checkpoints, newest first. */
export const checkpointListInput = z.object({
  projectId: projectIdField,
  limit: pageLimit,
  cursor: pageCursor,
});

/** The newest valid checkpoint of a project, optionally of one stage. */
export const checkpointLatestInput = z.object({
  projectId: projectIdField,
  stageName: stageNameField.optional(),
});

export const checkpointVersionedInput = versionedKey('Checkpoint');

export const RECOVERY_DEFAULT_STALE_MINUTES = 30;

/** Interrupted projects: InProgress and not updated for `staleMinutes`, most recent first. */
export const recoveryListInput = z
  .object({
    /** Default: the setting Retention.RecoveryStaleMinutes. */
    staleMinutes: z.number().int().min(0).max(525_600).optional(),
    limit: pageLimit,
    cursor: pageCursor,
  })
  .prefault({});

/** recovery.markFailed: the project's key as read, and optionally why. */
export const recoveryMarkFailedInput = versionedKey('Project').extend({
  reason: z.string().trim().min(1).max(DESCRIPTION_MAX).optional(),
});

export type RecoveryMarkFailedInput = z.output<typeof recoveryMarkFailedInput>;
export type CheckpointCreateInput = z.output<typeof checkpointCreateInput>;
export type CheckpointListQuery = z.output<typeof checkpointListInput>;
export type CheckpointLatestQuery = z.output<typeof checkpointLatestInput>;
export type CheckpointVersionedInput = z.output<typeof checkpointVersionedInput>;
export type RecoveryListQuery = z.output<typeof recoveryListInput>;
