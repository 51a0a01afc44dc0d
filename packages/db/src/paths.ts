import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Every process (web server, worker, CLI, tests) runs with a different working directory, so
 * relative paths are resolved against the workspace root, found by walking up to
 * pnpm-workspace.yaml (the working directory when there is none, e.g. in a deployed copy).
 */
export function workspaceRoot(from: string = process.cwd()): string {
  let dir = path.resolve(from);
  for (;;) {
    if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(from);
    dir = parent;
  }
}

/** Resolves a user-supplied path: absolute as is, relative against the workspace root. */
export function resolveFromRoot(p: string): string {
  return path.isAbsolute(p) ? p : path.resolve(workspaceRoot(), p);
}

/** The database file: AURA_DB_PATH, default data/aura.db under the workspace root. */
export function databasePath(env: NodeJS.ProcessEnv = process.env): string {
  return resolveFromRoot(env.AURA_DB_PATH?.trim() || path.join('data', 'aura.db'));
}

/** The data directory: AURA_DATA_DIR, default the folder holding the database. */
export function dataDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.AURA_DATA_DIR?.trim();
  return explicit ? resolveFromRoot(explicit) : path.dirname(databasePath(env));
}

/**
 * The default media root: `media` in the data directory. Users' files live in folders of their
 * own (AURA_MEDIA_ROOTS), never in the data directory itself, which holds the service's files.
 */
export function defaultMediaDirectory(
  env: NodeJS.ProcessEnv = process.env,
  dataDir: string = dataDirectory(env),
): string {
  return path.join(dataDir, 'media');
}

/** Where db:backup writes by default: AURA_BACKUP_DIR, default <data dir>/backups. */
export function backupDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.AURA_BACKUP_DIR?.trim();
  return explicit ? resolveFromRoot(explicit) : path.join(dataDirectory(env), 'backups');
}

/**
 * The committed SQL migrations of this package. Bundlers (Next.js) rewrite import.meta, so when
 * it gives no directory the path is taken from the workspace root.
 */
export function migrationsDirectory(): string {
  const here = (import.meta as { dirname?: string }).dirname;
  if (here && existsSync(path.resolve(here, '..', 'migrations', 'meta')))
    return path.resolve(here, '..', 'migrations');
  return path.join(workspaceRoot(), 'packages', 'db', 'migrations');
}
