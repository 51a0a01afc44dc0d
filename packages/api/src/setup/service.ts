import {
  findAnyById,
  ForbiddenError,
  insertAudited,
  InvalidInputError,
  NotFoundError,
  nowIso,
  systemConfiguration,
  userSetups,
  users,
  StateError,
  versionedUpdate,
  writeTransaction,
  type AuraDb,
  type UserRole,
  type UserSetup,
} from '@aura/db';
import { eq } from 'drizzle-orm';
import type { Principal } from '../auth/service';
import { ensureSystemConfiguration, SYSTEM_CONFIGURATION_ID } from '../system/service';
import {
  WIZARD_STATE_MAX_CHARS,
  wizardStateSchema,
  type SetupCompleteInput,
  type SetupResetInput,
  type SetupSaveProgressInput,
  type SetupStatusInput,
} from './schema';

/** The columns a row has only once it exists. */
type RowOnly = 'id' | 'rowVersion' | 'createdAt' | 'updatedAt';

/**
 * A user's first-run wizard as callers see it: the UserSetups row with WizardState parsed, or,
 * before the first save, the same shape "not started" (`started: false`, id and rowVersion null).
 */
export type SetupStatus = Omit<UserSetup, 'wizardState' | RowOnly> & {
  [K in RowOnly]: UserSetup[K] | null;
} & {
  wizardState: Record<string, unknown> | null;
  started: boolean;
};

interface Owner {
  userId: string;
  role: UserRole;
}

/**
 * Whose setup a call is about: the caller's own, or (admin only) the user named by `userId`.
 * Another user's for a non-admin is FORBIDDEN; an unknown user NOT_FOUND.
 */
export function resolveSetupOwner(db: AuraDb, principal: Principal, userId?: string): Owner {
  if (userId === undefined || userId === principal.userId) {
    return { userId: principal.userId, role: principal.role };
  }
  if (principal.role !== 'admin') {
    throw new ForbiddenError("Only an admin may read or change another user's setup");
  }
  const user = findAnyById(db, users, userId);
  if (!user) throw new NotFoundError('Users', userId);
  return { userId: user.id, role: user.role };
}

function toStatus(row: UserSetup): SetupStatus {
  return {
    ...row,
    wizardState: row.wizardState ? wizardStateSchema.parse(JSON.parse(row.wizardState)) : null,
    started: true,
  };
}

function notStarted(userId: string): SetupStatus {
  return {
    id: null,
    userId,
    completed: false,
    completedAt: null,
    version: null,
    lastStep: 0,
    selectedTier: null,
    wizardState: null,
    createdAt: null,
    updatedAt: null,
    createdBy: null,
    modifiedBy: null,
    rowVersion: null,
    started: false,
  };
}

function findSetup(db: AuraDb, userId: string): UserSetup | undefined {
  return db.select().from(userSetups).where(eq(userSetups.userId, userId)).get();
}

/**
 * The rule for writes: the first one (no row yet) may omit `rowVersion`; once the row exists it
 * is required (a missing one means the caller read "not started" and someone saved since).
 */
/**
 * The key to update the saved setup with: none for a first save (sending a rowVersion then is
 * NOT_FOUND), the saved row's id and the rowVersion the caller read otherwise (which is then
 * required: saving blind over someone's progress is a conflict).
 */
function setupKey(
  current: UserSetup | undefined,
  owner: Owner,
  rowVersion: number | undefined,
): { id: string; rowVersion: number } | null {
  if (!current) {
    if (rowVersion !== undefined) throw new NotFoundError('UserSetups', owner.userId);
    return null;
  }
  if (rowVersion === undefined) {
    throw new StateError(
      `This setup was already saved (rowVersion ${current.rowVersion}); reload it and send the rowVersion you read`,
    );
  }
  return { id: current.id, rowVersion };
}

function encodeWizardState(state: Record<string, unknown> | null): string | null {
  if (state === null) return null;
  const text = JSON.stringify(state);
  if (text.length > WIZARD_STATE_MAX_CHARS) {
    throw new InvalidInputError(
      'wizardState',
      `is too large (${text.length} characters as JSON; at most ${WIZARD_STATE_MAX_CHARS})`,
    );
  }
  return text;
}

/** The setup of the caller (or, for an admin, of `userId`); "not started" before the first save. */
export function getSetupStatus(
  db: AuraDb,
  principal: Principal,
  input: SetupStatusInput = {},
): SetupStatus {
  const owner = resolveSetupOwner(db, principal, input.userId);
  const row = findSetup(db, owner.userId);
  return row ? toStatus(row) : notStarted(owner.userId);
}

/** Saves the wizard's step, state, tier and version: creates the row or updates it (RowVersion). */
export function saveSetupProgress(
  db: AuraDb,
  principal: Principal,
  input: SetupSaveProgressInput,
): SetupStatus {
  return writeTransaction(db, (tx) => {
    const owner = resolveSetupOwner(tx, principal, input.userId);
    const current = findSetup(tx, owner.userId);
    const key = setupKey(current, owner, input.rowVersion);
    const patch = {
      lastStep: input.lastStep,
      ...(input.wizardState !== undefined && {
        wizardState: encodeWizardState(input.wizardState),
      }),
      ...(input.selectedTier !== undefined && { selectedTier: input.selectedTier }),
      ...(input.version !== undefined && { version: input.version }),
    };
    if (!key) {
      return toStatus(
        insertAudited(tx, userSetups, { userId: owner.userId, ...patch }, principal.userId),
      );
    }
    return toStatus(versionedUpdate(tx, userSetups, key, patch, principal.userId));
  });
}

/**
 * Marks the setup completed (CONFLICT if it already is). Completing an admin's setup also marks
 * the installation set up (`SystemConfiguration.IsSetupComplete`), in the same transaction.
 */
export function completeSetup(
  db: AuraDb,
  principal: Principal,
  input: SetupCompleteInput,
): SetupStatus {
  return writeTransaction(db, (tx) => {
    const owner = resolveSetupOwner(tx, principal, input.userId);
    const current = findSetup(tx, owner.userId);
    const key = setupKey(current, owner, input.rowVersion);
    if (current?.completed) {
      throw new StateError('This setup is already complete; reset it to run the wizard again');
    }
    const patch = { completed: true, completedAt: nowIso() };
    const row = key
      ? versionedUpdate(tx, userSetups, key, patch, principal.userId)
      : insertAudited(tx, userSetups, { userId: owner.userId, ...patch }, principal.userId);
    if (owner.role === 'admin') {
      const system = ensureSystemConfiguration(tx);
      if (!system.isSetupComplete) {
        versionedUpdate(
          tx,
          systemConfiguration,
          { id: SYSTEM_CONFIGURATION_ID, rowVersion: system.rowVersion },
          { isSetupComplete: true },
          principal.userId,
        );
      }
    }
    return toStatus(row);
  });
}

/** Back to step 0 and not completed; WizardState kept (`keepState`) or dropped. */
export function resetSetup(db: AuraDb, principal: Principal, input: SetupResetInput): SetupStatus {
  return writeTransaction(db, (tx) => {
    const owner = resolveSetupOwner(tx, principal, input.userId);
    const current = findSetup(tx, owner.userId);
    if (!current) throw new NotFoundError('UserSetups', owner.userId);
    return toStatus(
      versionedUpdate(
        tx,
        userSetups,
        { id: current.id, rowVersion: input.rowVersion },
        {
          completed: false,
          completedAt: null,
          lastStep: 0,
          ...(!input.keepState && { wizardState: null }),
        },
        principal.userId,
      ),
    );
  });
}
