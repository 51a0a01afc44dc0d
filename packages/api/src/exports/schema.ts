import { exportHistorySchema } from '@aura/db';
import { z } from 'zod';
import { decodedCursorField } from '../paging';
import { OUTPUT_FILE_MAX, PATH_MAX, isoDateTimeField, uuidField } from '../limits';
import { EXPORT_PRESET_NAMES } from './presets';

export const EXPORT_LIST_DEFAULT_LIMIT = 20;
export const EXPORT_LIST_MAX_LIMIT = 100;

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

/** Position after the last row of a page: its CreatedAt and Id. */
export interface ExportCursor {
  createdAt: string;
  id: string;
}

export function encodeExportCursor(cursor: ExportCursor): string {
  return Buffer.from(JSON.stringify(['exports', cursor.createdAt, cursor.id]), 'utf8').toString(
    'base64url',
  );
}

export function decodeExportCursor(value: string): ExportCursor | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 3 || parsed[0] !== 'exports') return null;
    const [, createdAt, id] = parsed as unknown[];
    if (typeof createdAt !== 'string' || typeof id !== 'string' || id.length === 0) return null;
    return { createdAt, id };
  } catch {
    return null;
  }
}

const instant = isoDateTimeField();

/** Export history, newest first; filters: status, CreatedAt range (both ends inclusive). */
export const exportListInput = z
  .object({
    limit: z.number().int().min(1).max(EXPORT_LIST_MAX_LIMIT).default(EXPORT_LIST_DEFAULT_LIMIT),
    cursor: decodedCursorField<ExportCursor>(decodeExportCursor),
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
