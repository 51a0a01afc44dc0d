import { adminProcedure, authedProcedure, router } from '../trpc';
import { backupSettings, restoreSteps, updateBackupSettings } from './backup-admin';
import { backupSchedule, listBackupRuns, runScheduledBackup } from './backups';
import { backupListInput, backupScheduleUpdateInput } from './schema';

/** Backups for the dashboard: the recorded runs, the schedule, and a manual run (admins). */
export const backupsRouter = router({
  /** Recorded runs, newest first: `{ items, nextCursor }`. */
  list: authedProcedure
    .input(backupListInput)
    .query(({ ctx, input }) => listBackupRuns(ctx.db, input)),
  /** Whether a scheduled backup is due, and when the next one is. */
  schedule: authedProcedure.query(({ ctx }) => backupSchedule(ctx.db)),
  /** The interval and keep count with the RowVersions to change them (setSchedule). */
  settings: authedProcedure.query(({ ctx }) => backupSettings(ctx.db)),
  /** Changes the interval and/or keep count (validated; a stale RowVersion is CONFLICT). */
  setSchedule: adminProcedure
    .input(backupScheduleUpdateInput)
    .mutation(({ ctx, input }) => updateBackupSettings(ctx.db, ctx.actor, input)),
  /** This installation's restore procedure (a CLI step while the server is stopped); paths: admins. */
  restoreSteps: adminProcedure.query(({ ctx }) => restoreSteps(ctx.db)),
  /**
   * Takes a backup now (into AURA_BACKUP_DIR, rotated to Backup.Keep) and returns its BackupRuns
   * row; a failed backup is a row with status Failed and the reason, not an error.
   */
  run: adminProcedure.mutation(({ ctx }) =>
    runScheduledBackup(ctx.db, { trigger: 'Manual', actor: ctx.actor }),
  ),
});
