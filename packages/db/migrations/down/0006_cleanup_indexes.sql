-- Down script for 0006_cleanup_indexes: drops the indexes it created.
DROP INDEX IF EXISTS `IX_AssetStates_FilePath`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_RenderCheckpoints_IsValid`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_RenderCheckpoints_OutputFilePath`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_SceneStates_AudioFilePath`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_SceneStates_ImageFilePath`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_BackupRuns_StartedAt_Id`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_ExportHistory_InputFile`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_ExportHistory_OutputFile`;
