CREATE INDEX `IX_AssetStates_FilePath` ON `AssetStates` (`FilePath`);--> statement-breakpoint
CREATE INDEX `IX_RenderCheckpoints_IsValid` ON `RenderCheckpoints` (`IsValid`);--> statement-breakpoint
CREATE INDEX `IX_RenderCheckpoints_OutputFilePath` ON `RenderCheckpoints` (`OutputFilePath`);--> statement-breakpoint
CREATE INDEX `IX_SceneStates_AudioFilePath` ON `SceneStates` (`AudioFilePath`);--> statement-breakpoint
CREATE INDEX `IX_SceneStates_ImageFilePath` ON `SceneStates` (`ImageFilePath`);--> statement-breakpoint
CREATE INDEX `IX_BackupRuns_StartedAt_Id` ON `BackupRuns` (`StartedAt`,`Id`);--> statement-breakpoint
CREATE INDEX `IX_ExportHistory_InputFile` ON `ExportHistory` (`InputFile`);--> statement-breakpoint
CREATE INDEX `IX_ExportHistory_OutputFile` ON `ExportHistory` (`OutputFile`);