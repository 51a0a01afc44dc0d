import { z } from 'zod';
import { EMAIL_MAX, PATH_MAX } from '../limits';

/**
 * legacy.import: the legacy database file (inside a media root, never one of the service's own
 * files: checked by the media guard), whether to only report, and who owns what is imported
 * (default: the calling admin).
 */
export const legacyImportInput = z.object({
  path: z.string().min(1, 'Path is required').max(PATH_MAX),
  /** Required, so a caller always says whether it means it: a dry run writes nothing. */
  dryRun: z.boolean(),
  ownerEmail: z.string().trim().toLowerCase().min(3).max(EMAIL_MAX).optional(),
});
export type LegacyImportInput = z.infer<typeof legacyImportInput>;
