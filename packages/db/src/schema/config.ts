import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { auditColumns, bool, jsonOrNull, oneOf, rowVersionColumn, uuidPk } from './columns';
import { CONFIG_VALUE_TYPES } from './enums';

/** Each user's first-run wizard status (seed table 7). */
export const userSetups = sqliteTable(
  'UserSetups',
  {
    id: uuidPk(),
    userId: text('UserId').notNull(),
    completed: bool('Completed').notNull().default(false),
    completedAt: text('CompletedAt'),
    version: text('Version'),
    lastStep: integer('LastStep').notNull().default(0),
    selectedTier: text('SelectedTier'),
    wizardState: text('WizardState'),
    ...auditColumns(),
    ...rowVersionColumn(),
  },
  (t) => [
    uniqueIndex('IX_UserSetups_UserId').on(t.userId),
    index('IX_UserSetups_Completed').on(t.completed),
    index('IX_UserSetups_UpdatedAt').on(t.updatedAt),
    check('CK_UserSetups_LastStep', sql`"LastStep" >= 0`),
    jsonOrNull('UserSetups', 'WizardState'),
  ],
);

/** System-wide settings: exactly one row, Id 1 (seed table 8). */
export const systemConfiguration = sqliteTable(
  'SystemConfiguration',
  {
    id: integer('Id').primaryKey(),
    isSetupComplete: bool('IsSetupComplete').notNull().default(false),
    ffmpegPath: text('FFmpegPath'),
    outputDirectory: text('OutputDirectory').notNull(),
    ...auditColumns(),
    ...rowVersionColumn(),
  },
  () => [check('CK_SystemConfiguration_SingleRow', sql`"Id" = 1`)],
);

/** Key-value settings grouped by category (seed table 9). */
export const configurations = sqliteTable(
  'Configurations',
  {
    key: text('Key').primaryKey(),
    value: text('Value').notNull(),
    category: text('Category').notNull(),
    valueType: text('ValueType', { enum: CONFIG_VALUE_TYPES }).notNull(),
    description: text('Description'),
    isSensitive: bool('IsSensitive').notNull().default(false),
    version: integer('Version').notNull().default(1),
    isActive: bool('IsActive').notNull().default(true),
    ...auditColumns(),
    ...rowVersionColumn(),
  },
  (t) => [
    index('IX_Configurations_Category').on(t.category),
    index('IX_Configurations_IsSensitive').on(t.isSensitive),
    index('IX_Configurations_IsActive').on(t.isActive),
    index('IX_Configurations_UpdatedAt').on(t.updatedAt),
    index('IX_Configurations_Category_IsActive').on(t.category, t.isActive),
    index('IX_Configurations_Category_UpdatedAt').on(t.category, t.updatedAt),
    index('IX_Configurations_Category_Key').on(t.category, t.key),
    oneOf('Configurations', 'ValueType', CONFIG_VALUE_TYPES),
  ],
);
