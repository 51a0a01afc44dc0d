import { systemConfigurationSchema } from '@aura/db';
import { z } from 'zod';
import { rowVersionField } from '../keys';
import { PATH_MAX } from '../limits';

/**
 * system.update: the fields an admin may change, with the RowVersion read. Omitted fields stay
 * as they are; `ffmpegPath: null` clears it. IsSetupComplete is set by completing an admin's
 * setup, not here.
 */
export const systemUpdateInput = z.object({
  rowVersion: rowVersionField,
  ffmpegPath: systemConfigurationSchema.shape.ffmpegPath
    .unwrap()
    .trim()
    .min(1, 'Give the path of the ffmpeg executable, or null to clear it')
    .max(PATH_MAX)
    .nullable()
    .optional(),
  outputDirectory: systemConfigurationSchema.shape.outputDirectory
    .trim()
    .min(1, 'Output directory is required')
    .max(PATH_MAX)
    .optional(),
});

export type SystemUpdateInput = z.output<typeof systemUpdateInput>;

/** system.testFfmpeg: a path to try before saving it; absent: the saved one, else `ffmpeg` on PATH. */
export const systemTestFfmpegInput = z
  .object({
    ffmpegPath: z.string().trim().min(1).max(PATH_MAX).nullish(),
  })
  .prefault({});
