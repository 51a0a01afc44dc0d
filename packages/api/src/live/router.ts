import { RateLimitError, type Sqlite } from '@aura/db';
import { authedProcedure, router } from '../trpc';
import { changeFeedFor, type LiveEvent } from './feed';

/** Open subscriptions one principal may hold (about one per browser tab). */
export const LIVE_MAX_PER_PRINCIPAL = 16;
/** Open subscriptions the whole process serves. */
export const LIVE_MAX_TOTAL = 1000;

/** A positive integer from the environment, else the default (read at each call: tests set it). */
function limitFromEnv(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

export function liveLimits(): { perPrincipal: number; total: number } {
  return {
    perPrincipal: limitFromEnv('AURA_LIVE_MAX_PER_USER', LIVE_MAX_PER_PRINCIPAL),
    total: limitFromEnv('AURA_LIVE_MAX_TOTAL', LIVE_MAX_TOTAL),
  };
}

/** Open subscriptions per principal and in total. */
const open = new Map<string, number>();
let openTotal = 0;

export function openSubscriptions(): { total: number; principals: number } {
  return { total: openTotal, principals: open.size };
}

/** TOO_MANY_REQUESTS (through the error table of trpc.ts) beyond either cap. */
function refusal(principalId: string): RateLimitError | null {
  const { perPrincipal, total } = liveLimits();
  if ((open.get(principalId) ?? 0) >= perPrincipal) {
    return new RateLimitError(
      `At most ${perPrincipal} live connections per user are open at once; close another tab or window`,
    );
  }
  if (openTotal >= total) {
    return new RateLimitError(
      `The server already serves ${total} live connections; try again later`,
    );
  }
  return null;
}

/** Takes a slot; the returned function gives it back (once). */
function acquire(principalId: string): () => void {
  const error = refusal(principalId);
  if (error) throw error;
  open.set(principalId, (open.get(principalId) ?? 0) + 1);
  openTotal += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    openTotal -= 1;
    const left = (open.get(principalId) ?? 1) - 1;
    if (left > 0) open.set(principalId, left);
    else open.delete(principalId);
  };
}

/** Two events not yet sent become one: the topics of both, the newer progress. */
function merge(pending: LiveEvent | null, event: LiveEvent): LiveEvent {
  if (!pending) return event;
  const topics = [...new Set([...pending.topics, ...event.topics])];
  const merged: LiveEvent = { topics, at: event.at };
  const exports = event.exports ?? pending.exports;
  if (exports) merged.exports = exports;
  return merged;
}

/**
 * One subscriber's events. Its slot is taken when the stream starts (an iterable never read
 * holds none) and given back when it ends, however it ends. Events the client has not read yet
 * are merged into one, so a slow client costs one pending event, not a growing queue.
 */
async function* liveEvents(
  sqlite: Sqlite,
  principalId: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<LiveEvent> {
  const release = acquire(principalId);
  const feed = changeFeedFor(sqlite);
  // Written by the feed's callback, read by the loop below.
  const state: { pending: LiveEvent | null; wake: (() => void) | null } = {
    pending: null,
    wake: null,
  };
  const unsubscribe = feed.subscribe((event) => {
    state.pending = merge(state.pending, event);
    state.wake?.();
  });
  const onAbort = () => state.wake?.();
  signal?.addEventListener('abort', onAbort);
  try {
    // The first event says the stream is up (a client that reconnects refetches everything)
    // and carries the current progress of the active exports.
    yield { topics: [], at: new Date().toISOString(), exports: feed.currentExports() };
    while (!signal?.aborted) {
      const event = state.pending;
      if (event) {
        state.pending = null;
        yield event;
        continue;
      }
      await new Promise<void>((resolve) => {
        state.wake = resolve;
      });
      state.wake = null;
    }
  } finally {
    unsubscribe();
    signal?.removeEventListener('abort', onAbort);
    release();
  }
}

export const liveRouter = router({
  /**
   * Server-sent events: `{ topics, at, exports? }` whenever the database changes (any process),
   * naming the topics whose tables changed; `exports` lists every queued or running export with
   * its progress whenever one of them moved. The first event has no topics. Any signed-in
   * caller; TOO_MANY_REQUESTS beyond the per-user or per-server cap.
   */
  changes: authedProcedure.subscription(({ ctx, signal }) => {
    // Refused up front with an HTTP error; the slot itself is taken when the stream starts.
    const error = refusal(ctx.principal.userId);
    if (error) throw error;
    return liveEvents(ctx.db.$client, ctx.principal.userId, signal);
  }),
});
