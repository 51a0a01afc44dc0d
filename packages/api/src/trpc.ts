import {
  ConflictError,
  DataError,
  ForbiddenError,
  InvalidInputError,
  LimitError,
  NotFoundError,
  PreconditionError,
  RateLimitError,
  StateError,
  UnauthenticatedError,
  type AuraDb,
} from '@aura/db';
import {
  initTRPC,
  TRPCError,
  type TRPC_ERROR_CODE_KEY,
  type TRPCMiddlewareBuilder,
} from '@trpc/server';
import { actionScope } from './actions/recorder';
import type { Principal } from './auth/service';
import { z, ZodError, ZodRealError } from 'zod';

/** What every procedure sees. */
export interface Context {
  db: AuraDb;
  /** Correlates a failure in the logs with the error the client got. */
  requestId: string;
  /** The authenticated caller (session cookie or API token); null when anonymous. */
  principal: Principal | null;
  /** The id stamped into CreatedBy/ModifiedBy/DeletedBy: the principal's, never from input. */
  actor: string | null;
  /** The request's session token (dashboard logins), for logout. */
  sessionToken: string | null;
  /** Response headers of an HTTP call (login and logout set the session cookie); absent for direct calls. */
  resHeaders: Headers | null;
  userAgent: string | null;
  /** The caller's address for login throttling (see createRequestContext); null when unknown. */
  clientAddress: string | null;
  /** Actions sent with one correlation id (header x-correlation-id) and x-aura-batch: 1 undo as one step. */
  correlationId: string | null;
  batch: boolean;
}

/** An internal error already logged and stripped of detail by the error middleware. */
class SanitizedInternalError extends TRPCError {}

// No transformer: every value the API returns is plain JSON (timestamps are ISO strings), and
// superjson cost 5x JSON.stringify on a list page.
const t = initTRPC.context<Context>().create({
  // Subscriptions (live.changes) stream as server-sent events: a ping comment every 15 s keeps
  // proxies from closing an idle stream and lets the client notice a dead one and reconnect.
  sse: {
    ping: { enabled: true, intervalMs: 15_000 },
    client: { reconnectAfterInactivityMs: 40_000 },
  },
  errorFormatter({ shape, error }) {
    // Never send a stack trace: clients get the code, the message and, for bad input, the fields.
    const { stack: _stack, ...data } = shape.data;
    return {
      ...shape,
      // Last guard for internal errors raised outside a procedure (e.g. creating the context):
      // their message may carry SQL or file paths.
      message:
        error.code === 'INTERNAL_SERVER_ERROR' && !(error instanceof SanitizedInternalError)
          ? 'Internal error'
          : shape.message,
      data: {
        ...data,
        zodError:
          error.code === 'BAD_REQUEST' && error.cause instanceof ZodError
            ? // Typed per field name, so clients can read `zodError.fieldErrors.limit`.
              z.flattenError(error.cause as ZodError<Record<string, unknown>>)
            : null,
      },
    };
  },
});

/** The one place where a domain error becomes a tRPC code. */
const DOMAIN_ERROR_CODES: [new (...args: never[]) => DataError, TRPC_ERROR_CODE_KEY][] = [
  [NotFoundError, 'NOT_FOUND'],
  [ConflictError, 'CONFLICT'],
  [StateError, 'CONFLICT'],
  [InvalidInputError, 'BAD_REQUEST'],
  [LimitError, 'BAD_REQUEST'],
  [ForbiddenError, 'FORBIDDEN'],
  [UnauthenticatedError, 'UNAUTHORIZED'],
  [RateLimitError, 'TOO_MANY_REQUESTS'],
  [PreconditionError, 'PRECONDITION_FAILED'],
];

/** The tRPC error a domain error is sent as; undefined for anything else (a bug). */
export function toTRPCError(error: unknown): TRPCError | undefined {
  if (!(error instanceof DataError)) return undefined;
  const code = DOMAIN_ERROR_CODES.find(([type]) => error instanceof type)?.[1];
  if (!code) return undefined;
  if (error instanceof InvalidInputError && error.field) {
    // The same flattened `zodError.fieldErrors` a schema failure carries, so clients handle both
    // alike. (ZodRealError: the plain ZodError of zod 4 is not an Error, and tRPC would wrap it.)
    const cause = new ZodRealError([
      { code: 'custom', path: [error.field], message: error.problem, input: undefined },
    ]);
    return new TRPCError({ code, message: error.message, cause });
  }
  return new TRPCError({ code, message: error.message, cause: error });
}

