export {
  appRouter,
  createCaller,
  type AppRouter,
  type RouterInputs,
  type RouterOutputs,
} from './root';
export {
  createContext,
  createRequestContext,
  principalFromHeaders,
  readCookie,
  type CreateContextOptions,
} from './context';
export * from './auth/service';
export { generatePassword, hashPassword, verifyPassword } from './auth/crypto';
export {
  adminProcedure,
  authedProcedure,
  createCallerFactory,
  editorProcedure,
  logUnhandledError,
  publicProcedure,
  router,
  type Context,
} from './trpc';
export { getHealth, type HealthReport } from './health/service';
export {
  markWorkerStopped,
  recordWorkerHeartbeat,
  workerStatus,
  type WorkerHeartbeat,
  type WorkerJobState,
  type WorkerStatus,
} from './worker/service';
export {
  buildProjectListQuery,
  likeContains,
  listProjects,
  projectListColumns,
  type ProjectListItem,
  type ProjectListPage,
} from './projects/service';
export {
  PROJECT_LIST_DEFAULT_LIMIT,
  PROJECT_LIST_MAX_LIMIT,
  PROJECT_SORTS,
  decodeProjectCursor,
  encodeProjectCursor,
  projectListInput,
  type ProjectCursor,
  type ProjectListInput,
  type ProjectListQuery,
  type ProjectSort,
} from './projects/schema';
