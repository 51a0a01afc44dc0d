ALTER TABLE `ActionLogs` ADD `ProjectId` text;--> statement-breakpoint
CREATE INDEX `IX_ActionLogs_ProjectId_Timestamp_Id` ON `ActionLogs` (`ProjectId`,`Timestamp`,`Id`);--> statement-breakpoint
-- Existing entries: the project of the first affected row that still exists (a project, or a
-- scene, asset or version of one). Ids are UUIDs or setting keys, so the comma list is turned
-- into a JSON array only when it holds no quote or backslash.
UPDATE `ActionLogs` SET `ProjectId` = (
  SELECT COALESCE(p.`Id`, s.`ProjectId`, a.`ProjectId`, v.`ProjectId`)
  FROM json_each('["' || replace(`ActionLogs`.`AffectedResourceIds`, ',', '","') || '"]') AS j
  LEFT JOIN `ProjectStates` AS p ON p.`Id` = j.value
  LEFT JOIN `SceneStates` AS s ON s.`Id` = j.value
  LEFT JOIN `AssetStates` AS a ON a.`Id` = j.value
  LEFT JOIN `ProjectVersions` AS v ON v.`Id` = j.value
  WHERE COALESCE(p.`Id`, s.`ProjectId`, a.`ProjectId`, v.`ProjectId`) IS NOT NULL
  ORDER BY j.key
  LIMIT 1
)
WHERE `AffectedResourceIds` IS NOT NULL AND `AffectedResourceIds` <> ''
  AND instr(`AffectedResourceIds`, '"') = 0 AND instr(`AffectedResourceIds`, '\') = 0;
