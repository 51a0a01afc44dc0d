-- Down script for 0007_action_log_project: drops the activity index and the column.
DROP INDEX IF EXISTS `IX_ActionLogs_ProjectId_Timestamp_Id`;
--> statement-breakpoint
ALTER TABLE `ActionLogs` DROP COLUMN `ProjectId`;
