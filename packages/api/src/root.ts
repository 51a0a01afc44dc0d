import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { authRouter, usersRouter } from './auth/router';
import { healthRouter } from './health/router';
import { projectsRouter } from './projects/router';
import { assetsRouter } from './assets/router';
import { checkpointsRouter, recoveryRouter } from './checkpoints/router';
import { scenesRouter } from './scenes/router';
import { configRouter } from './config/router';
import { setupRouter } from './setup/router';
import { systemRouter } from './system/router';
import { workerRouter } from './worker/router';
import { templatesRouter } from './templates/router';
import { customTemplatesRouter } from './customTemplates/router';
import { exportsRouter } from './exports/router';
import { createCallerFactory, router } from './trpc';
import { versionsRouter } from './versions/router';
import { trashRouter } from './trash/router';
import { actionsRouter } from './actions/router';
import { backupsRouter } from './maintenance/router';
import { legacyRouter } from './legacy/router';
import { searchRouter } from './search/router';
import { storageRouter } from './storage/router';
import { liveRouter } from './live/router';

export const appRouter = router({
  templates: templatesRouter,
  customTemplates: customTemplatesRouter,
  exports: exportsRouter,
  auth: authRouter,
  users: usersRouter,
  health: healthRouter,
  projects: projectsRouter,
  scenes: scenesRouter,
  assets: assetsRouter,
  checkpoints: checkpointsRouter,
  recovery: recoveryRouter,
  worker: workerRouter,
  versions: versionsRouter,
  trash: trashRouter,
  actions: actionsRouter,
  setup: setupRouter,
  system: systemRouter,
  config: configRouter,
  backups: backupsRouter,
  legacy: legacyRouter,
  search: searchRouter,
  storage: storageRouter,
  live: liveRouter,
});

export type AppRouter = typeof appRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/** Server-side calls without HTTP: `createCaller(createContext({ db })).projects.list({})`. */
export const createCaller = createCallerFactory(appRouter);
