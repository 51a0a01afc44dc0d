/**
 * `@aura/api/worker`: what the worker process needs of the domain — claiming and finishing
 * exports, the FFmpeg settings, the maintenance jobs and their settings, the heartbeat. The
 * worker acts on the data only through these services, so the rules stay in one place.
 */
export { getHealth } from './health/service';
export { checkFfmpeg, getSystemConfiguration } from './system/service';
export { markWorkerStopped, recordWorkerHeartbeat } from './worker/service';
export { recordJobRun } from './worker/runs';
export { checkIntegrity } from './health/integrity';
export {
  claimNextExport,
  completeExport,
  exportStatus,
  exportTempFile,
  exportTempFilePrefix,
  failExport,
  releaseLease,
  renewLease,
  reportProgress,
} from './exports/jobs';
export {
  realOutputDirectory as exportRealOutputDirectory,
  resolveInputFile as resolveExportInputFile,
  resolveOutputFile as resolveExportOutputFile,
} from './exports/service';
export { ffmpegArgs, getExportPreset } from './exports/presets';
export { backupSchedule, runScheduledBackup } from './maintenance/backups';
export {
  cleanupCheckpoints,
  cleanupExportHistory,
  cleanupTemporaryAssets,
  collectUnreferencedBlobs,
  expireActionLogs,
  flagStaleProjects,
  mergeSearchIndex,
  pruneAllAutosaves,
  purgeSoftDeleted,
} from './maintenance/cleanup';
export { readMaintenanceSettings, type MaintenanceSettings } from './maintenance/settings';
