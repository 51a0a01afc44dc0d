import { sceneStateInsertSchema, sceneStateSchema } from '@aura/db';
import { z } from 'zod';

export const sceneIdField = sceneStateSchema.shape.id.min(1, 'Scene id is required');
const projectIdField = sceneStateSchema.shape.projectId.min(1, 'Project id is required');
const rowVersionField = sceneStateSchema.shape.rowVersion.min(1);

/** The editable content of a scene (the table's own column schemas). */
const contentFields = {
  scriptText: sceneStateInsertSchema.shape.scriptText.max(100_000),
  durationSeconds: sceneStateInsertSchema.shape.durationSeconds,
  audioFilePath: sceneStateInsertSchema.shape.audioFilePath,
  imageFilePath: sceneStateInsertSchema.shape.imageFilePath,
};

/** A new scene, appended unless `index` says where to insert it (the following scenes shift). */
export const sceneAddInput = z.object({
  projectId: projectIdField,
  scriptText: contentFields.scriptText,
  durationSeconds: contentFields.durationSeconds.optional(),
  audioFilePath: contentFields.audioFilePath,
  imageFilePath: contentFields.imageFilePath,
  index: sceneStateInsertSchema.shape.sceneIndex.optional(),
});

export const sceneVersionedInput = z.object({ id: sceneIdField, rowVersion: rowVersionField });

/** Only the fields present change; a path set to null is cleared. */
export const sceneUpdateInput = sceneVersionedInput.extend({
  scriptText: contentFields.scriptText.optional(),
  durationSeconds: contentFields.durationSeconds.optional(),
  audioFilePath: contentFields.audioFilePath,
  imageFilePath: contentFields.imageFilePath,
});

/** The project's scenes in their new order: every scene exactly once. */
export const sceneReorderInput = z.object({
  projectId: projectIdField,
  sceneIds: z.array(sceneIdField).max(10_000),
});

export type SceneAddInput = z.output<typeof sceneAddInput>;
export type SceneUpdateInput = z.output<typeof sceneUpdateInput>;
export type SceneVersionedInput = z.output<typeof sceneVersionedInput>;
export type SceneReorderInput = z.output<typeof sceneReorderInput>;
