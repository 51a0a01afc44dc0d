import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createApiToken, hashPassword, insertUser, type Principal } from '@aura/api/testing';
import { applyMigrations, createDb, openSqlite } from '@aura/db';

/**
 * Shared by the adversarial tests (multi-process, crash) and `pnpm stress`: a migrated database in
 * a temporary directory, child processes run through tsx, their stdout read line by line, and
 * stopping them the way an operator (SIGTERM) or a crash (SIGKILL) does.
 */

export const WORKER_DIR = path.resolve(import.meta.dirname, '..', '..');
export const DB_PACKAGE_DIR = path.resolve(WORKER_DIR, '..', '..', 'packages', 'db');
export const FIXTURES = path.join(import.meta.dirname, 'fixtures');
/**
 * tsx as a loader of this Node process rather than its CLI: the CLI runs the script in a
 * grandchild that a SIGKILL of the CLI would leave running.
 */
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface Setup {
  dir: string;
  dbPath: string;
  backupDir: string;
  /** Environment for every child: the database, data and backup folders of this setup. */
  env: NodeJS.ProcessEnv;
  admin: Principal & { token: string };
  editor: Principal & { token: string };
}

/** A migrated database with an admin and an editor, each with an API token. */
export async function setupDatabase(prefix = 'aura-adversarial-'): Promise<Setup> {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const dataDir = path.join(dir, 'data');
  const dbPath = path.join(dataDir, 'aura.db');
  const backupDir = path.join(dir, 'backups');
  const env = {
    ...process.env,
    AURA_DB_PATH: dbPath,
    AURA_DATA_DIR: dataDir,
    AURA_BACKUP_DIR: backupDir,
    AURA_MEDIA_ROOTS: path.join(dir, 'media'),
  };
  mkdirSync(dataDir, { recursive: true });
  const sqlite = openSqlite(dbPath);
  try {
    applyMigrations(sqlite);
    const db = createDb(sqlite);
    const hash = await hashPassword('adversarial suite password');
    const make = (role: 'admin' | 'editor') => {
      const user = insertUser(
        db,
        null,
        { email: `${role}@adversarial.test`, displayName: role, role },
        hash,
      );
      const { token } = createApiToken(db, user.id, {
        userId: user.id,
        name: role,
        expiresInDays: 1,
      });
      return {
        userId: user.id,
        email: user.email,
        displayName: user.displayName,
        role,
        via: 'token' as const,
        token,
      };
    };
    return { dir, dbPath, backupDir, env, admin: make('admin'), editor: make('editor') };
  } finally {
    sqlite.close();
  }
}

export function removeSetup(setup: Setup | undefined): void {
  if (setup) rmSync(setup.dir, { recursive: true, force: true });
}

/** A child process whose stdout is split into lines as they arrive. */
export interface Child {
  process: ChildProcess;
  lines: string[];
  /** Everything it wrote to stderr (for failure messages). */
  stderr: () => string;
  exited: Promise<number | null>;
  /** Resolves with the first line (already seen or to come) that starts with `prefix`. */
  waitFor(prefix: string, timeoutMs?: number): Promise<string>;
  /** The same for the first line that passes `test`. */
  waitForMatch(
    test: (line: string) => boolean,
    description: string,
    timeoutMs?: number,
  ): Promise<string>;
  onLine(listener: (line: string) => void): void;
}

/** Runs a TypeScript file through tsx with `env`. */
export function spawnTsx(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd = WORKER_DIR,
): Child {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, file, ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listeners: ((line: string) => void)[] = [];
  let pending = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      lines.push(line);
      for (const listener of listeners) listener(line);
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-20_000)));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code, signal) => resolve(signal ? null : code)),
  );
  const result: Child = {
    process: child,
    lines,
    stderr: () => stderr,
    exited,
    onLine: (listener) => listeners.push(listener),
    waitFor(prefix, timeoutMs) {
      return result.waitForMatch((line) => line.startsWith(prefix), `"${prefix}…"`, timeoutMs);
    },
    waitForMatch(test, description, timeoutMs = 30_000) {
      const seen = lines.find(test);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const fail = (why: string) =>
          reject(
            new Error(
              `${why} ${description}\nstdout:\n${lines.slice(-20).join('\n')}\nstderr:\n${stderr}`,
            ),
          );
        const timer = setTimeout(() => fail(`no line within ${timeoutMs} ms:`), timeoutMs);
        listeners.push((line) => {
          if (test(line)) {
            clearTimeout(timer);
            resolve(line);
          }
        });
        void exited.then(() => {
          clearTimeout(timer);
          fail('exited before');
        });
      });
    },
  };
  return result;
}

/** The fields of a structured (JSON) log line, or null. */
export function logFields(line: string): Record<string, unknown> | null {
  if (!line.startsWith('{')) return null;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. Resolves once it is gone. */
export async function stopChild(child: Child, graceMs = 5_000): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** SIGKILL (a crash: nothing is closed or flushed). Resolves once it is gone. */
export async function killChild(child: Child): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGKILL');
  await child.exited;
}

/** integrity_check and foreign_key_check of a database no process has open. */
export function fileChecks(dbPath: string): { integrity: string[]; foreignKeys: unknown[] } {
  const sqlite = openSqlite(dbPath);
  try {
    return {
      integrity: (sqlite.pragma('integrity_check') as { integrity_check: string }[]).map(
        (r) => r.integrity_check,
      ),
      foreignKeys: sqlite.pragma('foreign_key_check') as unknown[],
    };
  } finally {
    sqlite.close();
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
