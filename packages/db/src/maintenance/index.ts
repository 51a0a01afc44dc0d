export {
  DEFAULT_BACKUP_KEEP,
  DEFAULT_BACKUP_PREFIX,
  backupDatabase,
  listBackups,
  type BackupInfo,
  type BackupOptions,
  type BackupResult,
} from './backup';
export {
  IN_USE_MESSAGE,
  PRE_RESTORE_PREFIX,
  checkRestorable,
  isDatabaseInUse,
  restoreDatabase,
  type RestorableBackup,
  type RestoreOptions,
  type RestoreResult,
} from './restore';
export {
  DEFAULT_CHECKS,
  MAX_DETAILS,
  assertDatabaseVerified,
  foreignKeyCheck,
  formatVerifyReport,
  integrityCheck,
  migrationsCheck,
  schemaCheck,
  verifyDatabase,
  type CheckResult,
  type DatabaseCheck,
  type VerifyContext,
  type VerifyOptions,
  type VerifyResult,
} from './verify';
export { SQLITE_SIDECARS, assertNotLiveDatabaseFile, isLiveDatabaseFile } from './sqlite-file';
