import { actionLogSchema } from '@aura/db';
import { z } from 'zod';
import { LABEL_MAX, isoDateTimeField, uuidField } from '../limits';
import { PAGE_MAX_LIMIT, pageCursor } from '../paging';

/** Whose log: one's own when absent; another user's only for an admin. */
const userId = uuidField('User id').optional();
const isoDate = isoDateTimeField();

/** A user's actions, newest first, filtered by status, type and time. */
export const actionHistoryInput = z.object({
  userId,
  status: actionLogSchema.shape.status.optional(),
  actionType: actionLogSchema.shape.actionType.max(LABEL_MAX).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  cursor: pageCursor,
  limit: z.number().int().min(1).max(PAGE_MAX_LIMIT).default(50),
});

export const actionExportInput = z.object({ userId, format: z.enum(['json', 'csv']) });

export type ActionHistoryInput = z.output<typeof actionHistoryInput>;
export type ActionExportInput = z.output<typeof actionExportInput>;
