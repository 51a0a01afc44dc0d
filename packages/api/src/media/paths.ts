import { lstatSync, realpathSync } from 'node:fs';
import path from 'node:path';
import {
  backupDirectory,
  backupRuns,
  databasePath,
  dataDirectory,
  defaultMediaDirectory,
  InvalidInputError,
  resolveFromRoot,
  systemConfiguration,
  type AuraDb,
} from '@aura/db';
import { eq, sql } from 'drizzle-orm';

/**
 * The one path guard. Every path a client sends (asset, scene, checkpoint, export input, output
 * directory) and every file a cleanup is about to delete goes through it, so no request can make
 * the service read, list or delete its own files: the database and its -wal/-shm/-journal, the
 * key file and the first admin's credentials (both in the data directory), the backups.
 *
 * A path is accepted only when its real location (every symlink resolved; for a path that does not
 * exist yet, the real path of its nearest existing folder plus the rest) lies strictly inside a
 * media root and is none of those files. Media roots are AURA_MEDIA_ROOTS (path list), by default
 * `media` in the data directory and the output directory; a root that is or contains the data
 * directory, the database file or a backup folder, or lies in a backup folder, is ignored.
 */

/** Suffixes SQLite adds to the database file's name for its own files. */
const SQLITE_SIDE_FILES = ['', '-wal', '-shm', '-journal'];

const errnoOf = (error: unknown) => (error as NodeJS.ErrnoException | null)?.code;
/** Errors of a path that is not there (ENOTDIR: a file where a folder should be). */
const MISSING = new Set(['ENOENT', 'ENOTDIR']);

/** Whether `child` is strictly inside `parent` (both absolute, normalised). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

function isSameOrInside(parent: string, child: string): boolean {
  return parent === child || isInside(parent, child);
}

/**
 * The real location of an absolute path: symlinks resolved in every component that exists, the
 * missing rest appended as is (also below a file: such a path can never exist). Null when it
 * cannot be told (a broken link, a loop, no permission): such a path is never accepted.
 */
export function realLocation(absolute: string): string | null {
  const rest: string[] = [];
  let current = path.normalize(absolute);
  for (;;) {
    try {
      return path.join(realpathSync(current), ...rest);
    } catch (error) {
      if (!MISSING.has(errnoOf(error) ?? '')) return null;
    }
    try {
      lstatSync(current);
      return null; // it is there but does not resolve: a broken symlink
    } catch (error) {
      if (!MISSING.has(errnoOf(error) ?? '')) return null;
    }
    const parent = path.dirname(current);
    if (parent === current) return null;
    rest.unshift(path.basename(current));
    current = parent;
  }
}

/** Both spellings of a location (as configured, and real), so either form is recognised. */
function bothForms(absolute: string): string[] {
  const normal = path.normalize(absolute);
  const real = realLocation(normal);
  return real && real !== normal ? [normal, real] : [normal];
}

/** The database file this connection (or transaction) has open, asked of SQLite; null in memory. */
function connectedFile(db: AuraDb): string | null {
  const row = db.get<{ file: string | null } | undefined>(
    sql`SELECT file FROM pragma_database_list WHERE name = 'main'`,
  );
  return row?.file ? path.resolve(row.file) : null;
}

/** The service's own locations that no client path may reach. */
export interface ServiceLocations {
  /** AURA_DATA_DIR (default the database's folder) and the open database's folder. */
  dataDirs: string[];
  /** AURA_BACKUP_DIR (default `backups` in the data directory), for each data directory. */
  backupDirs: string[];
  /** The database files and SQLite's files beside them. */
  files: string[];
}

/** The data directory of a connection: AURA_DATA_DIR, else the folder of its database file. */
export function connectionDataDirectory(db: AuraDb, env: NodeJS.ProcessEnv = process.env): string {
  const file = connectedFile(db);
  return env.AURA_DATA_DIR?.trim() || !file ? dataDirectory(env) : path.dirname(file);
}

export function serviceLocations(
  db: AuraDb,
  env: NodeJS.ProcessEnv = process.env,
): ServiceLocations {
  const dbFiles = [...new Set([connectedFile(db), databasePath(env)].filter((f) => f !== null))];
  const dataDirs = [dataDirectory(env), ...dbFiles.map((f) => path.dirname(f))];
  const backupDirs = [backupDirectory(env), ...dataDirs.map((d) => path.join(d, 'backups'))];
  const files = dbFiles.flatMap((f) => SQLITE_SIDE_FILES.map((suffix) => `${f}${suffix}`));
  const unique = (list: string[]) => [...new Set(list.flatMap(bothForms))];
  return { dataDirs: unique(dataDirs), backupDirs: unique(backupDirs), files: unique(files) };
}

