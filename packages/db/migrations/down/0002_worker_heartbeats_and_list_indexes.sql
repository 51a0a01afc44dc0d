-- Down script for 0002_worker_heartbeats_and_list_indexes.
DROP INDEX IF EXISTS `IX_ProjectStates_CurrentStage_UpdatedAt`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_ProjectStates_IsDeleted_Title_Id`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_ProjectStates_IsDeleted_CreatedAt_Id`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_ProjectStates_IsDeleted_UpdatedAt_Id`;
--> statement-breakpoint
DROP TABLE IF EXISTS `WorkerHeartbeats`;
