import { privacyProcedures } from '../privacy/router';
import { adminProcedure, authedProcedure, publicProcedure, router } from '../trpc';
import {
  changePasswordInput,
  loginInput,
  tokenCreateInput,
  tokenListInput,
  tokenRevokeInput,
  userCreateInput,
  userResetPasswordInput,
  userUpdateInput,
} from './schema';
import {
  SESSION_COOKIE,
  changeOwnPassword,
  createApiToken,
  createUser,
  listApiTokens,
  listOwnSessions,
  listUsers,
  login,
  logout,
  resetUserPassword,
  revokeApiToken,
  signOutOtherSessions,
  updateUser,
} from './service';

function sessionCookie(token: string, expiresAt: string | null): string {
  const maxAge = expiresAt
    ? Math.max(0, Math.floor((Date.parse(expiresAt) - Date.now()) / 1000))
    : 0;
  const secure = process.env.AURA_COOKIE_SECURE === '1' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure}`;
}

export const authRouter = router({
  /** Dashboard login: sets the HttpOnly session cookie. */
  login: publicProcedure.input(loginInput).mutation(async ({ ctx, input }) => {
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

  /** The caller's own password: the current one is required; their other sessions end. */
  changePassword: authedProcedure.input(changePasswordInput).mutation(({ ctx, input }) =>
    changeOwnPassword(
      ctx.db,
      {
        userId: ctx.principal.userId,
        sessionToken: ctx.sessionToken,
        clientAddress: ctx.clientAddress,
      },
      input,
    ),
  ),

  /** The caller's unexpired sessions (never a token or its hash); `current` marks this one. */
  sessions: authedProcedure.query(({ ctx }) =>
    listOwnSessions(ctx.db, ctx.principal.userId, ctx.sessionToken),
  ),

  /** Ends every session of the caller but the one making this request. */
  signOutOthers: authedProcedure.mutation(({ ctx }) =>
    signOutOtherSessions(ctx.db, ctx.principal.userId, ctx.sessionToken),
  ),

  tokens: router({
    /** A new personal token for the caller; the token is in this response only. */
    create: authedProcedure
      .input(tokenCreateInput)
      .mutation(({ ctx, input }) =>
        createApiToken(ctx.db, ctx.actor, { ...input, userId: ctx.principal.userId }),
      ),
    /** The caller's tokens (an admin may list anyone's or everyone's). */
    list: authedProcedure.input(tokenListInput).query(({ ctx, input }) => {
      const isAdmin = ctx.principal.role === 'admin';
      if (isAdmin && input?.all) return listApiTokens(ctx.db);
      return listApiTokens(ctx.db, isAdmin && input?.userId ? input.userId : ctx.principal.userId);
    }),
    revoke: authedProcedure
      .input(tokenRevokeInput)
      .mutation(({ ctx, input }) => revokeApiToken(ctx.db, ctx.principal, input.id)),
  }),
});

export const usersRouter = router({
  list: adminProcedure.query(({ ctx }) => listUsers(ctx.db)),
  /** Creates a user; the generated password (when none is given) is in this response only. */
  create: adminProcedure
    .input(userCreateInput)
    .mutation(({ ctx, input }) => createUser(ctx.db, ctx.actor, input)),
  update: adminProcedure
    .input(userUpdateInput)
    .mutation(({ ctx, input }) => updateUser(ctx.db, ctx.actor, input)),
  /** A generated password for another user, in this response only; their sessions end. */
  resetPassword: adminProcedure
    .input(userResetPasswordInput)
    .mutation(({ ctx, input }) => resetUserPassword(ctx.db, ctx.actor, input)),
  /** exportData and forget (personal data, issue 13). */
  ...privacyProcedures,
});
