-- Down script for 0003_project_version_counter.
ALTER TABLE `ProjectStates` DROP COLUMN `LastVersionNumber`;
