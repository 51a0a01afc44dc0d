-- Down script for 0000_initial_create: drops every table it created (children before parents).
-- Indexes go with their tables.
DROP TABLE IF EXISTS `SceneStates`;
--> statement-breakpoint
DROP TABLE IF EXISTS `AssetStates`;
--> statement-breakpoint
DROP TABLE IF EXISTS `RenderCheckpoints`;
--> statement-breakpoint
DROP TABLE IF EXISTS `ProjectVersions`;
--> statement-breakpoint
DROP TABLE IF EXISTS `ProjectStates`;
--> statement-breakpoint
DROP TABLE IF EXISTS `ContentBlobs`;
--> statement-breakpoint
DROP TABLE IF EXISTS `UserSetups`;
--> statement-breakpoint
DROP TABLE IF EXISTS `SystemConfiguration`;
--> statement-breakpoint
DROP TABLE IF EXISTS `Configurations`;
--> statement-breakpoint
DROP TABLE IF EXISTS `Templates`;
--> statement-breakpoint
DROP TABLE IF EXISTS `CustomTemplates`;
--> statement-breakpoint
DROP TABLE IF EXISTS `ExportHistory`;
--> statement-breakpoint
DROP TABLE IF EXISTS `ActionLogs`;
