CREATE TABLE `BackupRuns` (
	`Id` text PRIMARY KEY NOT NULL,
	`Trigger` text NOT NULL,
	`Status` text NOT NULL,
	`StartedAt` text NOT NULL,
	`CompletedAt` text NOT NULL,
	`File` text,
	`SizeBytes` integer,
	`PrunedCount` integer DEFAULT 0 NOT NULL,
	`ErrorMessage` text,
	`CreatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`UpdatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`CreatedBy` text,
	`ModifiedBy` text,
	`RowVersion` integer DEFAULT 1 NOT NULL,
	CONSTRAINT "CK_BackupRuns_Trigger" CHECK("Trigger" IN ('Scheduled', 'Manual')),
	CONSTRAINT "CK_BackupRuns_Status" CHECK("Status" IN ('Succeeded', 'Failed'))
);
--> statement-breakpoint
CREATE INDEX `IX_BackupRuns_StartedAt` ON `BackupRuns` (`StartedAt`);--> statement-breakpoint
ALTER TABLE `ExportHistory` ADD `LeaseOwner` text;--> statement-breakpoint
ALTER TABLE `ExportHistory` ADD `LeaseExpiresAt` text;--> statement-breakpoint
ALTER TABLE `ExportHistory` ADD `Attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `IX_ExportHistory_Status_LeaseExpiresAt` ON `ExportHistory` (`Status`,`LeaseExpiresAt`);