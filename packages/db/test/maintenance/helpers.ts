import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { openSqlite, type Sqlite } from '../../src/client';
import { applyMigrations } from '../../src/migrations';
import { newId } from '../../src/schema/columns';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
/** tsx's loader, by URL, so the child does not depend on its working directory. */
const TSX_LOADER = pathToFileURL(require.resolve('tsx')).href;

const cleanups: (() => void)[] = [];

/** A fresh directory under os.tmpdir(), removed by cleanup(). */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aura-maint-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function cleanup(): void {
  while (cleanups.length > 0) cleanups.pop()!();
}

/** A migrated database with `projects` ProjectStates rows, closed again. */
export function createDatabase(file: string, projects = 0): void {
  const sqlite = openSqlite(file);
  try {
    applyMigrations(sqlite);
    insertProjects(sqlite, projects);
  } finally {
    sqlite.close();
  }
}

export function insertProjects(sqlite: Sqlite, count: number, title = 'Project'): void {
  const insert = sqlite.prepare('INSERT INTO ProjectStates (Id, Title) VALUES (?, ?)');
  sqlite.transaction(() => {
    for (let i = 0; i < count; i++) insert.run(newId(), `${title} ${i + 1}`);
  })();
}

/** Opens `file` with the application's pragmas, runs `work`, closes. */
export function withDb<T>(file: string, work: (sqlite: Sqlite) => T): T {
  const sqlite = openSqlite(file);
  try {
    return work(sqlite);
  } finally {
    sqlite.close();
  }
}

/** Reads without touching the file (raw read-only connection). */
export function readOnly<T>(file: string, work: (sqlite: Sqlite) => T): T {
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return work(sqlite);
  } finally {
    sqlite.close();
  }
}

export function projectCount(file: string): number {
  return readOnly(
    file,
    (s) => (s.prepare('SELECT count(*) AS n FROM ProjectStates').get() as { n: number }).n,
  );
}

export function projectRows(file: string): { Id: string; Title: string; RowVersion: number }[] {
  return readOnly(
    file,
    (s) =>
      s.prepare('SELECT Id, Title, RowVersion FROM ProjectStates ORDER BY Id').all() as {
        Id: string;
        Title: string;
        RowVersion: number;
      }[],
  );
}

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

export function listDir(dir: string): string[] {
  return readdirSync(dir).sort();
}

/** Runs a TypeScript fixture in a separate Node process through tsx (stdin open for commands). */
export function spawnFixture(name: string, args: string[]): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--import', TSX_LOADER, path.join(here, 'fixtures', name), ...args],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

/** Resolves with the first stdout line starting with `prefix`; rejects if the child exits first. */
export function waitForLine(
  child: ChildProcess,
  prefix: string,
  timeoutMs = 20_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => finish(new Error(`timed out waiting for "${prefix}"; stderr: ${err}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith(prefix));
      if (line !== undefined) finish(null, line);
    };
    const onErr = (chunk: Buffer) => {
      err += chunk.toString();
    };
    const onExit = (code: number | null) =>
      finish(new Error(`child exited (${code}) before "${prefix}": ${err}`));
    function finish(error: Error | null, line?: string) {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onErr);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(line!);
    }
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onErr);
    child.on('exit', onExit);
  });
}

/** Sends one command line to a fixture and resolves with its answer (the line starting `answer`). */
export function ask(child: ChildProcess, command: string, answer: string): Promise<string> {
  const line = waitForLine(child, answer);
  child.stdin!.write(`${command}\n`);
  return line;
}

export function waitForExit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Kills the child (SIGKILL: like a crash, nothing is closed cleanly) and waits for it. */
export async function killChild(child: ChildProcess): Promise<void> {
  const exited = waitForExit(child);
  child.kill('SIGKILL');
  await exited;
}
