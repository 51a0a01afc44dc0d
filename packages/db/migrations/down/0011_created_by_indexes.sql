-- Down script for 0011_created_by_indexes: drops the indexes it created.
DROP INDEX IF EXISTS `IX_ExportHistory_CreatedBy_Id`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_CustomTemplates_CreatedBy_Id`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_ProjectStates_CreatedBy_Id`;
