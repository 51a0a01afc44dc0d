ALTER TABLE `ProjectStates` ADD `LastVersionNumber` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Hand-added: existing projects start from their highest version number.
UPDATE `ProjectStates` SET `LastVersionNumber` = (SELECT coalesce(max(`VersionNumber`), 0) FROM `ProjectVersions` WHERE `ProjectVersions`.`ProjectId` = `ProjectStates`.`Id`);
