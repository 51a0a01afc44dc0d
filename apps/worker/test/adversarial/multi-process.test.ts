import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createAuraClient } from '@aura/api/client';
import { IN_USE_MESSAGE, isDatabaseInUse, openSqlite, restoreDatabase } from '@aura/db';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DB_PACKAGE_DIR,
  FIXTURES,
  fileChecks,
  logFields,
  removeSetup,
  setupDatabase,
  sleep,
  spawnTsx,
  stopChild,
  type Child,
  type Setup,
} from './helpers';

/**
 * The deployment on one database file: the API in its own process (HTTP, typed client), the worker
 * as its real entry point, and other processes that open and close the file (the sqlite3 shell, a
 * node script, `db:status`). Backups run inside the API and the worker. Every write the API
 * acknowledged must be on disk after everything is stopped, and restore must refuse while the API
 * holds the file. (A backup that opened the live file with fs dropped the server's locks, so the
 * next process to close the file deleted the -wal under it: confirmed writes then vanished.)
 */

const hasSqliteShell = spawnSync('sqlite3', ['-version']).status === 0;

let setup: Setup | undefined;
const children: Child[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => stopChild(c, 1_000)));
  removeSetup(setup);
  setup = undefined;
});

/** Open, read and close the database from other processes. */
function openAndCloseElsewhere(s: Setup): void {
  if (hasSqliteShell) execFileSync('sqlite3', [s.dbPath, 'SELECT count(*) FROM ProjectStates;']);
  const touch = spawnSync(
    path.join(DB_PACKAGE_DIR, 'node_modules', '.bin', 'tsx'),
    [path.join(FIXTURES, 'touch.ts'), s.dbPath],
    { cwd: DB_PACKAGE_DIR, env: s.env, encoding: 'utf8' },
  );
  expect(touch.stdout, touch.stderr).toMatch(/^count \d+/);
  const status = spawnSync(
    path.join(DB_PACKAGE_DIR, 'node_modules', '.bin', 'tsx'),
    ['src/cli.ts', 'status'],
    { cwd: DB_PACKAGE_DIR, env: s.env, encoding: 'utf8' },
  );
  expect(status.status, status.stderr).toBe(0);
}

type Acknowledged = Map<string, { title: string; rowVersion: number }>;

/** The projects whose last acknowledged title and RowVersion are not what the file holds. */
function lostWrites(dbPath: string, acknowledged: Acknowledged): string[] {
  const sqlite = openSqlite(dbPath);
  const read = sqlite.prepare(
    'SELECT Title AS title, RowVersion AS rowVersion FROM ProjectStates WHERE Id = ?',
  );
  try {
    return [...acknowledged]
      .filter(([id, ack]) => {
        const row = read.get(id) as { title: string; rowVersion: number } | undefined;
        return row?.title !== ack.title || row.rowVersion !== ack.rowVersion;
      })
      .map(([id]) => id);
  } finally {
    sqlite.close();
  }
}

describe('API server, worker and other processes on one database file', () => {
  it('keeps every acknowledged write through backups in both and opens from a third process; restore refuses', async () => {
    const s = (setup = await setupDatabase());
    const api = spawnTsx(path.join(FIXTURES, 'api-server.ts'), [], s.env);
    children.push(api);
    const port = (await api.waitFor('listening ')).split(' ')[1];
    const admin = createAuraClient({
      url: `http://127.0.0.1:${port}/api/trpc`,
      token: s.admin.token,
    });
    const editor = createAuraClient({
      url: `http://127.0.0.1:${port}/api/trpc`,
      token: s.editor.token,
    });

    // The worker's first tick runs every job, the scheduled backup included (none recorded yet).
    const worker = spawnTsx('src/main.ts', [], { ...s.env, AURA_WORKER_TICK_MS: '200' });
    children.push(worker);
    await worker.waitForMatch(
      (line) => {
        const fields = logFields(line);
        return fields?.msg === 'job done' && fields.job === 'backup';
      },
      "the worker's scheduled backup",
      60_000,
    );
    const { items: runs } = await admin.backups.list.query({});
    expect(runs.map((r) => [r.trigger, r.status, r.errorMessage])).toEqual([
      ['Scheduled', 'Succeeded', null],
    ]);

    // Acknowledged state per project: the title and RowVersion of its last successful write.
    const acknowledged: Acknowledged = new Map();
    const writing = { on: true }; // switched off below while the loop awaits
    let writes = 0;
    let writeError: unknown = null;
    const writer = (async () => {
      let n = 0;
      while (writing.on) {
        n += 1;
        const ids = [...acknowledged.keys()];
        if (ids.length < 5 || n % 3 === 0) {
          const created = await editor.projects.create.mutate({ title: `created ${n}` });
          acknowledged.set(created.id, { title: created.title, rowVersion: created.rowVersion });
          writes += 1;
        } else {
          const id = ids[n % ids.length]!;
          const updated = await editor.projects.update.mutate({
            id,
            rowVersion: acknowledged.get(id)!.rowVersion,
            title: `updated ${n}`,
          });
          acknowledged.set(id, { title: updated.title, rowVersion: updated.rowVersion });
          writes += 1;
        }
      }
    })().catch((error: unknown) => {
      writeError = error;
    });

    await sleep(300);
    const manual = await admin.backups.run.mutate();
    expect(manual.status, manual.errorMessage ?? '').toBe('Succeeded');

    for (let round = 0; round < 3; round++) {
      openAndCloseElsewhere(s);
      await sleep(300);
      expect.soft(existsSync(`${s.dbPath}-wal`), 'the live -wal is still there').toBe(true);
    }
    writing.on = false;
    await writer;
    expect(writeError).toBeNull();
    expect(writes).toBeGreaterThan(5);
    // Read from this process while the API still runs: a write in a deleted -wal is already gone.
    expect.soft(lostWrites(s.dbPath, acknowledged), 'lost while the API runs').toEqual([]);

    // The API still holds the file (and ran a backup): restore must refuse and change nothing.
    expect.soft(isDatabaseInUse(s.dbPath)).toBe(true);
    expect
      .soft(() =>
        restoreDatabase({
          file: manual.file!,
          dbPath: s.dbPath,
          safetyDir: path.join(s.dir, 'safety'),
        }),
      )
      .toThrow(IN_USE_MESSAGE);

    // Stopped like an operator does; the API never closes its connection (like the web server).
    await stopChild(worker);
    await stopChild(api);
    expect(worker.lines.at(-1)).toContain('worker stopped');

    const checks = fileChecks(s.dbPath);
    expect(checks.integrity).toEqual(['ok']);
    expect(checks.foreignKeys).toEqual([]);
    const lost = lostWrites(s.dbPath, acknowledged);
    console.info(
      `multi-process: ${writes} acknowledged writes to ${acknowledged.size} projects, ${lost.length} projects with lost writes`,
    );
    expect(
      lost,
      `${lost.length} of ${acknowledged.size} projects lost acknowledged writes`,
    ).toEqual([]);
  }, 120_000);
});
