CREATE TABLE `WorkerHeartbeats` (
	`WorkerId` text PRIMARY KEY NOT NULL,
	`Hostname` text NOT NULL,
	`Pid` integer NOT NULL,
	`StartedAt` text NOT NULL,
	`LastTickAt` text NOT NULL,
	`TickCount` integer DEFAULT 0 NOT NULL,
	`TickIntervalMs` integer NOT NULL,
	`JobsJson` text,
	`StoppedAt` text,
	`CreatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`UpdatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`CreatedBy` text,
	`ModifiedBy` text,
	`RowVersion` integer DEFAULT 1 NOT NULL,
	CONSTRAINT "CK_WorkerHeartbeats_JobsJson_Json" CHECK("JobsJson" IS NULL OR json_valid("JobsJson"))
);
--> statement-breakpoint
CREATE INDEX `IX_WorkerHeartbeats_LastTickAt` ON `WorkerHeartbeats` (`LastTickAt`);--> statement-breakpoint
CREATE INDEX `IX_ProjectStates_IsDeleted_UpdatedAt_Id` ON `ProjectStates` (`IsDeleted`,`UpdatedAt`,`Id`);--> statement-breakpoint
CREATE INDEX `IX_ProjectStates_IsDeleted_CreatedAt_Id` ON `ProjectStates` (`IsDeleted`,`CreatedAt`,`Id`);--> statement-breakpoint
CREATE INDEX `IX_ProjectStates_IsDeleted_Title_Id` ON `ProjectStates` (`IsDeleted`,"Title" COLLATE NOCASE,`Id`);--> statement-breakpoint
CREATE INDEX `IX_ProjectStates_CurrentStage_UpdatedAt` ON `ProjectStates` (`CurrentStage`,`UpdatedAt`);