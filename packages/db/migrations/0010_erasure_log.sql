CREATE TABLE `ErasureLog` (
	`Id` text PRIMARY KEY NOT NULL,
	`SubjectHash` text NOT NULL,
	`Tombstone` text NOT NULL,
	`ErasedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`ErasedBy` text,
	`TransferredTo` text,
	`SummaryJson` text,
	`ReappliedAt` text,
	CONSTRAINT "CK_ErasureLog_SummaryJson_Json" CHECK("SummaryJson" IS NULL OR json_valid("SummaryJson"))
);
--> statement-breakpoint
CREATE INDEX `IX_ErasureLog_ErasedAt` ON `ErasureLog` (`ErasedAt`);--> statement-breakpoint
CREATE INDEX `IX_ErasureLog_SubjectHash` ON `ErasureLog` (`SubjectHash`);