import { USER_ROLES } from '@aura/db';
import { z } from 'zod';
import { adminProcedure, authedProcedure, publicProcedure, router } from '../trpc';
import { EMAIL_MAX, NAME_MAX, PASSWORD_MAX, uuidField } from '../limits';
import {
  MAX_TOKEN_DAYS,
  SESSION_COOKIE,
  createApiToken,
  createUser,
  listApiTokens,
  listUsers,
  login,
  logout,
  revokeApiToken,
  updateUser,
} from './service';

const email = z.string().max(EMAIL_MAX).trim().pipe(z.email('Enter a valid email address'));
const password = z.string().min(10, 'Use at least 10 characters').max(PASSWORD_MAX);

function sessionCookie(token: string, expiresAt: string | null): string {
  const maxAge = expiresAt
    ? Math.max(0, Math.floor((Date.parse(expiresAt) - Date.now()) / 1000))
    : 0;
  const secure = process.env.AURA_COOKIE_SECURE === '1' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure}`;
}

export const authRouter = router({
  /** Dashboard login: sets the HttpOnly session cookie. */
  login: publicProcedure
    .input(z.object({ email, password: z.string().min(1).max(PASSWORD_MAX) }))
    .mutation(async ({ ctx, input }) => {
      const session = await login(ctx.db, {
        ...input,
        userAgent: ctx.userAgent,
        clientAddress: ctx.clientAddress,
      });
      ctx.resHeaders?.append('Set-Cookie', sessionCookie(session.token, session.expiresAt));
      return { user: session.principal, expiresAt: session.expiresAt };
    }),

  logout: publicProcedure.mutation(({ ctx }) => {
    if (ctx.sessionToken) logout(ctx.db, ctx.sessionToken);
    ctx.resHeaders?.append('Set-Cookie', sessionCookie('', null));
    return { ok: true as const };
  }),

  /** Who is calling. */
  me: authedProcedure.query(({ ctx }) => ctx.principal),

  tokens: router({
    /** A new personal token for the caller; the token is in this response only. */
    create: authedProcedure
      .input(
        z.object({
          name: z.string().trim().min(1, 'Name the token').max(NAME_MAX),
          expiresInDays: z.number().int().min(1).max(MAX_TOKEN_DAYS).default(90),
        }),
      )
      .mutation(({ ctx, input }) =>
        createApiToken(ctx.db, ctx.actor, { ...input, userId: ctx.principal.userId }),
      ),
    /** The caller's tokens (an admin may list anyone's or everyone's). */
    list: authedProcedure
      .input(
        z
          .object({ userId: uuidField('User id').optional(), all: z.boolean().optional() })
          .optional(),
      )
      .query(({ ctx, input }) => {
        const isAdmin = ctx.principal.role === 'admin';
        if (isAdmin && input?.all) return listApiTokens(ctx.db);
        return listApiTokens(
          ctx.db,
          isAdmin && input?.userId ? input.userId : ctx.principal.userId,
        );
      }),
    revoke: authedProcedure
      .input(z.object({ id: uuidField('Token id') }))
      .mutation(({ ctx, input }) => revokeApiToken(ctx.db, ctx.principal, input.id)),
  }),
});

export const usersRouter = router({
  list: adminProcedure.query(({ ctx }) => listUsers(ctx.db)),
  /** Creates a user; the generated password (when none is given) is in this response only. */
  create: adminProcedure
    .input(
      z.object({
        email,
        displayName: z.string().trim().max(NAME_MAX).optional(),
        role: z.enum(USER_ROLES),
        password: password.optional(),
      }),
    )
    .mutation(({ ctx, input }) => createUser(ctx.db, ctx.actor, input)),
  update: adminProcedure
    .input(
      z.object({
        id: uuidField('User id'),
        rowVersion: z.number().int().min(1),
        role: z.enum(USER_ROLES).optional(),
        isActive: z.boolean().optional(),
        displayName: z.string().trim().min(1).max(NAME_MAX).optional(),
      }),
    )
    .mutation(({ ctx, input }) => updateUser(ctx.db, ctx.actor, input)),
});
