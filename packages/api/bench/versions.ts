/**
 * Benchmarks of version history and undo (issue 4), in process through the procedures, each
 * beside the raw better-sqlite3 equivalent in the same run:
 * - creating a version of a project with 200 scenes and ~1 MB of specs, against inserting the
 *   same bytes raw (one prepared INSERT of the version's content in one transaction);
 * - the storage 500 autosaves take when one scene changes each time;
 * - undo and redo.
 *   tsx bench/versions.ts [--iterations 200] [--autosaves 500]   (first part of `pnpm bench`)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  applyMigrations,
  createDb,
  insertAudited,
  openSqlite,
  projectStates,
  sceneStates,
  type AuraDb,
} from '@aura/db';
import { eq } from 'drizzle-orm';
import { createUser } from '../src/auth/service';
import { createContext } from '../src/context';
import { createCaller } from '../src/root';
import { createVersion } from '../src/versions/history';
import { currentContent } from '../src/versions/snapshot';
import { storageStats } from '../src/versions/storage';

/**
 * `--iterations n` (default 200) and `--autosaves n` (default 500, the storage target's count);
 * anything else is refused rather than misread.
 */
function parseVersionsArgs(argv: string[]): { iterations: number; autosaves: number } {
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== '--'),
    options: {
      iterations: { type: 'string', default: '200' },
      autosaves: { type: 'string', default: '500' },
    },
    strict: true,
    allowPositionals: false,
  });
  const iterations = Number(values.iterations);
  const autosaves = Number(values.autosaves);
  if (!Number.isInteger(iterations) || iterations < 1)
    throw new Error('--iterations must be an integer >= 1');
  if (!Number.isInteger(autosaves) || autosaves < 1)
    throw new Error('--autosaves must be an integer >= 1');
  return { iterations, autosaves };
}

const { iterations, autosaves } = parseVersionsArgs(process.argv.slice(2));

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const value = sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  if (value === undefined) throw new Error('No samples');
  return value;
}

function time(work: () => unknown): number {
  const start = process.hrtime.bigint();
  work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function timeAsync(work: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * p50 and p95, and against raw both ratios: the p95 ratio alone flatters the procedure, since the
 * raw side's p95 is mostly commit (fsync) spikes while its p50 is the insert itself.
 */
function row(name: string, samples: number[], raw?: number[]) {
  const p50 = percentile(samples, 50);
  const p95 = percentile(samples, 95);
  const rawP50 = raw ? percentile(raw, 50) : null;
  const rawP95 = raw ? percentile(raw, 95) : null;
  return {
    case: name,
    'p50 ms': p50.toFixed(3),
    'p95 ms': p95.toFixed(3),
    'raw p50 ms': rawP50 === null ? '' : rawP50.toFixed(3),
    'raw p95 ms': rawP95 === null ? '' : rawP95.toFixed(3),
    'p50 ratio': rawP50 === null ? '' : (p50 / rawP50).toFixed(2),
    'p95 ratio': rawP95 === null ? '' : (p95 / rawP95).toFixed(2),
  };
}

function bigProject(db: AuraDb) {
  const filler = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ id: i, text: `paragraph ${i} `.repeat(20) }));
  const project = insertAudited(
    db,
    projectStates,
    {
      title: 'Benchmark project',
      briefJson: JSON.stringify({
        topic: 'Volcanoes',
        research: filler(1500),
        notes: filler(1500),
      }),
      planSpecJson: JSON.stringify({ sections: filler(20) }),
      voiceSpecJson: JSON.stringify({ voice: 'alloy', rate: 1 }),
      renderSpecJson: JSON.stringify({ width: 1920, height: 1080, fps: 30 }),
    },
    'bench',
  );
  for (let i = 0; i < 200; i++) {
    insertAudited(
      db,
      sceneStates,
      {
        projectId: project.id,
        sceneIndex: i,
        scriptText: `Scene ${i}: ${'narration '.repeat(30)}`,
        durationSeconds: 6,
      },
      'bench',
    );
  }
  return project;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'aura-bench-versions-'));
