import { relations } from 'drizzle-orm';
import { assetStates, projectStates, renderCheckpoints, sceneStates } from './projects';
import { projectVersions } from './versions';

/**
 * Relations for Drizzle's relational queries: `db.query.projectStates.findFirst({ with: … })`
 * loads a project with its children in one SQL statement (no N+1).
 */
export const projectStatesRelations = relations(projectStates, ({ many }) => ({
  scenes: many(sceneStates),
  assets: many(assetStates),
  checkpoints: many(renderCheckpoints),
  versions: many(projectVersions),
}));

export const sceneStatesRelations = relations(sceneStates, ({ one }) => ({
  project: one(projectStates, { fields: [sceneStates.projectId], references: [projectStates.id] }),
}));

export const assetStatesRelations = relations(assetStates, ({ one }) => ({
  project: one(projectStates, { fields: [assetStates.projectId], references: [projectStates.id] }),
}));

export const renderCheckpointsRelations = relations(renderCheckpoints, ({ one }) => ({
  project: one(projectStates, {
    fields: [renderCheckpoints.projectId],
    references: [projectStates.id],
  }),
}));

export const projectVersionsRelations = relations(projectVersions, ({ one }) => ({
  project: one(projectStates, {
    fields: [projectVersions.projectId],
    references: [projectStates.id],
  }),
}));
