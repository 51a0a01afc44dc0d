import { exportHistorySchema } from '@aura/db';
import { z } from 'zod';
import { PAGE_DEFAULT_LIMIT, PAGE_MAX_LIMIT, pageCursor, pageLimit } from '../paging';
import { OUTPUT_FILE_MAX, PATH_MAX, isoDateTimeField, uuidField } from '../limits';
import { EXPORT_PRESET_NAMES } from './presets';

export const EXPORT_LIST_DEFAULT_LIMIT = PAGE_DEFAULT_LIMIT;
export const EXPORT_LIST_MAX_LIMIT = PAGE_MAX_LIMIT;

/** A path as clients send it: no NUL byte (the OS would cut it there). */
const pathString = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'A path is required')
    .max(max)
    .refine((value) => !value.includes('\0'), 'A path cannot contain a NUL byte');

export const exportEnqueueInput = z.object({
  presetName: z.enum(EXPORT_PRESET_NAMES, {
    error: () => `Unknown preset; one of: ${EXPORT_PRESET_NAMES.join(', ')}`,
  }),
  /** Absolute path of an existing file under the allowed media roots. */
  inputFile: pathString(PATH_MAX),
  /** Relative path inside the output directory; the preset's extension is added if missing. */
  outputFile: pathString(OUTPUT_FILE_MAX),
});
export type ExportEnqueueInput = z.output<typeof exportEnqueueInput>;

export const exportIdInput = z.object({ id: uuidField('Export id') });

const instant = isoDateTimeField();

/** Export history, newest first; filters: status, CreatedAt range (both ends inclusive). */
export const exportListInput = z
  .object({
    limit: pageLimit,
    cursor: pageCursor,
    status: exportHistorySchema.shape.status.optional(),
    createdFrom: instant.optional(),
    createdTo: instant.optional(),
  })
  .superRefine((value, ctx) => {
    if (value.createdFrom && value.createdTo && value.createdFrom > value.createdTo) {
      ctx.addIssue({
        code: 'custom',
        path: ['createdTo'],
        message: 'createdTo is before createdFrom',
      });
    }
  })
  .prefault({});
export type ExportListInput = z.input<typeof exportListInput>;
export type ExportListQuery = z.output<typeof exportListInput>;