try {
  const sqlite = openSqlite(path.join(dir, 'aura.db'));
  applyMigrations(sqlite);
  const db = createDb(sqlite);
  const { user } = await createUser(db, null, {
    email: 'bench@bench.local',
    role: 'editor',
    password: 'benchmark-password',
  });
  const principal = {
    userId: user.id,
    email: user.email,
    displayName: user.displayName,
    role: user.role,
    via: 'token' as const,
  };
  const caller = () => createCaller(createContext({ db, principal }));
  const project = bigProject(db);
  const scenes = db.select().from(sceneStates).where(eq(sceneStates.projectId, project.id)).all();

  // 1. versions.create vs inserting the same bytes raw. The raw side writes to a file of its own
  // (same connection settings): in one file, its 1 MB commits would fill the WAL and the
  // procedure's commits would pay for checkpointing them.
  const rawSqlite = openSqlite(path.join(dir, 'raw.db'));
  rawSqlite.exec('CREATE TABLE RawVersions (Id integer PRIMARY KEY, Content text NOT NULL)');
  const rawInsert = rawSqlite.prepare('INSERT INTO RawVersions (Content) VALUES (?)');
  const rawTx = rawSqlite.transaction((content: string) => rawInsert.run(content));
  const versionBytes = Buffer.byteLength(
    JSON.stringify(
      currentContent(
        db,
        db.select().from(projectStates).where(eq(projectStates.id, project.id)).get()!,
      ),
    ),
  );
  const create: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < iterations + 20; i++) {
    const scene = scenes[i % scenes.length]!;
    db.update(sceneStates)
      .set({ scriptText: `Edit ${i}: ${'revised '.repeat(20)}` })
      .where(eq(sceneStates.id, scene.id))
      .run();
    const content = JSON.stringify(
      currentContent(
        db,
        db.select().from(projectStates).where(eq(projectStates.id, project.id)).get()!,
      ),
    );
    const c = await timeAsync(() =>
      caller().versions.create({ projectId: project.id, versionType: 'Manual' }),
    );
    const r = time(() => rawTx(content));
    if (i >= 20) {
      create.push(c);
      raw.push(r);
    }
  }

  // 2. Undo and redo of a project rename.
  const undo: number[] = [];
  const redo: number[] = [];
  let rowVersion = db.select().from(projectStates).where(eq(projectStates.id, project.id)).get()!
    .rowVersion;
  for (let i = 0; i < iterations + 20; i++) {
    rowVersion = (
      await caller().projects.update({ id: project.id, rowVersion, title: `Renamed ${i}` })
    ).rowVersion;
    const u = await timeAsync(() => caller().actions.undo());
    const r = await timeAsync(() => caller().actions.redo());
    rowVersion = db.select().from(projectStates).where(eq(projectStates.id, project.id)).get()!
      .rowVersion;
    if (i >= 20) {
      undo.push(u);
      redo.push(r);
    }
  }

  console.log(
    `\nVersion history and undo, ${iterations} calls each (version content ${(versionBytes / 1e6).toFixed(2)} MB)\n`,
  );
  console.table([
    row('versions.create (200 scenes, ~1 MB specs)', create, raw),
    row('actions.undo (project rename)', undo),
    row('actions.redo (project rename)', redo),
  ]);

  // 3. Storage of 500 autosaves, one scene changed each time.
  const project2 = bigProject(db);
  const scenes2 = db.select().from(sceneStates).where(eq(sceneStates.projectId, project2.id)).all();
  const keepAll = { keepLast: 10_000, dailyDays: 0, weeklyWeeks: 0 };
  createVersion(
    db,
    user.id,
    { projectId: project2.id, versionType: 'Autosave' },
    { retention: keepAll },
  );
  const first = storageStats(db, project2.id).storedBytes;
  let changed = 0;
  for (let i = 1; i <= autosaves; i++) {
    const scene = scenes2[(i * 37) % scenes2.length]!;
    db.update(sceneStates)
      .set({ scriptText: `Autosave edit ${i}: ${'revised narration '.repeat(15)}` })
      .where(eq(sceneStates.id, scene.id))
      .run();
    createVersion(
      db,
      user.id,
      { projectId: project2.id, versionType: 'Autosave' },
      { retention: keepAll },
    );
    const scenesBlob = currentContent(
      db,
      db.select().from(projectStates).where(eq(projectStates.id, project2.id)).get()!,
    ).scenes.find((s) => s.id === scene.id)!;
    changed += Buffer.byteLength(
      JSON.stringify(Object.fromEntries(Object.entries(scenesBlob).sort())),
    );
  }
  const stored = storageStats(db, project2.id).storedBytes;
  console.log(
    `\n${autosaves} autosaves of a 200-scene project (~1 MB specs), one scene changed each time: stored ${(stored / 1e6).toFixed(2)} MB ` +
      `= ${(stored / (first + changed)).toFixed(3)}x (first version ${(first / 1e6).toFixed(2)} MB + changed scenes ${(changed / 1e3).toFixed(0)} KB); target ≤ 1.2x\n`,
  );
  rawSqlite.close();
  sqlite.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
