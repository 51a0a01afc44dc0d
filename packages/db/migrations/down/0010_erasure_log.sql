-- Down script for 0010_erasure_log: drops the erasure log and its indexes.
DROP INDEX IF EXISTS `IX_ErasureLog_SubjectHash`;
--> statement-breakpoint
DROP INDEX IF EXISTS `IX_ErasureLog_ErasedAt`;
--> statement-breakpoint
DROP TABLE IF EXISTS `ErasureLog`;
