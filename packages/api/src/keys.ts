import { z } from 'zod';
import { uuidField } from './limits';

/** The RowVersion the caller read (optimistic concurrency); a stale one gets CONFLICT. */
export const rowVersionField = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/** `{ id, rowVersion }`: the key of every versioned write, written once. */
export const versionedKey = (what: string) =>
  z.object({ id: uuidField(`${what} id`), rowVersion: rowVersionField });
