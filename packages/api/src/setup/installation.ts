import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  dataDirectory,
  getById,
  PreconditionError,
  StateError,
  systemConfiguration,
  users,
  versionedUpdate,
  writeTransaction,
  type Actor,
  type AuraDb,
} from '@aura/db';
import { verifyPassword } from '../auth/crypto';
import { INITIAL_ADMIN_FILE, type Principal } from '../auth/service';
import {
  getSystemConfiguration,
  SYSTEM_CONFIGURATION_ID,
  updateSystemConfiguration,
  type SystemUpdateOptions,
} from '../system/service';
import type { InstallationCompleteInput } from './schema';

/**
 * The installation's own setup, done once by an admin: change the generated password, set FFmpeg
 * and the output folder, after which SystemConfiguration.IsSetupComplete is true and the
 * dashboard stops prompting.
 */

export interface InstallationStatus {
  isSetupComplete: boolean;
  /** The rest is for admins only (null for others). */
  details: {
    /** True while the caller still signs in with the password written at the first start (false once set up). */
    generatedPasswordInUse: boolean;
    ffmpegPath: string | null;
    outputDirectory: string;
    /** The SystemConfiguration RowVersion to complete with. */
    rowVersion: number;
  } | null;
}

/** The email and password of the first start's credentials file, when it is still there. */
function initialCredentials(dir: string): { email: string; password: string } | null {
  let text: string;
  try {
    text = readFileSync(path.join(dir, INITIAL_ADMIN_FILE), 'utf8');
  } catch {
    return null;
  }
  // As ensureInitialAdmin writes them: the password is the rest of its line (it may hold spaces).
  const email = /^email:\s+(\S+)\s*$/m.exec(text)?.[1];
  const password = /^password: (.+)$/m.exec(text)?.[1];
  return email && password ? { email, password } : null;
}

/** Whether `principal` still has the generated first-start password (scrypt, off the event loop). */
export async function usesGeneratedPassword(
  db: AuraDb,
  principal: Principal,
  options: { dataDir?: string } = {},
): Promise<boolean> {
  const initial = initialCredentials(options.dataDir ?? dataDirectory());
  if (initial?.email.toLowerCase() !== principal.email.toLowerCase()) return false;
  const user = getById(db, users, principal.userId);
  return verifyPassword(initial.password, user.passwordHash);
}

export async function installationStatus(
  db: AuraDb,
  principal: Principal,
  options: { dataDir?: string } = {},
): Promise<InstallationStatus> {
  const system = getSystemConfiguration(db);
  if (principal.role !== 'admin') return { isSetupComplete: system.isSetupComplete, details: null };
  return {
    isSetupComplete: system.isSetupComplete,
    details: {
      // Checked (scrypt) only while the setup is open: once complete, the banner asks on every page.
      generatedPasswordInUse:
        !system.isSetupComplete && (await usesGeneratedPassword(db, principal, options)),
      ffmpegPath: system.ffmpegPath,
      outputDirectory: system.outputDirectory,
      rowVersion: system.rowVersion,
    },
  };
}

/**
 * Completes the installation (admin): refused while the caller still has the generated password
 * (PRECONDITION_FAILED); FFmpeg and the output folder are checked and saved as system.update does
 * (BAD_REQUEST on the field, nothing written); then IsSetupComplete becomes true. Twice is CONFLICT.
 */
export async function completeInstallation(
  db: AuraDb,
  principal: Principal,
  actor: Actor,
  input: InstallationCompleteInput,
  options: { dataDir?: string } & SystemUpdateOptions = {},
): Promise<InstallationStatus> {
  const current = getSystemConfiguration(db);
  if (current.isSetupComplete) throw new StateError('This installation is already set up');
  if (await usesGeneratedPassword(db, principal, options)) {
    throw new PreconditionError(
      'Change the generated password first (it was written to a file at the first start)',
    );
  }
  let rowVersion = input.rowVersion;
  if (input.ffmpegPath !== undefined || input.outputDirectory !== undefined) {
    rowVersion = updateSystemConfiguration(db, actor, input, options).rowVersion;
  }
  writeTransaction(db, (tx) =>
    versionedUpdate(
      tx,
      systemConfiguration,
      { id: SYSTEM_CONFIGURATION_ID, rowVersion },
      { isSetupComplete: true },
      actor,
    ),
  );
  return installationStatus(db, principal, options);
}
