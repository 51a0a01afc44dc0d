-- Down script for 0012_list_index_with_text: the list index without the text columns, as before.
DROP INDEX IF EXISTS `IX_ProjectStates_IsDeleted_UpdatedAt_Id_Text`;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `IX_ProjectStates_IsDeleted_UpdatedAt_Id` ON `ProjectStates` (`IsDeleted`,`UpdatedAt`,`Id`);
