import { adminProcedure, authedProcedure, router } from '../trpc';
import {
  storageAwaitingInput,
  storageCollectInput,
  storageHistoryInput,
  storageLargestInput,
} from './schema';
import {
  awaitingCollection,
  collectNow,
  largestHistories,
  storageHistory,
  storageSummary,
} from './service';

/** The content-addressed store for the dashboard: read by anyone signed in, collected by admins. */
export const storageRouter = router({
  /** Logical vs stored bytes, dedup ratio, blobs awaiting collection, database and WAL size. */
  summary: authedProcedure.query(({ ctx }) => storageSummary(ctx.db)),
  /** Logical vs stored bytes at the end of each recent day. */
  history: authedProcedure
    .input(storageHistoryInput)
    .query(({ ctx, input }) => storageHistory(ctx.db, input)),
  /** The projects with the largest version histories. */
  largest: authedProcedure
    .input(storageLargestInput)
    .query(({ ctx, input }) => largestHistories(ctx.db, input)),
  /** Blobs no version references, each with the end of its grace period. */
  awaiting: authedProcedure
    .input(storageAwaitingInput)
    .query(({ ctx, input }) => awaitingCollection(ctx.db, input)),
  /** Collects what is past the grace period now; a dry run (default) only lists it. */
  collect: adminProcedure
    .input(storageCollectInput)
    .mutation(({ ctx, input }) => collectNow(ctx.db, input)),
});
