-- Full-text search (issue 13): FTS5 trigram indexes over projects, scenes and templates, kept
-- in sync by triggers so every writer (services, undo/redo, restore, the legacy importer, the
-- cleanup jobs, a sqlite3 shell) updates them in its own transaction. Soft-deleted rows are not
-- indexed. SearchKeys maps each indexed row to its FTS rowid: the rows' own rowids are not stable
-- (VACUUM may renumber a table without an INTEGER PRIMARY KEY).
-- Each trigger only names its own table and the search tables, so a table rebuild elsewhere
-- (drizzle-kit's copy-drop-rename) cannot break it.
CREATE TABLE `SearchKeys` (
	`DocId` integer PRIMARY KEY NOT NULL,
	`Kind` text NOT NULL,
	`ItemId` text NOT NULL,
	CONSTRAINT "CK_SearchKeys_Kind" CHECK("Kind" IN ('project', 'scene', 'template', 'customTemplate'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `UX_SearchKeys_Kind_ItemId` ON `SearchKeys` (`Kind`,`ItemId`);
--> statement-breakpoint
CREATE VIRTUAL TABLE `ProjectSearch` USING fts5(`Title`, `Description`, tokenize = 'trigram remove_diacritics 1');
--> statement-breakpoint
CREATE VIRTUAL TABLE `SceneSearch` USING fts5(`ProjectId` UNINDEXED, `ScriptText`, tokenize = 'trigram remove_diacritics 1');
--> statement-breakpoint
CREATE VIRTUAL TABLE `TemplateSearch` USING fts5(`Name`, `Description`, `Tags`, tokenize = 'trigram remove_diacritics 1');
--> statement-breakpoint
CREATE TRIGGER `TR_ProjectStates_Search_Insert` AFTER INSERT ON `ProjectStates` WHEN new.`IsDeleted` = 0
BEGIN
	INSERT INTO `SearchKeys` (`Kind`, `ItemId`) VALUES ('project', new.`Id`);
	INSERT INTO `ProjectSearch` (rowid, `Title`, `Description`)
	VALUES ((SELECT `DocId` FROM `SearchKeys` WHERE `Kind` = 'project' AND `ItemId` = new.`Id`), new.`Title`, new.`Description`);
END;
--> statement-breakpoint
CREATE TRIGGER `TR_ProjectStates_Search_Update` AFTER UPDATE OF `Id`, `Title`, `Description`, `IsDeleted` ON `ProjectStates`
BEGIN
	DELETE FROM `ProjectSearch` WHERE rowid = (SELECT `DocId` FROM `SearchKeys` WHERE `Kind` = 'project' AND `ItemId` = old.`Id`);
	DELETE FROM `SearchKeys` WHERE `Kind` = 'project' AND `ItemId` = old.`Id`;
	INSERT INTO `SearchKeys` (`Kind`, `ItemId`) SELECT 'project', new.`Id` WHERE new.`IsDeleted` = 0;
	INSERT INTO `ProjectSearch` (rowid, `Title`, `Description`)
	SELECT `DocId`, new.`Title`, new.`Description` FROM `SearchKeys` WHERE `Kind` = 'project' AND `ItemId` = new.`Id`;
END;
--> statement-breakpoint
CREATE TRIGGER `TR_ProjectStates_Search_Delete` AFTER DELETE ON `ProjectStates`
BEGIN
	DELETE FROM `ProjectSearch` WHERE rowid = (SELECT `DocId` FROM `SearchKeys` WHERE `Kind` = 'project' AND `ItemId` = old.`Id`);
	DELETE FROM `SearchKeys` WHERE `Kind` = 'project' AND `ItemId` = old.`Id`;
END;
--> statement-breakpoint
CREATE TRIGGER `TR_SceneStates_Search_Insert` AFTER INSERT ON `SceneStates`
BEGIN
	INSERT INTO `SearchKeys` (`Kind`, `ItemId`) VALUES ('scene', new.`Id`);
	INSERT INTO `SceneSearch` (rowid, `ProjectId`, `ScriptText`)
	VALUES ((SELECT `DocId` FROM `SearchKeys` WHERE `Kind` = 'scene' AND `ItemId` = new.`Id`), new.`ProjectId`, new.`ScriptText`);
END;
--> statement-breakpoint
CREATE TRIGGER `TR_SceneStates_Search_Update` AFTER UPDATE OF `Id`, `ProjectId`, `ScriptText` ON `SceneStates`
BEGIN
	DELETE FROM `SceneSearch` WHERE rowid = (SELECT `DocId` FROM `SearchKeys` WHERE `Kind` = 'scene' AND `ItemId` = old.`Id`);
	DELETE FROM `SearchKeys` WHERE `Kind` = 'scene' AND `ItemId` = old.`Id`;
	INSERT INTO `SearchKeys` (`Kind`, `ItemId`) VALUES ('scene', new.`Id`);
	INSERT INTO `SceneSearch` (rowid, `ProjectId`, `ScriptText`)
	VALUES ((SELECT `DocId` FROM `SearchKeys` WHERE `Kind` = 'scene' AND `ItemId` = new.`Id`), new.`ProjectId`, new.`ScriptText`);
END;
--> statement-breakpoint
CREATE TRIGGER `TR_SceneStates_Search_Delete` AFTER DELETE ON `SceneStates`
BEGIN
	DELETE FROM `SceneSearch` WHERE rowid = (SELECT `DocId` FROM `SearchKeys` WHERE `Kind` = 'scene' AND `ItemId` = old.`Id`);
	DELETE FROM `SearchKeys` WHERE `Kind` = 'scene' AND `ItemId` = old.`Id`;
END;
--> statement-breakpoint
CREATE TRIGGER `TR_Templates_Search_Insert` AFTER INSERT ON `Templates`
BEGIN
	INSERT INTO `SearchKeys` (`Kind`, `ItemId`) VALUES ('template', new.`Id`);
	INSERT INTO `TemplateSearch` (rowid, `Name`, `Description`, `Tags`)
	VALUES ((SELECT `DocId` FROM `SearchKeys` WHERE `Kind` = 'template' AND `ItemId` = new.`Id`), new.`Name`, new.`Description`, new.`Tags`);
END;
--> statement-breakpoint
CREATE TRIGGER `TR_Templates_Search_Update` AFTER UPDATE OF `Id`, `Name`, `Description`, `Tags` ON `Templates`
BEGIN
	DELETE FROM `TemplateSearch` WHERE rowid = (SELECT `DocId` FROM `SearchKeys` WHERE `Kind` = 'template' AND `ItemId` = old.`Id`);
	DELETE FROM `SearchKeys` WHERE `Kind` = 'template' AND `ItemId` = old.`Id`;
	INSERT INTO `SearchKeys` (`Kind`, `ItemId`) VALUES ('template', new.`Id`);
	INSERT INTO `TemplateSearch` (rowid, `Name`, `Description`, `Tags`)
	VALUES ((SELECT `DocId` FROM `SearchKeys` WHERE `Kind` = 'template' AND `ItemId` = new.`Id`), new.`Name`, new.`Description`, new.`Tags`);
END;
--> statement-breakpoint
CREATE TRIGGER `TR_Templates_Search_Delete` AFTER DELETE ON `Templates`
BEGIN
	DELETE FROM `TemplateSearch` WHERE rowid = (SELECT `DocId` FROM `SearchKeys` WHERE `Kind` = 'template' AND `ItemId` = old.`Id`);
	DELETE FROM `SearchKeys` WHERE `Kind` = 'template' AND `ItemId` = old.`Id`;
END;
--> statement-breakpoint
CREATE TRIGGER `TR_CustomTemplates_Search_Insert` AFTER INSERT ON `CustomTemplates` WHEN new.`IsDeleted` = 0
BEGIN
	INSERT INTO `SearchKeys` (`Kind`, `ItemId`) VALUES ('customTemplate', new.`Id`);
	INSERT INTO `TemplateSearch` (rowid, `Name`, `Description`, `Tags`)
	VALUES ((SELECT `DocId` FROM `SearchKeys` WHERE `Kind` = 'customTemplate' AND `ItemId` = new.`Id`), new.`Name`, new.`Description`, new.`Tags`);
END;
--> statement-breakpoint
CREATE TRIGGER `TR_CustomTemplates_Search_Update` AFTER UPDATE OF `Id`, `Name`, `Description`, `Tags`, `IsDeleted` ON `CustomTemplates`
BEGIN
	DELETE FROM `TemplateSearch` WHERE rowid = (SELECT `DocId` FROM `SearchKeys` WHERE `Kind` = 'customTemplate' AND `ItemId` = old.`Id`);
	DELETE FROM `SearchKeys` WHERE `Kind` = 'customTemplate' AND `ItemId` = old.`Id`;
	INSERT INTO `SearchKeys` (`Kind`, `ItemId`) SELECT 'customTemplate', new.`Id` WHERE new.`IsDeleted` = 0;
	INSERT INTO `TemplateSearch` (rowid, `Name`, `Description`, `Tags`)
	SELECT `DocId`, new.`Name`, new.`Description`, new.`Tags` FROM `SearchKeys` WHERE `Kind` = 'customTemplate' AND `ItemId` = new.`Id`;
END;
--> statement-breakpoint
CREATE TRIGGER `TR_CustomTemplates_Search_Delete` AFTER DELETE ON `CustomTemplates`
BEGIN
	DELETE FROM `TemplateSearch` WHERE rowid = (SELECT `DocId` FROM `SearchKeys` WHERE `Kind` = 'customTemplate' AND `ItemId` = old.`Id`);
	DELETE FROM `SearchKeys` WHERE `Kind` = 'customTemplate' AND `ItemId` = old.`Id`;
END;
--> statement-breakpoint
INSERT INTO `SearchKeys` (`Kind`, `ItemId`) SELECT 'project', `Id` FROM `ProjectStates` WHERE `IsDeleted` = 0;
--> statement-breakpoint
INSERT INTO `ProjectSearch` (rowid, `Title`, `Description`)
SELECT k.`DocId`, p.`Title`, p.`Description` FROM `SearchKeys` k JOIN `ProjectStates` p ON p.`Id` = k.`ItemId` WHERE k.`Kind` = 'project';
--> statement-breakpoint
INSERT INTO `SearchKeys` (`Kind`, `ItemId`) SELECT 'scene', `Id` FROM `SceneStates`;
--> statement-breakpoint
INSERT INTO `SceneSearch` (rowid, `ProjectId`, `ScriptText`)
SELECT k.`DocId`, s.`ProjectId`, s.`ScriptText` FROM `SearchKeys` k JOIN `SceneStates` s ON s.`Id` = k.`ItemId` WHERE k.`Kind` = 'scene';
--> statement-breakpoint
INSERT INTO `SearchKeys` (`Kind`, `ItemId`) SELECT 'template', `Id` FROM `Templates`;
--> statement-breakpoint
INSERT INTO `SearchKeys` (`Kind`, `ItemId`) SELECT 'customTemplate', `Id` FROM `CustomTemplates` WHERE `IsDeleted` = 0;
--> statement-breakpoint
INSERT INTO `TemplateSearch` (rowid, `Name`, `Description`, `Tags`)
SELECT k.`DocId`, t.`Name`, t.`Description`, t.`Tags` FROM `SearchKeys` k JOIN `Templates` t ON t.`Id` = k.`ItemId` WHERE k.`Kind` = 'template'
UNION ALL
SELECT k.`DocId`, c.`Name`, c.`Description`, c.`Tags` FROM `SearchKeys` k JOIN `CustomTemplates` c ON c.`Id` = k.`ItemId` WHERE k.`Kind` = 'customTemplate';
