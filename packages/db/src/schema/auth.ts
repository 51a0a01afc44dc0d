import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';
import { SQL_NOW, auditColumns, bool, oneOf, rowVersionColumn, uuidPk } from './columns';
import { USER_ROLES } from './enums';
import { templates } from './templates';

/**
 * Who may call the API (not in the seed: the original had no users). Credentials are never
 * stored in the clear: passwords as scrypt hashes, session and API tokens as SHA-256 hashes.
 */
export const users = sqliteTable(
  'Users',
  {
    id: uuidPk(),
    /** Lower-cased; the login name. */
    email: text('Email').notNull(),
    displayName: text('DisplayName').notNull(),
    role: text('Role', { enum: USER_ROLES }).notNull(),
    passwordHash: text('PasswordHash').notNull(),
    isActive: bool('IsActive').notNull().default(true),
    lastLoginAt: text('LastLoginAt'),
    ...auditColumns(),
    ...rowVersionColumn(),
  },
  (t) => [
    uniqueIndex('IX_Users_Email').on(t.email),
    index('IX_Users_Role').on(t.role),
    oneOf('Users', 'Role', USER_ROLES),
  ],
);

/** Dashboard login sessions; the cookie holds the token, the row its hash. */
export const sessions = sqliteTable(
  'Sessions',
  {
    id: uuidPk(),
    userId: text('UserId')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('TokenHash').notNull(),
    expiresAt: text('ExpiresAt').notNull(),
    lastSeenAt: text('LastSeenAt').notNull().default(SQL_NOW),
    userAgent: text('UserAgent'),
    createdAt: text('CreatedAt').notNull().default(SQL_NOW),
  },
  (t) => [
    uniqueIndex('IX_Sessions_TokenHash').on(t.tokenHash),
    index('IX_Sessions_UserId').on(t.userId),
    index('IX_Sessions_ExpiresAt').on(t.expiresAt),
  ],
);

/** Personal API tokens for sibling apps: named, expiring, revocable, shown once. */
export const apiTokens = sqliteTable(
  'ApiTokens',
  {
    id: uuidPk(),
    userId: text('UserId')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('Name').notNull(),
    /** The first characters of the token, to recognise it in a list. */
    tokenPrefix: text('TokenPrefix').notNull(),
    tokenHash: text('TokenHash').notNull(),
    expiresAt: text('ExpiresAt').notNull(),
    lastUsedAt: text('LastUsedAt'),
    revokedAt: text('RevokedAt'),
    revokedBy: text('RevokedBy'),
    ...auditColumns(),
    ...rowVersionColumn(),
  },
  (t) => [
    uniqueIndex('IX_ApiTokens_TokenHash').on(t.tokenHash),
    index('IX_ApiTokens_UserId').on(t.userId),
  ],
);

/** One rating per user and template; Templates.Rating/RatingCount are kept exact from these. */
export const templateRatings = sqliteTable(
  'TemplateRatings',
  {
    templateId: text('TemplateId')
      .notNull()
      .references(() => templates.id, { onDelete: 'cascade' }),
    userId: text('UserId').notNull(),
    rating: integer('Rating').notNull(),
    ...auditColumns(),
    ...rowVersionColumn(),
  },
  (t) => [
    primaryKey({ name: 'PK_TemplateRatings', columns: [t.templateId, t.userId] }),
    index('IX_TemplateRatings_UserId').on(t.userId),
    check('CK_TemplateRatings_Rating', sql`"Rating" BETWEEN 1 AND 5`),
  ],
);
