-- Down script for 0008_full_text_search: drops the search triggers, the FTS5 tables (their shadow
-- tables go with them) and the key table. The indexed rows themselves are untouched.
DROP TRIGGER IF EXISTS `TR_ProjectStates_Search_Insert`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `TR_ProjectStates_Search_Update`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `TR_ProjectStates_Search_Delete`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `TR_SceneStates_Search_Insert`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `TR_SceneStates_Search_Update`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `TR_SceneStates_Search_Delete`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `TR_Templates_Search_Insert`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `TR_Templates_Search_Update`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `TR_Templates_Search_Delete`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `TR_CustomTemplates_Search_Insert`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `TR_CustomTemplates_Search_Update`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `TR_CustomTemplates_Search_Delete`;
--> statement-breakpoint
DROP TABLE IF EXISTS `ProjectSearch`;
--> statement-breakpoint
DROP TABLE IF EXISTS `SceneSearch`;
--> statement-breakpoint
DROP TABLE IF EXISTS `TemplateSearch`;
--> statement-breakpoint
DROP TABLE IF EXISTS `SearchKeys`;