/** Why `root` (a real path) cannot be a media root, or null when it can. */
export function rootProblem(root: string, service: ServiceLocations): string | null {
  if (service.dataDirs.some((dir) => isSameOrInside(root, dir))) {
    return 'it is or contains the data directory';
  }
  if (service.files.some((file) => isInside(root, file))) return 'it contains the database';
  if (service.backupDirs.some((dir) => isSameOrInside(root, dir) || isInside(dir, root))) {
    return 'it is, contains or lies in the backup folder';
  }
  return null;
}

/** The configured OutputDirectory, resolved (null before the system configuration exists). */
function configuredOutputDirectory(db: AuraDb): string | null {
  const row = db
    .select({ outputDirectory: systemConfiguration.outputDirectory })
    .from(systemConfiguration)
    .where(eq(systemConfiguration.id, 1))
    .get();
  return row ? resolveFromRoot(row.outputDirectory) : null;
}

/** Everything a check needs, read once (a cleanup run reads it once for all its files). */
export interface MediaGuard {
  /** The usable media roots, as real paths. */
  roots: string[];
  service: ServiceLocations;
  /** The backup files recorded in BackupRuns (wherever they were written). */
  backupFiles: Set<string>;
}

/**
 * The guard for one connection. `roots` replaces AURA_MEDIA_ROOTS and the defaults (tests,
 * callers with their own folders); it is filtered the same way.
 */
export function mediaGuard(
  db: AuraDb,
  options: { env?: NodeJS.ProcessEnv; roots?: readonly string[] } = {},
): MediaGuard {
  const env = options.env ?? process.env;
  const service = serviceLocations(db, env);
  let candidates: string[];
  if (options.roots) {
    candidates = [...options.roots];
  } else {
    const configured = (env.AURA_MEDIA_ROOTS ?? '')
      .split(path.delimiter)
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => resolveFromRoot(entry));
    const output = configuredOutputDirectory(db);
    candidates = configured.length
      ? configured
      : [defaultMediaDirectory(env, connectionDataDirectory(db, env)), ...(output ? [output] : [])];
  }
  const roots = new Set<string>();
  for (const candidate of candidates) {
    if (!path.isAbsolute(candidate)) continue;
    const real = realLocation(candidate);
    if (real && rootProblem(real, service) === null) roots.add(real);
  }
  const backupFiles = new Set(
    db
      .select({ file: backupRuns.file })
      .from(backupRuns)
      .all()
      .flatMap((row) => (row.file ? bothForms(row.file) : [])),
  );
  return { roots: [...roots], service, backupFiles };
}

/**
 * Why the file at `real` (a real location) must not be touched, or null when it may. Checked for
 * every write of a path and again right before every deletion.
 */
export function targetProblem(guard: MediaGuard, real: string): string | null {
  const { service } = guard;
  if (service.files.includes(real)) return "is the service's database";
  if (guard.backupFiles.has(real) || service.backupDirs.some((dir) => isSameOrInside(dir, real))) {
    return 'is a backup';
  }
  if (guard.roots.includes(real)) return 'is a media folder itself, not a file inside it';
  if (!guard.roots.some((root) => isInside(root, real))) {
    return service.dataDirs.some((dir) => isSameOrInside(dir, real))
      ? "is one of the service's own files in the data directory, not in a media folder"
      : 'is outside the allowed media folders (AURA_MEDIA_ROOTS)';
  }
  return null;
}

/** Whether `value` holds a control character (C0 or DEL): never part of a path a user meant. */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * The syntax every client path must have: absolute, no `..` segment, no control character. Returns
 * a reason, or null when it is fine.
 */
export function pathSyntaxProblem(value: string): string | null {
  if (hasControlCharacter(value)) return 'must not contain control characters';
  if (!path.isAbsolute(value)) return 'must be an absolute path';
  if (value.split(/[\\/]/).includes('..')) return "must not contain '..'";
  return null;
}

/**
 * Checks a path a client sent for `field` and returns its real location (what to store and
 * use). BAD_REQUEST naming the field otherwise. Never tells whether a path outside the media roots
 * exists: the answer is the same either way.
 */
export function checkMediaPath(guard: MediaGuard, field: string, value: string): string {
  const syntax = pathSyntaxProblem(value);
  if (syntax) throw new InvalidInputError(field, syntax);
  const real = realLocation(value);
  if (!real)
    throw new InvalidInputError(
      field,
      'cannot be resolved (a broken link or an unreadable folder)',
    );
  const problem = targetProblem(guard, real);
  if (problem) throw new InvalidInputError(field, problem);
  return real;
}

/** `checkMediaPath` for an optional path: null and undefined pass through. */
export function checkOptionalMediaPath<T extends string | null | undefined>(
  guard: MediaGuard,
  field: string,
  value: T,
): T | string {
  return typeof value === 'string' ? checkMediaPath(guard, field, value) : value;
}
