import {
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  StateError,
  forgetUser as eraseUser,
  users,
  type AuraDb,
  type ErasureSummary,
} from '@aura/db';
import { and, eq, ne, sql } from 'drizzle-orm';
import { invalidatePrincipals, normalizeEmail } from '../auth/service';
import type { ForgetInput } from './schema';

export interface ForgetResult {
  dryRun: boolean;
  /** The user as the preview names them (never stored after the erasure). */
  user: { id: string; email: string; displayName: string; role: string };
  transferTo: { id: string; email: string; displayName: string } | null;
  summary: ErasureSummary;
  /** The ErasureLog entry (absent for a dry run). */
  erasure: { id: string; tombstone: string; erasedAt: string } | null;
  /** The file was rewritten and its WAL truncated (false: another reader held the WAL). */
  compacted: { vacuumed: boolean; walTruncated: boolean } | null;
}

/**
 * Forgets a user (issue 13): admins only (the router), never oneself, never the last active
 * admin; a real run needs the user's email typed again. A dry run returns exactly what would go
 * (the same erasure, rolled back). Not undoable: it writes no undo-log entry, only the ErasureLog.
 */
export function forgetUser(
  db: AuraDb,
  actor: { userId: string } | 'cli',
  input: ForgetInput,
): ForgetResult {
  const user = db.select().from(users).where(eq(users.id, input.userId)).get();
  if (!user) throw new NotFoundError('Users', input.userId, `User ${input.userId} was not found`);
  if (actor !== 'cli' && actor.userId === user.id)
    throw new ForbiddenError('You cannot forget yourself; ask another admin');
  if (user.role === 'admin' && user.isActive) {
    const admins =
      db
        .select({ n: sql<number>`count(*)` })
        .from(users)
        .where(and(eq(users.role, 'admin'), eq(users.isActive, true), ne(users.id, user.id)))
        .get()?.n ?? 0;
    if (admins === 0) throw new StateError('The last active admin cannot be forgotten');
  }
  let transferTo: ForgetResult['transferTo'] = null;
  if (input.transferTo) {
    if (input.transferTo === user.id)
      throw new InvalidInputError('transferTo', 'Choose another user to receive the content');
    const target = db.select().from(users).where(eq(users.id, input.transferTo)).get();
    if (!target) throw new InvalidInputError('transferTo', 'That user does not exist');
    if (!target.isActive)
      throw new InvalidInputError('transferTo', 'That user is deactivated: choose an active one');
    transferTo = { id: target.id, email: target.email, displayName: target.displayName };
  }
  if (!input.dryRun && normalizeEmail(input.confirmation ?? '') !== user.email)
    throw new InvalidInputError('confirmation', `Type ${user.email} to confirm`);

  const result = eraseUser(db.$client, user.id, {
    erasedBy: actor === 'cli' ? 'cli' : actor.userId,
    transferTo: transferTo?.id ?? null,
    dryRun: input.dryRun,
  });
  if (!input.dryRun) {
    invalidatePrincipals(db);
    // The log line names the erasure, never the person.
    console.info(
      `[aura-api] erasure ${result.erasure.id}: a user was forgotten by ${actor === 'cli' ? 'the CLI' : actor.userId} (${result.summary.projectsDeleted} project(s) deleted, ${result.summary.projectsTransferred} transferred)`,
    );
  }
  return {
    dryRun: input.dryRun,
    user: { id: user.id, email: user.email, displayName: user.displayName, role: user.role },
    transferTo,
    summary: result.summary,
    erasure: input.dryRun
      ? null
      : {
          id: result.erasure.id,
          tombstone: result.erasure.tombstone,
          erasedAt: result.erasure.erasedAt,
        },
    compacted: result.compact,
  };
}
