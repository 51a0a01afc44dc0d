CREATE TABLE `ApiTokens` (
	`Id` text PRIMARY KEY NOT NULL,
	`UserId` text NOT NULL,
	`Name` text NOT NULL,
	`TokenPrefix` text NOT NULL,
	`TokenHash` text NOT NULL,
	`ExpiresAt` text NOT NULL,
	`LastUsedAt` text,
	`RevokedAt` text,
	`RevokedBy` text,
	`CreatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`UpdatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`CreatedBy` text,
	`ModifiedBy` text,
	`RowVersion` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`UserId`) REFERENCES `Users`(`Id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `IX_ApiTokens_TokenHash` ON `ApiTokens` (`TokenHash`);--> statement-breakpoint
CREATE INDEX `IX_ApiTokens_UserId` ON `ApiTokens` (`UserId`);--> statement-breakpoint
CREATE TABLE `Sessions` (
	`Id` text PRIMARY KEY NOT NULL,
	`UserId` text NOT NULL,
	`TokenHash` text NOT NULL,
	`ExpiresAt` text NOT NULL,
	`LastSeenAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`UserAgent` text,
	`CreatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`UserId`) REFERENCES `Users`(`Id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `IX_Sessions_TokenHash` ON `Sessions` (`TokenHash`);--> statement-breakpoint
CREATE INDEX `IX_Sessions_UserId` ON `Sessions` (`UserId`);--> statement-breakpoint
CREATE INDEX `IX_Sessions_ExpiresAt` ON `Sessions` (`ExpiresAt`);--> statement-breakpoint
CREATE TABLE `TemplateRatings` (
	`TemplateId` text NOT NULL,
	`UserId` text NOT NULL,
	`Rating` integer NOT NULL,
	`CreatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`UpdatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`CreatedBy` text,
	`ModifiedBy` text,
	`RowVersion` integer DEFAULT 1 NOT NULL,
	PRIMARY KEY(`TemplateId`, `UserId`),
	FOREIGN KEY (`TemplateId`) REFERENCES `Templates`(`Id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "CK_TemplateRatings_Rating" CHECK("Rating" BETWEEN 1 AND 5)
);
--> statement-breakpoint
CREATE INDEX `IX_TemplateRatings_UserId` ON `TemplateRatings` (`UserId`);--> statement-breakpoint
CREATE TABLE `Users` (
	`Id` text PRIMARY KEY NOT NULL,
	`Email` text NOT NULL,
	`DisplayName` text NOT NULL,
	`Role` text NOT NULL,
	`PasswordHash` text NOT NULL,
	`IsActive` integer DEFAULT true NOT NULL,
	`LastLoginAt` text,
	`CreatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`UpdatedAt` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`CreatedBy` text,
	`ModifiedBy` text,
	`RowVersion` integer DEFAULT 1 NOT NULL,
	CONSTRAINT "CK_Users_Role" CHECK("Role" IN ('admin', 'editor', 'viewer'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `IX_Users_Email` ON `Users` (`Email`);--> statement-breakpoint
CREATE INDEX `IX_Users_Role` ON `Users` (`Role`);