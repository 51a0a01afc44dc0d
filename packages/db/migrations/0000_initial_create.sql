CREATE TABLE `AssetStates` (
	`Id` text PRIMARY KEY NOT NULL,
	`ProjectId` text NOT NULL,
	`AssetType` text NOT NULL,
	`FilePath` text NOT NULL,
	`FileSizeBytes` integer DEFAULT 0 NOT NULL,
	`MimeType` text,
	`IsTemporary` integer DEFAULT false NOT NULL,
	`CreatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`UpdatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`CreatedBy` text,
	`ModifiedBy` text,
	`RowVersion` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`ProjectId`) REFERENCES `ProjectStates`(`Id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "CK_AssetStates_AssetType" CHECK("AssetType" IN ('Audio', 'Image', 'Video', 'Subtitle')),
	CONSTRAINT "CK_AssetStates_FileSizeBytes" CHECK("FileSizeBytes" >= 0)
);
--> statement-breakpoint
CREATE INDEX `IX_AssetStates_ProjectId` ON `AssetStates` (`ProjectId`);--> statement-breakpoint
CREATE INDEX `IX_AssetStates_ProjectId_AssetType` ON `AssetStates` (`ProjectId`,`AssetType`);--> statement-breakpoint
CREATE INDEX `IX_AssetStates_IsTemporary` ON `AssetStates` (`IsTemporary`);--> statement-breakpoint
CREATE TABLE `ProjectStates` (
	`Id` text PRIMARY KEY NOT NULL,
	`Title` text NOT NULL,
	`Description` text,
	`CurrentWizardStep` integer DEFAULT 0 NOT NULL,
	`Status` text DEFAULT 'InProgress' NOT NULL,
	`CompletedAt` text,
	`CurrentStage` text DEFAULT 'Script' NOT NULL,
	`ProgressPercent` integer DEFAULT 0 NOT NULL,
	`JobId` text,
	`BriefJson` text,
	`PlanSpecJson` text,
	`VoiceSpecJson` text,
	`RenderSpecJson` text,
	`ErrorMessage` text,
	`CreatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`UpdatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`CreatedBy` text,
	`ModifiedBy` text,
	`IsDeleted` integer DEFAULT false NOT NULL,
	`DeletedAt` text,
	`DeletedBy` text,
	`RowVersion` integer DEFAULT 1 NOT NULL,
	CONSTRAINT "CK_ProjectStates_Status" CHECK("Status" IN ('InProgress', 'Completed', 'Failed', 'Cancelled')),
	CONSTRAINT "CK_ProjectStates_CurrentStage" CHECK("CurrentStage" IN ('Script', 'TTS', 'Images', 'Composition', 'Render')),
	CONSTRAINT "CK_ProjectStates_CurrentWizardStep" CHECK("CurrentWizardStep" >= 0),
	CONSTRAINT "CK_ProjectStates_ProgressPercent" CHECK("ProgressPercent" BETWEEN 0 AND 100),
	CONSTRAINT "CK_ProjectStates_BriefJson_Json" CHECK("BriefJson" IS NULL OR json_valid("BriefJson")),
	CONSTRAINT "CK_ProjectStates_PlanSpecJson_Json" CHECK("PlanSpecJson" IS NULL OR json_valid("PlanSpecJson")),
	CONSTRAINT "CK_ProjectStates_VoiceSpecJson_Json" CHECK("VoiceSpecJson" IS NULL OR json_valid("VoiceSpecJson")),
	CONSTRAINT "CK_ProjectStates_RenderSpecJson_Json" CHECK("RenderSpecJson" IS NULL OR json_valid("RenderSpecJson"))
);
--> statement-breakpoint
CREATE INDEX `IX_ProjectStates_Status` ON `ProjectStates` (`Status`);--> statement-breakpoint
CREATE INDEX `IX_ProjectStates_UpdatedAt` ON `ProjectStates` (`UpdatedAt`);--> statement-breakpoint
CREATE INDEX `IX_ProjectStates_Status_UpdatedAt` ON `ProjectStates` (`Status`,`UpdatedAt`);--> statement-breakpoint
CREATE INDEX `IX_ProjectStates_JobId` ON `ProjectStates` (`JobId`);--> statement-breakpoint
CREATE INDEX `IX_ProjectStates_IsDeleted` ON `ProjectStates` (`IsDeleted`);--> statement-breakpoint
CREATE INDEX `IX_ProjectStates_IsDeleted_DeletedAt` ON `ProjectStates` (`IsDeleted`,`DeletedAt`);--> statement-breakpoint
CREATE TABLE `RenderCheckpoints` (
	`Id` text PRIMARY KEY NOT NULL,
	`ProjectId` text NOT NULL,
	`StageName` text NOT NULL,
	`CheckpointTime` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`CompletedScenes` integer DEFAULT 0 NOT NULL,
	`TotalScenes` integer DEFAULT 0 NOT NULL,
	`CheckpointData` text,
	`OutputFilePath` text,
	`IsValid` integer DEFAULT true NOT NULL,
	`CreatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`UpdatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`CreatedBy` text,
	`ModifiedBy` text,
	`RowVersion` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`ProjectId`) REFERENCES `ProjectStates`(`Id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "CK_RenderCheckpoints_CheckpointData_Json" CHECK("CheckpointData" IS NULL OR json_valid("CheckpointData")),
	CONSTRAINT "CK_RenderCheckpoints_Scenes" CHECK("CompletedScenes" >= 0 AND "TotalScenes" >= 0 AND "CompletedScenes" <= "TotalScenes")
);
--> statement-breakpoint
CREATE INDEX `IX_RenderCheckpoints_ProjectId` ON `RenderCheckpoints` (`ProjectId`);--> statement-breakpoint
CREATE INDEX `IX_RenderCheckpoints_ProjectId_StageName` ON `RenderCheckpoints` (`ProjectId`,`StageName`);--> statement-breakpoint
CREATE INDEX `IX_RenderCheckpoints_CheckpointTime` ON `RenderCheckpoints` (`CheckpointTime`);--> statement-breakpoint
CREATE TABLE `SceneStates` (
	`Id` text PRIMARY KEY NOT NULL,
	`ProjectId` text NOT NULL,
	`SceneIndex` integer NOT NULL,
	`ScriptText` text NOT NULL,
	`AudioFilePath` text,
	`ImageFilePath` text,
	`DurationSeconds` real DEFAULT 0 NOT NULL,
	`IsCompleted` integer DEFAULT false NOT NULL,
	`CreatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`UpdatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`CreatedBy` text,
	`ModifiedBy` text,
	`RowVersion` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`ProjectId`) REFERENCES `ProjectStates`(`Id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "CK_SceneStates_SceneIndex" CHECK("SceneIndex" >= 0),
	CONSTRAINT "CK_SceneStates_DurationSeconds" CHECK("DurationSeconds" >= 0)
);
--> statement-breakpoint
CREATE INDEX `IX_SceneStates_ProjectId` ON `SceneStates` (`ProjectId`);--> statement-breakpoint
CREATE INDEX `IX_SceneStates_ProjectId_SceneIndex` ON `SceneStates` (`ProjectId`,`SceneIndex`);--> statement-breakpoint
CREATE TABLE `ContentBlobs` (
	`ContentHash` text PRIMARY KEY NOT NULL,
	`Content` text NOT NULL,
	`ContentType` text NOT NULL,
	`SizeBytes` integer NOT NULL,
	`LastReferencedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`ReferenceCount` integer DEFAULT 0 NOT NULL,
	`CreatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`UpdatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`CreatedBy` text,
	`ModifiedBy` text,
	`RowVersion` integer DEFAULT 1 NOT NULL,
	CONSTRAINT "CK_ContentBlobs_ContentHash" CHECK(length("ContentHash") = 64),
	CONSTRAINT "CK_ContentBlobs_ReferenceCount" CHECK("ReferenceCount" >= 0),
	CONSTRAINT "CK_ContentBlobs_SizeBytes" CHECK("SizeBytes" >= 0)
);
--> statement-breakpoint
CREATE INDEX `IX_ContentBlobs_ContentType` ON `ContentBlobs` (`ContentType`);--> statement-breakpoint
CREATE INDEX `IX_ContentBlobs_LastReferencedAt` ON `ContentBlobs` (`LastReferencedAt`);--> statement-breakpoint
CREATE INDEX `IX_ContentBlobs_ReferenceCount` ON `ContentBlobs` (`ReferenceCount`);--> statement-breakpoint
CREATE TABLE `ProjectVersions` (
	`Id` text PRIMARY KEY NOT NULL,
	`ProjectId` text NOT NULL,
	`VersionNumber` integer NOT NULL,
	`Name` text,
	`Description` text,
	`VersionType` text NOT NULL,
	`Trigger` text,
	`CreatedByUserId` text,
	`BriefJson` text,
	`PlanSpecJson` text,
	`VoiceSpecJson` text,
	`RenderSpecJson` text,
	`TimelineJson` text,
	`BriefHash` text,
	`PlanHash` text,
	`VoiceHash` text,
	`RenderHash` text,
	`TimelineHash` text,
	`StorageSizeBytes` integer DEFAULT 0 NOT NULL,
	`IsMarkedImportant` integer DEFAULT false NOT NULL,
	`CreatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`UpdatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`CreatedBy` text,
	`ModifiedBy` text,
	`IsDeleted` integer DEFAULT false NOT NULL,
	`DeletedAt` text,
	`DeletedBy` text,
	`RowVersion` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`ProjectId`) REFERENCES `ProjectStates`(`Id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "CK_ProjectVersions_VersionType" CHECK("VersionType" IN ('Manual', 'Autosave', 'RestorePoint')),
	CONSTRAINT "CK_ProjectVersions_VersionNumber" CHECK("VersionNumber" >= 1),
	CONSTRAINT "CK_ProjectVersions_StorageSizeBytes" CHECK("StorageSizeBytes" >= 0),
	CONSTRAINT "CK_ProjectVersions_BriefJson_Json" CHECK("BriefJson" IS NULL OR json_valid("BriefJson")),
	CONSTRAINT "CK_ProjectVersions_PlanSpecJson_Json" CHECK("PlanSpecJson" IS NULL OR json_valid("PlanSpecJson")),
	CONSTRAINT "CK_ProjectVersions_VoiceSpecJson_Json" CHECK("VoiceSpecJson" IS NULL OR json_valid("VoiceSpecJson")),
	CONSTRAINT "CK_ProjectVersions_RenderSpecJson_Json" CHECK("RenderSpecJson" IS NULL OR json_valid("RenderSpecJson")),
	CONSTRAINT "CK_ProjectVersions_TimelineJson_Json" CHECK("TimelineJson" IS NULL OR json_valid("TimelineJson"))
);
--> statement-breakpoint
CREATE INDEX `IX_ProjectVersions_ProjectId` ON `ProjectVersions` (`ProjectId`);--> statement-breakpoint
CREATE UNIQUE INDEX `IX_ProjectVersions_ProjectId_VersionNumber` ON `ProjectVersions` (`ProjectId`,`VersionNumber`);--> statement-breakpoint
CREATE INDEX `IX_ProjectVersions_VersionType` ON `ProjectVersions` (`VersionType`);--> statement-breakpoint
CREATE INDEX `IX_ProjectVersions_CreatedAt` ON `ProjectVersions` (`CreatedAt`);--> statement-breakpoint
CREATE INDEX `IX_ProjectVersions_ProjectId_CreatedAt` ON `ProjectVersions` (`ProjectId`,`CreatedAt`);--> statement-breakpoint
CREATE INDEX `IX_ProjectVersions_IsDeleted` ON `ProjectVersions` (`IsDeleted`);--> statement-breakpoint
CREATE INDEX `IX_ProjectVersions_IsDeleted_DeletedAt` ON `ProjectVersions` (`IsDeleted`,`DeletedAt`);--> statement-breakpoint
CREATE INDEX `IX_ProjectVersions_IsMarkedImportant` ON `ProjectVersions` (`IsMarkedImportant`);--> statement-breakpoint
CREATE TABLE `Configurations` (
	`Key` text PRIMARY KEY NOT NULL,
	`Value` text NOT NULL,
	`Category` text NOT NULL,
	`ValueType` text NOT NULL,
	`Description` text,
	`IsSensitive` integer DEFAULT false NOT NULL,
	`Version` integer DEFAULT 1 NOT NULL,
	`IsActive` integer DEFAULT true NOT NULL,
	`CreatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`UpdatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`CreatedBy` text,
	`ModifiedBy` text,
	`RowVersion` integer DEFAULT 1 NOT NULL,
	CONSTRAINT "CK_Configurations_ValueType" CHECK("ValueType" IN ('string', 'json', 'boolean', 'number'))
);
--> statement-breakpoint
CREATE INDEX `IX_Configurations_Category` ON `Configurations` (`Category`);--> statement-breakpoint
CREATE INDEX `IX_Configurations_IsSensitive` ON `Configurations` (`IsSensitive`);--> statement-breakpoint
CREATE INDEX `IX_Configurations_IsActive` ON `Configurations` (`IsActive`);--> statement-breakpoint
CREATE INDEX `IX_Configurations_UpdatedAt` ON `Configurations` (`UpdatedAt`);--> statement-breakpoint
CREATE INDEX `IX_Configurations_Category_IsActive` ON `Configurations` (`Category`,`IsActive`);--> statement-breakpoint
CREATE INDEX `IX_Configurations_Category_UpdatedAt` ON `Configurations` (`Category`,`UpdatedAt`);--> statement-breakpoint
CREATE TABLE `SystemConfiguration` (
	`Id` integer PRIMARY KEY NOT NULL,
	`IsSetupComplete` integer DEFAULT false NOT NULL,
	`FFmpegPath` text,
	`OutputDirectory` text NOT NULL,
	`CreatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`UpdatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`CreatedBy` text,
	`ModifiedBy` text,
	`RowVersion` integer DEFAULT 1 NOT NULL,
	CONSTRAINT "CK_SystemConfiguration_SingleRow" CHECK("Id" = 1)
);
--> statement-breakpoint
CREATE TABLE `UserSetups` (
	`Id` text PRIMARY KEY NOT NULL,
	`UserId` text NOT NULL,
	`Completed` integer DEFAULT false NOT NULL,
	`CompletedAt` text,
	`Version` text,
	`LastStep` integer DEFAULT 0 NOT NULL,
	`SelectedTier` text,
	`WizardState` text,
	`CreatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`UpdatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`CreatedBy` text,
	`ModifiedBy` text,
	`RowVersion` integer DEFAULT 1 NOT NULL,
	CONSTRAINT "CK_UserSetups_LastStep" CHECK("LastStep" >= 0),
	CONSTRAINT "CK_UserSetups_WizardState_Json" CHECK("WizardState" IS NULL OR json_valid("WizardState"))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `IX_UserSetups_UserId` ON `UserSetups` (`UserId`);--> statement-breakpoint
CREATE INDEX `IX_UserSetups_Completed` ON `UserSetups` (`Completed`);--> statement-breakpoint
CREATE INDEX `IX_UserSetups_UpdatedAt` ON `UserSetups` (`UpdatedAt`);--> statement-breakpoint
CREATE TABLE `CustomTemplates` (
	`Id` text PRIMARY KEY NOT NULL,
	`Name` text NOT NULL,
	`Description` text DEFAULT '' NOT NULL,
	`Category` text NOT NULL,
	`Tags` text DEFAULT '' NOT NULL,
	`Author` text NOT NULL,
	`IsDefault` integer DEFAULT false NOT NULL,
	`ScriptStructureJson` text,
	`VideoStructureJson` text,
	`LLMPipelineJson` text,
	`VisualPreferencesJson` text,
	`CreatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`UpdatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`CreatedBy` text,
	`ModifiedBy` text,
	`IsDeleted` integer DEFAULT false NOT NULL,
	`DeletedAt` text,
	`DeletedBy` text,
	`RowVersion` integer DEFAULT 1 NOT NULL,
	CONSTRAINT "CK_CustomTemplates_ScriptStructureJson_Json" CHECK("ScriptStructureJson" IS NULL OR json_valid("ScriptStructureJson")),
	CONSTRAINT "CK_CustomTemplates_VideoStructureJson_Json" CHECK("VideoStructureJson" IS NULL OR json_valid("VideoStructureJson")),
	CONSTRAINT "CK_CustomTemplates_LLMPipelineJson_Json" CHECK("LLMPipelineJson" IS NULL OR json_valid("LLMPipelineJson")),
	CONSTRAINT "CK_CustomTemplates_VisualPreferencesJson_Json" CHECK("VisualPreferencesJson" IS NULL OR json_valid("VisualPreferencesJson"))
);
--> statement-breakpoint
CREATE INDEX `IX_CustomTemplates_Category` ON `CustomTemplates` (`Category`);--> statement-breakpoint
CREATE INDEX `IX_CustomTemplates_IsDefault` ON `CustomTemplates` (`IsDefault`);--> statement-breakpoint
CREATE INDEX `IX_CustomTemplates_CreatedAt` ON `CustomTemplates` (`CreatedAt`);--> statement-breakpoint
CREATE INDEX `IX_CustomTemplates_Category_CreatedAt` ON `CustomTemplates` (`Category`,`CreatedAt`);--> statement-breakpoint
CREATE INDEX `IX_CustomTemplates_IsDeleted` ON `CustomTemplates` (`IsDeleted`);--> statement-breakpoint
CREATE INDEX `IX_CustomTemplates_IsDeleted_DeletedAt` ON `CustomTemplates` (`IsDeleted`,`DeletedAt`);--> statement-breakpoint
CREATE TABLE `Templates` (
	`Id` text PRIMARY KEY NOT NULL,
	`Name` text NOT NULL,
	`Description` text NOT NULL,
	`Category` text NOT NULL,
	`SubCategory` text DEFAULT '' NOT NULL,
	`PreviewImage` text DEFAULT '' NOT NULL,
	`PreviewVideo` text DEFAULT '' NOT NULL,
	`Tags` text DEFAULT '' NOT NULL,
	`TemplateData` text NOT NULL,
	`Author` text NOT NULL,
	`IsSystemTemplate` integer DEFAULT false NOT NULL,
	`IsCommunityTemplate` integer DEFAULT false NOT NULL,
	`UsageCount` integer DEFAULT 0 NOT NULL,
	`Rating` real DEFAULT 0 NOT NULL,
	`RatingCount` integer DEFAULT 0 NOT NULL,
	`CreatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`UpdatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`CreatedBy` text,
	`ModifiedBy` text,
	`RowVersion` integer DEFAULT 1 NOT NULL,
	CONSTRAINT "CK_Templates_TemplateData_Json" CHECK(json_valid("TemplateData")),
	CONSTRAINT "CK_Templates_Rating" CHECK("Rating" BETWEEN 0 AND 5),
	CONSTRAINT "CK_Templates_Counts" CHECK("UsageCount" >= 0 AND "RatingCount" >= 0)
);
--> statement-breakpoint
CREATE INDEX `IX_Templates_Category` ON `Templates` (`Category`);--> statement-breakpoint
CREATE INDEX `IX_Templates_IsSystemTemplate` ON `Templates` (`IsSystemTemplate`);--> statement-breakpoint
CREATE INDEX `IX_Templates_IsCommunityTemplate` ON `Templates` (`IsCommunityTemplate`);--> statement-breakpoint
CREATE INDEX `IX_Templates_Category_SubCategory` ON `Templates` (`Category`,`SubCategory`);--> statement-breakpoint
CREATE TABLE `ActionLogs` (
	`Id` text PRIMARY KEY NOT NULL,
	`UserId` text NOT NULL,
	`ActionType` text NOT NULL,
	`Description` text NOT NULL,
	`Timestamp` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`Status` text DEFAULT 'Applied' NOT NULL,
	`AffectedResourceIds` text,
	`PayloadJson` text,
	`InverseActionType` text,
	`InversePayloadJson` text,
	`CanBatch` integer DEFAULT false NOT NULL,
	`IsPersistent` integer DEFAULT true NOT NULL,
	`UndoneAt` text,
	`UndoneByUserId` text,
	`ExpiresAt` text,
	`ErrorMessage` text,
	`CorrelationId` text,
	`CreatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`UpdatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`CreatedBy` text,
	`ModifiedBy` text,
	`RowVersion` integer DEFAULT 1 NOT NULL,
	CONSTRAINT "CK_ActionLogs_Status" CHECK("Status" IN ('Applied', 'Undone', 'Failed', 'Expired')),
	CONSTRAINT "CK_ActionLogs_PayloadJson_Json" CHECK("PayloadJson" IS NULL OR json_valid("PayloadJson")),
	CONSTRAINT "CK_ActionLogs_InversePayloadJson_Json" CHECK("InversePayloadJson" IS NULL OR json_valid("InversePayloadJson"))
);
--> statement-breakpoint
CREATE INDEX `IX_ActionLogs_UserId` ON `ActionLogs` (`UserId`);--> statement-breakpoint
CREATE INDEX `IX_ActionLogs_ActionType` ON `ActionLogs` (`ActionType`);--> statement-breakpoint
CREATE INDEX `IX_ActionLogs_Status` ON `ActionLogs` (`Status`);--> statement-breakpoint
CREATE INDEX `IX_ActionLogs_Timestamp` ON `ActionLogs` (`Timestamp`);--> statement-breakpoint
CREATE INDEX `IX_ActionLogs_UserId_Timestamp` ON `ActionLogs` (`UserId`,`Timestamp`);--> statement-breakpoint
CREATE INDEX `IX_ActionLogs_Status_Timestamp` ON `ActionLogs` (`Status`,`Timestamp`);--> statement-breakpoint
CREATE INDEX `IX_ActionLogs_CorrelationId` ON `ActionLogs` (`CorrelationId`);--> statement-breakpoint
CREATE INDEX `IX_ActionLogs_ExpiresAt` ON `ActionLogs` (`ExpiresAt`);--> statement-breakpoint
CREATE TABLE `ExportHistory` (
	`Id` text PRIMARY KEY NOT NULL,
	`InputFile` text NOT NULL,
	`OutputFile` text NOT NULL,
	`PresetName` text NOT NULL,
	`Status` text DEFAULT 'Queued' NOT NULL,
	`Progress` real DEFAULT 0 NOT NULL,
	`StartedAt` text,
	`CompletedAt` text,
	`ErrorMessage` text,
	`FileSize` integer,
	`DurationSeconds` real,
	`Platform` text,
	`Resolution` text,
	`Codec` text,
	`CreatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`UpdatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`CreatedBy` text,
	`ModifiedBy` text,
	`RowVersion` integer DEFAULT 1 NOT NULL,
	CONSTRAINT "CK_ExportHistory_Status" CHECK("Status" IN ('Queued', 'InProgress', 'Completed', 'Failed', 'Cancelled')),
	CONSTRAINT "CK_ExportHistory_Progress" CHECK("Progress" BETWEEN 0 AND 100)
);
--> statement-breakpoint
CREATE INDEX `IX_ExportHistory_Status` ON `ExportHistory` (`Status`);--> statement-breakpoint
CREATE INDEX `IX_ExportHistory_CreatedAt` ON `ExportHistory` (`CreatedAt`);--> statement-breakpoint
CREATE INDEX `IX_ExportHistory_Status_CreatedAt` ON `ExportHistory` (`Status`,`CreatedAt`);