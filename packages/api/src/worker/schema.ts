import { z } from 'zod';
import { LABEL_MAX } from '../limits';
import { pageCursor, pageLimit } from '../paging';

/** One job's recorded runs, newest first. */
export const jobRunsInput = z.object({
  job: z.string().trim().min(1, 'Name the job').max(LABEL_MAX),
  limit: pageLimit,
  cursor: pageCursor,
});

export type JobRunsQuery = z.output<typeof jobRunsInput>;
