import {
  customTemplates,
  onlyDeleted,
  projectStates,
  projectVersions,
  users,
  type AuraDb,
} from '@aura/db';
import { asc, inArray } from 'drizzle-orm';
import { union } from 'drizzle-orm/sqlite-core';

export interface Deleter {
  id: string;
  displayName: string;
}

/**
 * The people who deleted what is in the trash (projects, versions, custom templates), so the
 * Trash page can say who without the user list, which is for admins. Only the names of users
 * who actually deleted something a caller can already see are revealed; each kind is read from
 * its (IsDeleted, DeletedAt) index.
 */
export function buildDeletersQuery(db: AuraDb) {
  const deleted = union(
    db
      .select({ id: projectStates.deletedBy })
      .from(projectStates)
      .where(onlyDeleted(projectStates)),
    db
      .select({ id: projectVersions.deletedBy })
      .from(projectVersions)
      .where(onlyDeleted(projectVersions)),
    db
      .select({ id: customTemplates.deletedBy })
      .from(customTemplates)
      .where(onlyDeleted(customTemplates)),
  );
  return db
    .select({ id: users.id, displayName: users.displayName })
    .from(users)
    .where(inArray(users.id, deleted))
    .orderBy(asc(users.displayName));
}

export function listDeleters(db: AuraDb): Deleter[] {
  return buildDeletersQuery(db).all();
}
