-- Down script for 0001_auth_and_template_ratings: drops the tables it created (children first).
DROP TABLE IF EXISTS `Sessions`;
--> statement-breakpoint
DROP TABLE IF EXISTS `ApiTokens`;
--> statement-breakpoint
DROP TABLE IF EXISTS `TemplateRatings`;
--> statement-breakpoint
DROP TABLE IF EXISTS `Users`;
