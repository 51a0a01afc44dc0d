import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IN_USE_MESSAGE, isDatabaseInUse, restoreDatabase } from '../../src/maintenance';
import {
  ask,
  cleanup,
  createDatabase,
  killChild,
  projectRows,
  spawnFixture,
  tempDir,
  waitForExit,
  waitForLine,
} from './helpers';

/**
 * The database, its -wal and its -shm are SQLite's alone. A process holding a connection that
 * opens and closes the file with fs drops every POSIX lock it holds on it; the next process to
 * close its connection then believes it is the last one and deletes the -wal and -shm under the
 * writer, whose later commits go into an unlinked log and are lost. This runs the way the web
 * server does: the backup inside the process that holds the connection and writes.
 */

afterEach(cleanup);

const hasSqliteShell = spawnSync('sqlite3', ['-version']).status === 0;

/** Opens, reads and closes the database from other processes (sqlite3 shell when installed, node). */
async function openAndCloseElsewhere(dbPath: string): Promise<void> {
  if (hasSqliteShell) execFileSync('sqlite3', [dbPath, 'SELECT count(*) FROM ProjectStates;']);
  const toucher = spawnFixture('touch.ts', [dbPath]);
  await waitForLine(toucher, 'count ');
  expect(await waitForExit(toucher)).toBe(0);
}

function sidecarsPresent(dbPath: string) {
  return { wal: existsSync(`${dbPath}-wal`), shm: existsSync(`${dbPath}-shm`) };
}

describe('a backup inside a process that holds the database', () => {
  it('keeps -wal/-shm, every confirmed write, and restore refusing while that process lives', async () => {
    const root = tempDir();
    const dbPath = path.join(root, 'data', 'aura.db');
    const backups = path.join(root, 'backups');
    createDatabase(dbPath, 2);

    const server = spawnFixture('server.ts', [dbPath, backups]);
    await waitForLine(server, 'ready');
    const confirmed: string[] = [];
    const write = async () => confirmed.push((await ask(server, 'write', 'wrote ')).slice(6));

    await write();
    const backup = await ask(server, 'backup', 'backup');
    expect(backup).toMatch(/^backup .*aura_backup_\d{8}_\d{6}\.db$/);
    const backupFile = backup.slice('backup '.length);

    await openAndCloseElsewhere(dbPath);
    expect.soft(sidecarsPresent(dbPath)).toEqual({ wal: true, shm: true });
    for (let i = 0; i < 5; i++) await write();
    await openAndCloseElsewhere(dbPath);
    expect.soft(sidecarsPresent(dbPath)).toEqual({ wal: true, shm: true });
    await write();

    // The server still holds the file, so restore must refuse and change nothing.
    expect.soft(isDatabaseInUse(dbPath)).toBe(true);
    let refusal: unknown;
    try {
      restoreDatabase({ file: backupFile, dbPath, safetyDir: path.join(root, 'safety') });
    } catch (error) {
      refusal = error;
    }
    expect.soft((refusal as Error | undefined)?.message).toContain(IN_USE_MESSAGE);

    // Stopped like a crash (nothing closed cleanly): every confirmed write is on disk.
    await killChild(server);
    const onDisk = new Set(projectRows(dbPath).map((row) => row.Id));
    expect(confirmed).toHaveLength(7);
    expect(confirmed.filter((id) => !onDisk.has(id))).toEqual([]);
    expect(onDisk.size).toBe(2 + confirmed.length);
  });
});