/**
 * Maps a failed call's error: the domain's typed errors become tRPC codes. Anything else that is
 * not already a deliberate TRPCError is a bug: logged with the request id, returned as
 * INTERNAL_SERVER_ERROR without the SQL, the message of the underlying error or its stack.
 */
function mapFailure<R extends { ok: boolean }>(
  result: R & { ok: false; error: TRPCError },
  ctx: Context,
  path: string,
  type: string,
): R {
  const error = result.error;
  const mapped = toTRPCError(error.cause);
  if (mapped) throw mapped;
  if (error.code === 'INTERNAL_SERVER_ERROR') {
    console.error(
      `[aura-api] ${type} ${path} failed (request ${ctx.requestId}):`,
      error.cause ?? error,
    );
    throw new SanitizedInternalError({
      code: 'INTERNAL_SERVER_ERROR',
      message: `Internal error (request ${ctx.requestId})`,
    });
  }
  return result;
}

type Access = 'anyone' | 'signed-in' | 'editor' | 'admin';

/** Whether the caller may call a procedure of this access; throws the tRPC error saying why not. */
function checkAccess(access: Access, principal: Principal | null): void {
  if (access === 'anyone') return;
  if (!principal) {
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: 'Sign in, or send an API token as "Authorization: Bearer <token>"',
    });
  }
  if (access === 'editor' && principal.role === 'viewer') {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'Viewers can read but not change anything' });
  }
  if (access === 'admin' && principal.role !== 'admin') {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'Only an admin may do this' });
  }
}

/**
 * Every procedure's one middleware: the access check, the undo log's action scope for mutations
 * (the request's correlation id), and the error mapping around input parsing and the resolver.
 * One step, not one per concern: each tRPC middleware step costs about 5 µs a call (it copies the
 * call's options twice and awaits), a third of a list page's time in process.
 */
function entry(access: Access) {
  return t.middleware(async ({ ctx, next, path, type }) => {
    checkAccess(access, ctx.principal);
    const result =
      type === 'query'
        ? // Reads record no actions: they skip the AsyncLocalStorage scope (a few µs a call).
          await next()
        : await actionScope.run({ correlationId: ctx.correlationId, canBatch: ctx.batch }, next);
    return result.ok ? result : mapFailure(result, ctx, path, type);
  });
}

/** A signed-in caller's context: the principal is known and is the actor. */
type SignedInContext = Context & { principal: Principal; actor: string };

/**
 * Narrows the context's type for procedures that require a signed-in caller. checkAccess already
 * made sure of it, and createContext sets the actor from the principal, so nothing changes at run
 * time (passing `next({ ctx })` would copy the context on every call).
 */
function signedIn(access: Exclude<Access, 'anyone'>) {
  return entry(access) as unknown as TRPCMiddlewareBuilder<
    Context,
    object,
    Pick<SignedInContext, 'principal' | 'actor'>,
    unknown
  >;
}

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

/** Anyone, signed in or not: health, login, setup state. */
export const publicProcedure = t.procedure.use(entry('anyone'));

/** Any signed-in caller: reads. */
export const authedProcedure = t.procedure.use(signedIn('signed-in'));

/** Admins and editors: writes to content. Viewers read only. */
export const editorProcedure = t.procedure.use(signedIn('editor'));

/** Admins only: user management, hard deletes, revealing sensitive values, system settings. */
export const adminProcedure = t.procedure.use(signedIn('admin'));

/**
 * For an HTTP adapter's `onError`: logs internal errors the procedure middleware did not already
 * log (e.g. a failure while creating the context). Expected errors are not logged.
 */
export function logUnhandledError({ error, path }: { error: TRPCError; path?: string }): void {
  if (error.code !== 'INTERNAL_SERVER_ERROR' || error instanceof SanitizedInternalError) return;
  console.error(
    `[aura-api] ${path ?? '(no procedure)'} failed before reaching a procedure:`,
    error.cause ?? error,
  );
}
