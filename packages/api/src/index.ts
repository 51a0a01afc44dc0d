/**
 * `@aura/api`: the router, its types, the server-side caller, the request context and the
 * first-start admin — what a host (the web app) needs to serve the API. The worker has
 * `@aura/api/worker`, other packages' tests `@aura/api/testing`, HTTP clients
 * `@aura/api/client`; the api's own tests import its modules directly.
 */
export {
  appRouter,
  createCaller,
  type AppRouter,
  type RouterInputs,
  type RouterOutputs,
} from './root';
export { createContext, createRequestContext, type CreateContextOptions } from './context';
export { logUnhandledError, toTRPCError, type Context } from './trpc';
export { ensureInitialAdmin, type Principal } from './auth/service';
export {
  openExportDownload,
  parseByteRange,
  type ByteRange,
  type ExportDownload,
} from './exports/download';
export { backupDownload, type BackupDownload } from './maintenance/backup-admin';
export { EXPORT_PATH, openExportArchive, type ExportArchive } from './privacy/export';
