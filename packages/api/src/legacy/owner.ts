import { InvalidInputError, NotFoundError, users, type AuraDb } from '@aura/db';
import { asc, eq } from 'drizzle-orm';
import { findUserByEmail } from '../auth/service';

export interface ImportOwner {
  id: string;
  email: string;
}

/** The user named by `email`; NOT_FOUND when there is none. */
export function ownerByEmail(db: AuraDb, email: string): ImportOwner {
  const user = findUserByEmail(db, email);
  if (!user) throw new NotFoundError('Users', email, `No user with the email ${email}`);
  return { id: user.id, email: user.email };
}

/**
 * The owner when none is named (the CLI): the only active admin. With several, the caller must
 * choose, so nothing is attributed to the wrong person.
 */
export function defaultOwner(db: AuraDb): ImportOwner {
  const admins = db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(eq(users.role, 'admin'))
    .orderBy(asc(users.email))
    .all();
  const [only] = admins;
  if (admins.length !== 1 || !only) {
    throw new InvalidInputError(
      'owner',
      admins.length === 0
        ? 'there is no admin yet: name the owner with --owner <email>'
        : `there are ${admins.length} admins: name the owner with --owner <email>`,
    );
  }
  return only;
}
