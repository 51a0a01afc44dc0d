CREATE TABLE `JobRuns` (
	`Id` text PRIMARY KEY NOT NULL,
	`JobName` text NOT NULL,
	`WorkerId` text NOT NULL,
	`Status` text NOT NULL,
	`StartedAt` text NOT NULL,
	`DurationMs` integer NOT NULL,
	`ResultJson` text,
	`ErrorMessage` text,
	`CreatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`UpdatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`CreatedBy` text,
	`ModifiedBy` text,
	`RowVersion` integer DEFAULT 1 NOT NULL,
	CONSTRAINT "CK_JobRuns_Status" CHECK("Status" IN ('Succeeded', 'Failed')),
	CONSTRAINT "CK_JobRuns_ResultJson_Json" CHECK("ResultJson" IS NULL OR json_valid("ResultJson"))
);
--> statement-breakpoint
CREATE INDEX `IX_JobRuns_JobName_StartedAt_Id` ON `JobRuns` (`JobName`,`StartedAt`,`Id`);--> statement-breakpoint
CREATE INDEX `IX_ContentBlobs_CreatedAt_SizeBytes` ON `ContentBlobs` (`CreatedAt`,`SizeBytes`);--> statement-breakpoint
CREATE INDEX `IX_ContentBlobs_ReferenceCount_LastReferencedAt` ON `ContentBlobs` (`ReferenceCount`,`LastReferencedAt`);--> statement-breakpoint
CREATE INDEX `IX_ProjectVersions_CreatedAt_StorageSizeBytes` ON `ProjectVersions` (`CreatedAt`,`StorageSizeBytes`);--> statement-breakpoint
CREATE INDEX `IX_ProjectVersions_ProjectId_StorageSizeBytes` ON `ProjectVersions` (`ProjectId`,`StorageSizeBytes`);