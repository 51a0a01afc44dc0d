import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { authRouter, usersRouter } from './auth/router';
import { healthRouter } from './health/router';
import { projectsRouter } from './projects/router';
import { workerRouter } from './worker/router';
import { createCallerFactory, router } from './trpc';

export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  health: healthRouter,
  projects: projectsRouter,
  worker: workerRouter,
});

export type AppRouter = typeof appRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/** Server-side calls without HTTP: `createCaller(createContext({ db })).projects.list({})`. */
export const createCaller = createCallerFactory(appRouter);
