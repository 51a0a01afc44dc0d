-- Down script for 0004_list_and_undo_indexes: drops the indexes it created.
DROP INDEX IF EXISTS `IX_AssetStates_ProjectId_AssetType_Id`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_ProjectStates_IsDeleted_DeletedAt_Id`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_ProjectStates_Status_IsDeleted_UpdatedAt_Id`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_RenderCheckpoints_ProjectId_CheckpointTime_Id`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_Configurations_Category_Key`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_CustomTemplates_IsDeleted_CreatedAt_Id`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_CustomTemplates_IsDeleted_Category_CreatedAt_Id`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_CustomTemplates_IsDeleted_DeletedAt_Id`;
--> statement-breakpoint
DROP INDEX IF EXISTS `UX_CustomTemplates_Category_Default`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_Templates_Category_Name_Id`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_ActionLogs_UserId_Status_Timestamp_Id`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_ActionLogs_UserId_Status_UndoneAt`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_ActionLogs_UserId_Timestamp_Id`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_ExportHistory_CreatedAt_Id`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_ExportHistory_Status_CreatedAt_Id`;
