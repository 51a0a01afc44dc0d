import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';
import {
  auditColumns,
  bool,
  jsonOrNull,
  rowVersionColumn,
  softDeleteColumns,
  uuidPk,
} from './columns';

/** System and community project templates (seed table 10). */
export const templates = sqliteTable(
  'Templates',
  {
    id: uuidPk(),
    name: text('Name').notNull(),
    description: text('Description').notNull(),
    category: text('Category').notNull(),
    subCategory: text('SubCategory').notNull().default(''),
    previewImage: text('PreviewImage').notNull().default(''),
    previewVideo: text('PreviewVideo').notNull().default(''),
    /** Comma-separated. */
    tags: text('Tags').notNull().default(''),
    templateData: text('TemplateData').notNull(),
    author: text('Author').notNull(),
    isSystemTemplate: bool('IsSystemTemplate').notNull().default(false),
    isCommunityTemplate: bool('IsCommunityTemplate').notNull().default(false),
    usageCount: integer('UsageCount').notNull().default(0),
    rating: real('Rating').notNull().default(0),
    ratingCount: integer('RatingCount').notNull().default(0),
    ...auditColumns(),
    ...rowVersionColumn(),
  },
  (t) => [
    index('IX_Templates_Category').on(t.category),
    index('IX_Templates_IsSystemTemplate').on(t.isSystemTemplate),
    index('IX_Templates_IsCommunityTemplate').on(t.isCommunityTemplate),
    index('IX_Templates_Category_SubCategory').on(t.category, t.subCategory),
    index('IX_Templates_Category_Name_Id').on(t.category, t.name, t.id),
    check('CK_Templates_TemplateData_Json', sql`json_valid("TemplateData")`),
    check('CK_Templates_Rating', sql`"Rating" BETWEEN 0 AND 5`),
    check('CK_Templates_Counts', sql`"UsageCount" >= 0 AND "RatingCount" >= 0`),
  ],
);

/** Templates users made themselves (seed table 11). */
export const customTemplates = sqliteTable(
  'CustomTemplates',
  {
    id: uuidPk(),
    name: text('Name').notNull(),
    description: text('Description').notNull().default(''),
    category: text('Category').notNull(),
    /** Comma-separated. */
    tags: text('Tags').notNull().default(''),
    author: text('Author').notNull(),
    isDefault: bool('IsDefault').notNull().default(false),
    scriptStructureJson: text('ScriptStructureJson'),
    videoStructureJson: text('VideoStructureJson'),
    llmPipelineJson: text('LLMPipelineJson'),
    visualPreferencesJson: text('VisualPreferencesJson'),
    ...auditColumns(),
    ...softDeleteColumns(),
    ...rowVersionColumn(),
  },
  (t) => [
    index('IX_CustomTemplates_Category').on(t.category),
    index('IX_CustomTemplates_IsDefault').on(t.isDefault),
    index('IX_CustomTemplates_CreatedAt').on(t.createdAt),
    index('IX_CustomTemplates_Category_CreatedAt').on(t.category, t.createdAt),
    index('IX_CustomTemplates_IsDeleted').on(t.isDeleted),
    index('IX_CustomTemplates_IsDeleted_DeletedAt').on(t.isDeleted, t.deletedAt),
    index('IX_CustomTemplates_IsDeleted_CreatedAt_Id').on(t.isDeleted, t.createdAt, t.id),
    index('IX_CustomTemplates_IsDeleted_Category_CreatedAt_Id').on(
      t.isDeleted,
      t.category,
      t.createdAt,
      t.id,
    ),
    index('IX_CustomTemplates_IsDeleted_DeletedAt_Id').on(t.isDeleted, t.deletedAt, t.id),
    // A user's own templates (personal-data export, forgetting a user).
    index('IX_CustomTemplates_CreatedBy_Id').on(t.createdBy, t.id),
    // One default per category among live templates, enforced by the database itself.
    uniqueIndex('UX_CustomTemplates_Category_Default')
      .on(t.category)
      .where(sql`${t.isDefault} = 1 AND ${t.isDeleted} = 0`),
    jsonOrNull('CustomTemplates', 'ScriptStructureJson'),
    jsonOrNull('CustomTemplates', 'VideoStructureJson'),
    jsonOrNull('CustomTemplates', 'LLMPipelineJson'),
    jsonOrNull('CustomTemplates', 'VisualPreferencesJson'),
  ],
);
