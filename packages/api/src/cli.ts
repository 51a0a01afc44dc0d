import { userInfo } from 'node:os';
import {
  DataError,
  NotFoundError,
  PreconditionError,
  SecretError,
  USER_ROLES,
  databasePath,
  openDatabase,
  type AuraDb,
  type UserRole,
} from '@aura/db';
import {
  createApiToken,
  createUser,
  findUserByEmail,
  listApiTokens,
  listUsers,
  revokeApiToken,
} from './auth/service';
import { rotateSecrets } from './config/service';
import { getHealth } from './health/service';
import { forgetUser, type ForgetResult } from './privacy/service';
import {
  IMPORT_LEGACY_USAGE,
  LegacyUsageError,
  parseImportLegacyArgs,
  runImportLegacy,
} from './legacy/cli';

/**
 * `pnpm aura <command>`: user and token administration from the machine that hosts the data
 * (whoever can run this can read the database file anyway). Exit codes: 0 done, 1 refused, 2 usage.
 */

const USAGE = `Usage: pnpm aura <command> [options]

  users:create --email <email> --role <admin|editor|viewer> [--name <name>] [--password <pw>]
  users:list
  users:forget --email <email> [--transfer-to <email>] [--yes]
      erase a user for good (content deleted, or transferred); without --yes: only the preview
  tokens:create --email <user email> --name <token name> [--days <1..366>]   (prints the token once)
  tokens:list [--email <user email>]
  tokens:revoke <token id>
  secrets:rotate [--new-key <base64 or hex 32-byte key>]   re-encrypt every sensitive config value
  ${IMPORT_LEGACY_USAGE}

Database: AURA_DB_PATH (default data/aura.db under the workspace root).`;

class UsageError extends Error {}

function takeOption(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i === -1) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--'))
    throw new UsageError(`--${name} needs a value.`);
  args.splice(i, 2);
  return value;
}

function requireOption(args: string[], name: string): string {
  const value = takeOption(args, name);
  if (value === undefined) throw new UsageError(`Missing --${name}.`);
  return value;
}

const CLI_ACTOR = `cli:${userInfo().username}`;

function openMigrated(): AuraDb {
  const db = openDatabase();
  const health = getHealth(db);
  if (!health.migrations.upToDate) {
    db.$client.close();
    throw new PreconditionError(
      `The database at ${databasePath()} is not migrated: run pnpm db:migrate first`,
    );
  }
  return db;
}

function userByEmail(db: AuraDb, email: string) {
  const user = findUserByEmail(db, email);
  if (!user) throw new NotFoundError('Users', email, `No user with the email ${email}`);
  return user;
}

function printForget(result: ForgetResult): void {
  const s = result.summary;
  const who = `${result.user.email} (${result.user.id})`;
  console.log(result.dryRun ? `Forgetting ${who} would:` : `Forgot ${who}:`);
  const lines: [number, string][] = result.transferTo
    ? [
        [s.projectsTransferred, `project(s) transferred to ${result.transferTo.email}`],
        [s.customTemplatesTransferred, `custom template(s) transferred`],
      ]
    : [
        [s.projectsDeleted, 'project(s) deleted'],
        [s.scenesDeleted, 'scene(s) deleted'],
        [s.assetsDeleted, 'asset(s) deleted'],
        [s.checkpointsDeleted, 'render checkpoint(s) deleted'],
        [s.versionsDeleted, 'version(s) deleted'],
        [s.customTemplatesDeleted, 'custom template(s) deleted'],
      ];
  lines.push(
    [s.blobsRemoved, 'content blob(s) removed'],
    [s.actionLogEntriesDeleted, 'entries of their action log deleted'],
    [s.otherUndoEntriesDeleted, "other users' undo entries about deleted content deleted"],
    [s.ratingsAnonymized, 'rating(s) kept anonymously'],
    [s.setupsDeleted, 'setup state(s) deleted'],
    [s.sessionsDeleted, 'session(s) ended'],
    [s.apiTokensDeleted, 'API token(s) deleted'],
    [s.rowsAnonymized, 'other row(s) where their identity is replaced by the tombstone'],
  );
  for (const [n, what] of lines) console.log(`  ${String(n).padStart(6)}  ${what}`);
  if (result.erasure)
    console.log(
      `Recorded as erasure ${result.erasure.id} (tombstone ${result.erasure.tombstone}); the database was vacuumed${result.compacted?.walTruncated === false ? ': another process was reading, so the write-ahead log is not truncated yet (it is at its next checkpoint; restart the web server and worker to force it)' : ''}.`,
    );
}

