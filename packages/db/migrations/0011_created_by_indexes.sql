CREATE INDEX `IX_ProjectStates_CreatedBy_Id` ON `ProjectStates` (`CreatedBy`,`Id`);--> statement-breakpoint
CREATE INDEX `IX_CustomTemplates_CreatedBy_Id` ON `CustomTemplates` (`CreatedBy`,`Id`);--> statement-breakpoint
CREATE INDEX `IX_ExportHistory_CreatedBy_Id` ON `ExportHistory` (`CreatedBy`,`Id`);