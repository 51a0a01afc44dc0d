CREATE INDEX `IX_AssetStates_ProjectId_AssetType_Id` ON `AssetStates` (`ProjectId`,`AssetType`,`Id`);--> statement-breakpoint
CREATE INDEX `IX_ProjectStates_IsDeleted_DeletedAt_Id` ON `ProjectStates` (`IsDeleted`,`DeletedAt`,`Id`);--> statement-breakpoint
CREATE INDEX `IX_ProjectStates_Status_IsDeleted_UpdatedAt_Id` ON `ProjectStates` (`Status`,`IsDeleted`,`UpdatedAt`,`Id`);--> statement-breakpoint
CREATE INDEX `IX_RenderCheckpoints_ProjectId_CheckpointTime_Id` ON `RenderCheckpoints` (`ProjectId`,`CheckpointTime`,`Id`);--> statement-breakpoint
CREATE INDEX `IX_Configurations_Category_Key` ON `Configurations` (`Category`,`Key`);--> statement-breakpoint
CREATE INDEX `IX_CustomTemplates_IsDeleted_CreatedAt_Id` ON `CustomTemplates` (`IsDeleted`,`CreatedAt`,`Id`);--> statement-breakpoint
CREATE INDEX `IX_CustomTemplates_IsDeleted_Category_CreatedAt_Id` ON `CustomTemplates` (`IsDeleted`,`Category`,`CreatedAt`,`Id`);--> statement-breakpoint
CREATE INDEX `IX_CustomTemplates_IsDeleted_DeletedAt_Id` ON `CustomTemplates` (`IsDeleted`,`DeletedAt`,`Id`);--> statement-breakpoint
CREATE UNIQUE INDEX `UX_CustomTemplates_Category_Default` ON `CustomTemplates` (`Category`) WHERE "CustomTemplates"."IsDefault" = 1 AND "CustomTemplates"."IsDeleted" = 0;--> statement-breakpoint
CREATE INDEX `IX_Templates_Category_Name_Id` ON `Templates` (`Category`,`Name`,`Id`);--> statement-breakpoint
CREATE INDEX `IX_ActionLogs_UserId_Status_Timestamp_Id` ON `ActionLogs` (`UserId`,`Status`,`Timestamp`,`Id`);--> statement-breakpoint
CREATE INDEX `IX_ActionLogs_UserId_Status_UndoneAt` ON `ActionLogs` (`UserId`,`Status`,`UndoneAt`);--> statement-breakpoint
CREATE INDEX `IX_ActionLogs_UserId_Timestamp_Id` ON `ActionLogs` (`UserId`,`Timestamp`,`Id`);--> statement-breakpoint
CREATE INDEX `IX_ExportHistory_CreatedAt_Id` ON `ExportHistory` (`CreatedAt`,`Id`);--> statement-breakpoint
CREATE INDEX `IX_ExportHistory_Status_CreatedAt_Id` ON `ExportHistory` (`Status`,`CreatedAt`,`Id`);