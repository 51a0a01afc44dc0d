import { adminProcedure, authedProcedure, editorProcedure, router } from '../trpc';
import {
  configDeactivateInput,
  configGetInput,
  configHistoryInput,
  configListInput,
  configRevealInput,
  configSetInput,
} from './schema';
import {
  configHistory,
  deactivateConfig,
  getConfig,
  listConfig,
  listConfigCategories,
  revealConfig,
  setConfig,
} from './service';

/**
 * Key-value settings. Sensitive values are redacted everywhere but the admin's `reveal`. Editors
 * write user-level keys; installation-wide ones (Retention, Backup, System) are admin-only, checked
 * by the service against the row's category as stored and as requested.
 */
export const configRouter = router({
  get: authedProcedure.input(configGetInput).query(({ ctx, input }) => getConfig(ctx.db, input)),
  /** One category, ordered by Key, one page at a time: `{ items, nextCursor }`. */
  list: authedProcedure.input(configListInput).query(({ ctx, input }) => listConfig(ctx.db, input)),
  /** The categories that have keys, with their active and inactive counts. */
  categories: authedProcedure.query(({ ctx }) => listConfigCategories(ctx.db)),
  set: editorProcedure
    .input(configSetInput)
    .mutation(({ ctx, input }) =>
      setConfig(ctx.db, ctx.actor, input, { role: ctx.principal.role }),
    ),
  deactivate: editorProcedure
    .input(configDeactivateInput)
    .mutation(({ ctx, input }) =>
      deactivateConfig(ctx.db, ctx.actor, input, { role: ctx.principal.role }),
    ),
  /**
   * A mutation, not a query: never a cacheable GET. Each reveal is written to the action log
   * (config.reveal) with who revealed what, never the value.
   */
  reveal: adminProcedure
    .input(configRevealInput)
    .mutation(({ ctx, input }) => revealConfig(ctx.db, input, { actor: ctx.actor })),
  /** One key's changes, deactivations and reveals from the action log, newest first. */
  history: authedProcedure
    .input(configHistoryInput)
    .query(({ ctx, input }) => configHistory(ctx.db, input)),
});