async function run(command: string | undefined, args: string[]): Promise<number> {
  switch (command) {
    case 'users:create': {
      const email = requireOption(args, 'email');
      const role = requireOption(args, 'role');
      if (!(USER_ROLES as readonly string[]).includes(role))
        throw new UsageError(`--role must be one of ${USER_ROLES.join(', ')}.`);
      if (!/^[^@\s]+@[^@\s]+$/.test(email))
        throw new UsageError(`"${email}" is not an email address.`);
      const password = takeOption(args, 'password');
      if (password !== undefined && password.length < 10)
        throw new UsageError('--password must have at least 10 characters.');
      const db = openMigrated();
      const created = await createUser(db, CLI_ACTOR, {
        email,
        role: role as UserRole,
        displayName: takeOption(args, 'name'),
        password,
      });
      console.log(`Created ${created.user.role} ${created.user.email} (${created.user.id}).`);
      if (password === undefined) console.log(`Password (shown once): ${created.password}`);
      return 0;
    }
    case 'users:list': {
      const db = openMigrated();
      for (const u of listUsers(db))
        console.log(
          `${u.id}  ${u.role.padEnd(6)}  ${u.isActive ? 'active  ' : 'inactive'}  ${u.email}  ${u.displayName}`,
        );
      return 0;
    }
    case 'users:forget': {
      const email = requireOption(args, 'email');
      const transferEmail = takeOption(args, 'transfer-to');
      const yes = args.includes('--yes');
      const db = openMigrated();
      const user = userByEmail(db, email);
      const transferTo = transferEmail ? userByEmail(db, transferEmail).id : undefined;
      const result = forgetUser(db, 'cli', {
        userId: user.id,
        transferTo,
        confirmation: user.email,
        dryRun: !yes,
      });
      printForget(result);
      if (!yes) {
        console.log('Nothing was changed. Run again with --yes to forget this user for good.');
        return 1;
      }
      return 0;
    }
    case 'tokens:create': {
      const email = requireOption(args, 'email');
      const name = requireOption(args, 'name');
      const daysText = takeOption(args, 'days') ?? '90';
      const days = Number(daysText);
      if (!Number.isInteger(days) || days < 1 || days > 366)
        throw new UsageError(`--days must be a whole number from 1 to 366, got "${daysText}".`);
      const db = openMigrated();
      const user = userByEmail(db, email);
      const { token, record } = createApiToken(db, CLI_ACTOR, {
        userId: user.id,
        name,
        expiresInDays: days,
      });
      console.log(
        `Created token "${record.name}" (${record.id}) for ${user.email}, expires ${record.expiresAt}.`,
      );
      console.log(`Token (shown once, store it now): ${token}`);
      return 0;
    }
    case 'tokens:list': {
      const email = takeOption(args, 'email');
      const db = openMigrated();
      const tokens = listApiTokens(db, email ? userByEmail(db, email).id : undefined);
      for (const t of tokens) {
        const state = t.revokedAt ? `revoked ${t.revokedAt}` : `expires ${t.expiresAt}`;
        console.log(
          `${t.id}  ${t.tokenPrefix}…  ${t.name}  ${state}  last used ${t.lastUsedAt ?? 'never'}`,
        );
      }
      if (tokens.length === 0) console.log('No tokens.');
      return 0;
    }
    case 'tokens:revoke': {
      const id = args.find((a) => !a.startsWith('--'));
      if (!id) throw new UsageError('Missing the token id (see tokens:list).');
      const db = openMigrated();
      const revoked = revokeApiToken(db, { userId: CLI_ACTOR, role: 'admin' }, id);
      console.log(`Revoked token "${revoked.name}" (${revoked.id}) at ${revoked.revokedAt}.`);
      return 0;
    }
    case 'secrets:rotate': {
      const newKey = takeOption(args, 'new-key');
      const db = openMigrated();
      const result = rotateSecrets(db, newKey === undefined ? {} : { newKey });
      console.log(
        `Re-encrypted ${result.reencrypted} sensitive value(s): key ${result.previousKeyId} → ${result.activeKeyId}.`,
      );
      if (result.retiredKeyIds.length > 0 && result.source === 'file')
        console.log(
          `Retired ${result.retiredKeyIds.join(', ')}: kept in the keyring to decrypt older backups.`,
        );
      if (result.operatorAction) console.log(result.operatorAction);
      return 0;
    }
    case 'import:legacy': {
      let parsed;
      try {
        parsed = parseImportLegacyArgs(args);
      } catch (error) {
        if (error instanceof LegacyUsageError) throw new UsageError(error.message);
        throw error;
      }
      return runImportLegacy(openMigrated(), parsed);
    }
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`Unknown command "${command}".`);
  }
}

try {
  process.exitCode = await run(
    process.argv[2] === '--' ? process.argv[3] : process.argv[2],
    process.argv.slice(process.argv[2] === '--' ? 4 : 3),
  );
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else if (error instanceof DataError || error instanceof SecretError) {
    // A refusal the user can act on: its message, no stack.
    console.error(`Error: ${error.message}`);
    process.exitCode = 1;
  } else {
    console.error(error);
    process.exitCode = 1;
  }
}
