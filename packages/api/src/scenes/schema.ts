import { sceneStateInsertSchema, sceneStateSchema } from '@aura/db';
import { z } from 'zod';
import { versionedKey } from '../keys';
import { ID_LIST_MAX, PATH_MAX, SCRIPT_TEXT_MAX, uuidField } from '../limits';

const projectIdField = uuidField('Project id');

/** The editable content of a scene (the table's own column schemas). */
const contentFields = {
  scriptText: sceneStateInsertSchema.shape.scriptText.max(SCRIPT_TEXT_MAX),
  durationSeconds: sceneStateInsertSchema.shape.durationSeconds,
  audioFilePath: sceneStateSchema.shape.audioFilePath.unwrap().max(PATH_MAX).nullish(),
  imageFilePath: sceneStateSchema.shape.imageFilePath.unwrap().max(PATH_MAX).nullish(),
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

export const sceneVersionedInput = versionedKey('Scene');

/** Only the fields present change; a path set to null is cleared. */
export const sceneUpdateInput = sceneVersionedInput.extend({
  scriptText: contentFields.scriptText.optional(),
  durationSeconds: contentFields.durationSeconds.optional(),
  audioFilePath: contentFields.audioFilePath,
  imageFilePath: contentFields.imageFilePath,
});

/**
 * The project's scenes in their new order: every scene exactly once, each with the RowVersion the
 * client read (a scene moved or edited since makes the reorder a CONFLICT).
 */
export const sceneReorderInput = z.object({
  projectId: projectIdField,
  scenes: z.array(sceneVersionedInput).max(ID_LIST_MAX),
});

export type SceneAddInput = z.output<typeof sceneAddInput>;
export type SceneUpdateInput = z.output<typeof sceneUpdateInput>;
export type SceneVersionedInput = z.output<typeof sceneVersionedInput>;
export type SceneReorderInput = z.output<typeof sceneReorderInput>;
