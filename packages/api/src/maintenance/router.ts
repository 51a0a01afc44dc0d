import { adminProcedure, authedProcedure, router } from '../trpc';
import { backupSchedule, listBackupRuns, runScheduledBackup } from './backups';
import { backupListInput } from './schema';

/** Backups for the dashboard: the recorded runs, the schedule, and a manual run (admins). */
export const backupsRouter = router({
  /** Recorded runs, newest first: `{ items, nextCursor }`. */
  list: authedProcedure
    .input(backupListInput)
    .query(({ ctx, input }) => listBackupRuns(ctx.db, input)),
  /** Whether a scheduled backup is due, and when the next one is. */
  schedule: authedProcedure.query(({ ctx }) => backupSchedule(ctx.db)),
  /**
   * Takes a backup now (into AURA_BACKUP_DIR, rotated to Backup.Keep) and returns its BackupRuns
   * row; a failed backup is a row with status Failed and the reason, not an error.
   */
  run: adminProcedure.mutation(({ ctx }) =>
    runScheduledBackup(ctx.db, { trigger: 'Manual', actor: ctx.actor }),
  ),
});
