import { z } from 'zod';
import { EMAIL_MAX, uuidField } from '../limits';

/** users.exportData: the caller's own data, or (admins) another user's. */
export const exportDataInput = z.object({ userId: uuidField('User id').optional() }).optional();

/** users.forget: whom, to whom their content goes (else it is deleted), and the confirmation. */
export const forgetInput = z.object({
  userId: uuidField('User id'),
  transferTo: uuidField('Transfer target').optional(),
  /** The user's email typed again; required unless this is a dry run. */
  confirmation: z.string().max(EMAIL_MAX).optional(),
  /** Lists what would go, changing nothing. */
  dryRun: z.boolean().default(false),
});

export type ExportDataInput = z.output<typeof exportDataInput>;
export type ForgetInput = z.output<typeof forgetInput>;
