import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod';
import {
  actionLogs,
  apiTokens,
  assetStates,
  configurations,
  contentBlobs,
  customTemplates,
  exportHistory,
  projectStates,
  projectVersions,
  renderCheckpoints,
  sceneStates,
  systemConfiguration,
  templates,
  userSetups,
  users,
} from './schema';

/**
 * Zod schemas derived from the tables: the single source of row types for procedure inputs,
 * the dashboard's forms and the typed client. Never hand-write a duplicate of a row type.
 * Size limits are the api package's (its limits module), applied where a procedure takes input.
 */
export const projectStateSchema = createSelectSchema(projectStates);
export const projectStateInsertSchema = createInsertSchema(projectStates, {
  title: (s) => s.trim().min(1, 'Title is required'),
  progressPercent: (s) => s.int().min(0).max(100),
  currentWizardStep: (s) => s.int().min(0),
});
export const projectStateUpdateSchema = createUpdateSchema(projectStates, {
  title: (s) => s.trim().min(1, 'Title is required'),
  progressPercent: (s) => s.int().min(0).max(100),
  currentWizardStep: (s) => s.int().min(0),
});

export const sceneStateSchema = createSelectSchema(sceneStates);
export const sceneStateInsertSchema = createInsertSchema(sceneStates, {
  sceneIndex: (s) => s.int().min(0),
  durationSeconds: (s) => s.min(0),
});
export const sceneStateUpdateSchema = createUpdateSchema(sceneStates);

export const assetStateSchema = createSelectSchema(assetStates);
export const assetStateInsertSchema = createInsertSchema(assetStates, {
  fileSizeBytes: (s) => s.int().min(0),
});

export const renderCheckpointSchema = createSelectSchema(renderCheckpoints);
export const renderCheckpointInsertSchema = createInsertSchema(renderCheckpoints);

export const projectVersionSchema = createSelectSchema(projectVersions);
export const projectVersionInsertSchema = createInsertSchema(projectVersions);

export const contentBlobSchema = createSelectSchema(contentBlobs);
export const contentBlobInsertSchema = createInsertSchema(contentBlobs);

export const userSetupSchema = createSelectSchema(userSetups);
export const userSetupInsertSchema = createInsertSchema(userSetups);
export const userSetupUpdateSchema = createUpdateSchema(userSetups);

export const systemConfigurationSchema = createSelectSchema(systemConfiguration);
export const systemConfigurationUpdateSchema = createUpdateSchema(systemConfiguration);

export const configurationSchema = createSelectSchema(configurations);
export const configurationInsertSchema = createInsertSchema(configurations);

export const templateSchema = createSelectSchema(templates);
export const templateInsertSchema = createInsertSchema(templates);

export const customTemplateSchema = createSelectSchema(customTemplates);
export const customTemplateInsertSchema = createInsertSchema(customTemplates);
export const customTemplateUpdateSchema = createUpdateSchema(customTemplates);

export const exportHistorySchema = createSelectSchema(exportHistory);
export const exportHistoryInsertSchema = createInsertSchema(exportHistory, {
  progress: (s) => s.min(0).max(100),
});

export const actionLogSchema = createSelectSchema(actionLogs);
export const actionLogInsertSchema = createInsertSchema(actionLogs);

export const userSchema = createSelectSchema(users);
export const userInsertSchema = createInsertSchema(users);

export const apiTokenSchema = createSelectSchema(apiTokens);
export const apiTokenInsertSchema = createInsertSchema(apiTokens);

export type ProjectState = typeof projectStates.$inferSelect;
export type NewProjectState = typeof projectStates.$inferInsert;
export type SceneState = typeof sceneStates.$inferSelect;
export type AssetState = typeof assetStates.$inferSelect;
export type RenderCheckpoint = typeof renderCheckpoints.$inferSelect;
export type ProjectVersion = typeof projectVersions.$inferSelect;
export type ContentBlob = typeof contentBlobs.$inferSelect;
export type UserSetup = typeof userSetups.$inferSelect;
export type SystemConfigurationRow = typeof systemConfiguration.$inferSelect;
export type Configuration = typeof configurations.$inferSelect;
export type Template = typeof templates.$inferSelect;
export type CustomTemplate = typeof customTemplates.$inferSelect;
export type ExportHistoryRow = typeof exportHistory.$inferSelect;
export type ActionLog = typeof actionLogs.$inferSelect;
