-- Down script for 0005_export_leases_and_backup_runs.
DROP INDEX IF EXISTS `IX_ExportHistory_Status_LeaseExpiresAt`;
--> statement-breakpoint
ALTER TABLE `ExportHistory` DROP COLUMN `Attempts`;
--> statement-breakpoint
ALTER TABLE `ExportHistory` DROP COLUMN `LeaseExpiresAt`;
--> statement-breakpoint
ALTER TABLE `ExportHistory` DROP COLUMN `LeaseOwner`;
--> statement-breakpoint
DROP TABLE IF EXISTS `BackupRuns`;
