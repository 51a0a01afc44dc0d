-- Down script for 0009_job_runs_and_storage_indexes: drops the table and the indexes it created.
DROP INDEX IF EXISTS `IX_ProjectVersions_ProjectId_StorageSizeBytes`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_ProjectVersions_CreatedAt_StorageSizeBytes`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_ContentBlobs_ReferenceCount_LastReferencedAt`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_ContentBlobs_CreatedAt_SizeBytes`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_JobRuns_JobName_StartedAt_Id`;
--> statement-breakpoint
DROP TABLE IF EXISTS `JobRuns`;
