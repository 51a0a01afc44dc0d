import { index, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { SQL_NOW, jsonOrNull, uuidPk } from './columns';

/**
 * Every "forget a user" (not in the seed; issue 13), kept so that a restore of an older backup can
 * erase the same person again. It holds no personal data: the user is named only by
 * SubjectHash, the SHA-256 of their (random) id, which finds their row in a restored backup but
 * cannot be turned back into the id; Tombstone is the opaque value that replaced their identity.
 * Rows are only added, never edited or undone.
 */
export const erasureLog = sqliteTable(
  'ErasureLog',
  {
    id: uuidPk(),
    subjectHash: text('SubjectHash').notNull(),
    /** What CreatedBy/ModifiedBy/UserId… of the rows that stay now hold instead of the id. */
    tombstone: text('Tombstone').notNull(),
    erasedAt: text('ErasedAt').notNull().default(SQL_NOW),
    /** The admin who asked (a user id, or the tombstone of an admin forgotten since), or 'cli'. */
    erasedBy: text('ErasedBy'),
    /** The user who received the content, when it was transferred rather than deleted. */
    transferredTo: text('TransferredTo'),
    /** Counts of what went, as a JSON object. */
    summaryJson: text('SummaryJson'),
    /** Set when a restore applied this erasure again to an older backup (this copy's row). */
    reappliedAt: text('ReappliedAt'),
  },
  (t) => [
    index('IX_ErasureLog_ErasedAt').on(t.erasedAt),
    index('IX_ErasureLog_SubjectHash').on(t.subjectHash),
    jsonOrNull('ErasureLog', 'SummaryJson'),
  ],
);
