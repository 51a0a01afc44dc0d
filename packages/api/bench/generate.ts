/**
 * Generates a realistic Aura database at a chosen scale for benchmarks and query-plan tests.
 *
 *   tsx bench/generate.ts --scale 100 --out aura-bench-100x.db [--seed 42] [--serial]
 *
 * Scale 1 is the seed specification's typical maxima: 1,000 projects, 10,000 scenes, 20,000 assets,
 * 500 versions, 10,000 exports, 50,000 action logs (plus a few hundred render checkpoints and
 * users). The schema comes from the real migrations (`applyMigrations`); the rows are
 * bulk-inserted with raw prepared statements in large transactions, so that 100x (millions of
 * rows) takes minutes. Their content is what the product writes: version content through the
 * versions service's encoders (so the content blobs number what the versions need), undo-log
 * entries in recordAction's format and within its per-user bound (so fewer than 50,000 when the
 * writers are few): the worker's jobs and the services must be able to read all of it back.
 *
 * Deterministic: every table draws from its own seeded stream (mulberry32), so the same seed and
 * scale give the same content whether the action logs, the largest table, are generated in this
 * process or, from scale 5 up, in a second process on the other core (then copied in with
 * SQLite's transfer optimization, which moves B-tree pages without decoding rows).
 */
import { spawn } from 'node:child_process';
import { renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs as parseCliArgs } from 'node:util';
import {
  PROJECT_STAGES,
  applyMigrations,
  createDb,
  mergeSearchIndexes,
  openSqlite,
  seedDatabase,
  type AssetType,
  type ExportStatus,
  type ProjectStage,
  type ProjectStatus,
  type Sqlite,
  type UserRole,
  type VersionType,
} from '@aura/db';
import { UNDO_LOG_LIMITS } from '../src/actions/recorder';
import { EXPORT_PRESETS } from '../src/exports/presets';
import { prepareBlob, type PreparedBlob } from '../src/versions/content';
import { DOCUMENTS, type SceneContent } from '../src/versions/snapshot';
import { encodeTimeline, type DecodedTimeline } from '../src/versions/timeline';
import {
  chance,
  hex,
  int,
  mulberry32,
  pick,
  streamSeed,
  uuidv7At,
  weighted,
  type Rng,
} from './random';
import { AUDIENCES, TONES, TOPICS, VOICES, description, paragraph, sentence, title } from './words';

/** Bump when the generated content changes, so cached benchmark databases are rebuilt. */
export const GENERATOR_VERSION = 5;
export const DEFAULT_SEED = 20260101;

/** The viewer the benchmarks call the procedures as (first user of every generated database). */
export const BENCH_VIEWER_EMAIL = 'bench-viewer@bench.local';

/** Timestamps spread over the year before this instant (fixed, so the content is reproducible). */
export const GENERATED_UNTIL_MS = Date.UTC(2026, 0, 1);
const SEC = 1_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const YEAR_MS = 365 * DAY;
const GENERATED_FROM_MS = GENERATED_UNTIL_MS - YEAR_MS;

/** Rows per table at scale 1. */
export const BASE_COUNTS = {
  users: 40,
  projects: 1_000,
  scenes: 10_000,
  assets: 20_000,
  renderCheckpoints: 300,
  versions: 500,
  contentBlobs: 5_000,
  exports: 10_000,
  actionLogs: 50_000,
} as const;

export type TableCounts = Record<keyof typeof BASE_COUNTS, number>;

/** Target row counts at a scale (at least a few users and one row of everything else). */
export function countsFor(scale: number): TableCounts {
  const out = {} as TableCounts;
  for (const [key, base] of Object.entries(BASE_COUNTS) as [keyof TableCounts, number][]) {
    out[key] = Math.max(key === 'users' ? 4 : 1, Math.round(base * scale));
  }
  return out;
}

export interface GenerateOptions {
  scale: number;
  /** The database file to create; an existing file is replaced. */
  out: string;
  seed?: number;
  /**
   * Generate the action logs in a second process (default: from scale 5 up, when this process
   * runs under tsx, whose loader the child process reuses).
   */
  parallel?: boolean;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface GenerateResult {
  file: string;
  scale: number;
  seed: number;
  generatorVersion: number;
  parallel: boolean;
  /** Rows inserted per table. */
  counts: TableCounts;
  /** Seconds per phase (of this process), and in total. */
  timings: Record<string, number>;
  /** CPU seconds (user + system) of this process per phase; the second process's are in its line. */
  cpuTimings: Record<string, number>;
  /** CPU seconds of both processes. */
  cpuSeconds: number;
  seconds: number;
  bytes: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const pad2 = (n: number) => String(n).padStart(2, '0');

// ---- value distributions ---------------------------------------------------------------------

const projectStatus = weighted<ProjectStatus>({
  InProgress: 40,
  Completed: 48,
  Failed: 7,
  Cancelled: 5,
});
const inProgressStage = weighted<ProjectStage>({
  Script: 20,
  TTS: 20,
  Images: 25,
  Composition: 20,
  Render: 15,
});
const failedStage = weighted<ProjectStage>({
  Script: 5,
  TTS: 25,
  Images: 35,
  Composition: 15,
  Render: 20,
});
const userRole = weighted<UserRole>({ admin: 8, editor: 57, viewer: 35 });
const assetType = weighted<AssetType>({ Image: 45, Audio: 35, Video: 10, Subtitle: 10 });
const ASSET_FILES: Record<
  AssetType,
  { dir: string; ext: string; mime: string; min: number; max: number }
> = {
  Image: { dir: 'images', ext: 'png', mime: 'image/png', min: 150_000, max: 3_500_000 },
  Audio: { dir: 'audio', ext: 'wav', mime: 'audio/wav', min: 80_000, max: 2_500_000 },
  Video: { dir: 'video', ext: 'mp4', mime: 'video/mp4', min: 4_000_000, max: 450_000_000 },
  Subtitle: { dir: 'subtitles', ext: 'srt', mime: 'application/x-subrip', min: 800, max: 20_000 },
};
const versionType = weighted<VersionType>({ Autosave: 60, Manual: 30, RestorePoint: 10 });
const VERSION_TRIGGERS: Record<VersionType, string> = {
  Autosave: 'autosave-timer',
  Manual: 'user',
  RestorePoint: 'before-restore',
};
const recentExportStatus = weighted<ExportStatus>({
  Queued: 40,
  InProgress: 10,
  Completed: 40,
  Failed: 6,
  Cancelled: 4,
});
const pastExportStatus = weighted<'Completed' | 'Failed' | 'Cancelled'>({
  Completed: 84,
  Failed: 10,
  Cancelled: 6,
});
const exportPreset = weighted<string>({
  'youtube-1080p': 40,
  'youtube-720p': 12,
  'vertical-1080x1920': 25,
  'instagram-square': 8,
  'audio-only': 6,
  'audio-mp3': 4,
  'gif-preview': 5,
});
/** What happened to a logged action after it was recorded (Expired is the worker's doing). */
const actionOutcome = weighted<'Applied' | 'Undone' | 'Failed'>({
  Applied: 91,
  Undone: 8,
  Failed: 1,
});
/**
 * The project edits the services log through recordAction, with the columns each one changes
 * (besides the key, RowVersion, UpdatedAt and ModifiedBy, which every versioned update changes).
 */
const PROJECT_ACTIONS: readonly { type: string; describe: string; fields: readonly string[] }[] = [
  { type: 'projects.update', describe: 'Edited the title of project', fields: ['title'] },
  {
    type: 'projects.update',
    describe: 'Edited the description of project',
    fields: ['description'],
  },
  { type: 'projects.update', describe: 'Edited the title of project', fields: ['title'] },
  {
    type: 'projects.setStage',
    describe: 'Moved to the next stage project',
    fields: ['currentStage', 'progressPercent'],
  },
  {
    type: 'projects.setWizardStep',
    describe: 'Changed the wizard step of project',
    fields: ['currentWizardStep'],
  },
  {
    type: 'projects.softDelete',
    describe: 'Moved to the trash project',
    fields: ['isDeleted', 'deletedAt', 'deletedBy'],
  },
  {
    type: 'projects.restore',
    describe: 'Restored from the trash project',
    fields: ['isDeleted', 'deletedAt', 'deletedBy'],
  },
];
const PROJECT_ERRORS = [
  'TTS provider returned 429 Too Many Requests after 5 retries',
  'Image generation timed out after 120 s for scene 4',
  'FFmpeg exited with code 1: Invalid data found when processing input',
  'Disk full while writing composition output',
  'Voice "en-US-Aria" is not available for the selected provider',
];
const EXPORT_ERRORS = [
  'ffmpeg exited with code 1: Invalid data found when processing input',
  'ffmpeg exited with code 234: Error opening output file',
  'Input file disappeared before the export started',
  'Export cancelled by worker shutdown',
];

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

// ---- JSON specs (a few KB per project in total) ------------------------------------------------

function briefJson(rng: Rng, topic: string): string {
  return JSON.stringify({
    topic,
    audience: pick(rng, AUDIENCES),
    goal: sentence(rng, topic),
    tone: pick(rng, TONES),
    language: 'en-US',
    aspect: pick(rng, ['Widescreen16x9', 'Vertical9x16', 'Square1x1']),
    keyPoints: Array.from({ length: int(rng, 3, 6) }, () => sentence(rng)),
    notes: paragraph(rng, int(rng, 80, 300)),
  });
}

function planSpecJson(rng: Rng, sceneCount: number): string {
  return JSON.stringify({
    targetDurationSeconds: int(rng, 30, 600),
    pacing: pick(rng, ['Chill', 'Conversational', 'Fast']),
    density: pick(rng, ['Sparse', 'Balanced', 'Dense']),
    style: pick(rng, ['Documentary', 'Explainer', 'Tutorial', 'Story']),
    outline: Array.from({ length: Math.min(sceneCount, 12) }, (_, i) => ({
      scene: i + 1,
      heading: sentence(rng).slice(0, 60),
      narration: sentence(rng),
      visual: `${pick(rng, ['wide shot', 'close-up', 'diagram', 'timelapse', 'b-roll'])} of ${pick(rng, TOPICS).toLowerCase()}`,
      seconds: int(rng, 5, 30),
    })),
  });
}

function voiceSpecJson(rng: Rng): string {
  return JSON.stringify({
    provider: pick(rng, ['ElevenLabs', 'Azure', 'Piper', 'OpenAI']),
    voice: pick(rng, VOICES),
    rate: Math.round((0.85 + rng() * 0.3) * 100) / 100,
    pitch: Math.round((rng() * 4 - 2) * 10) / 10,
    pauseStyle: pick(rng, ['Natural', 'Short', 'Long', 'Dramatic']),
  });
}

function renderSpecJson(rng: Rng): string {
  const preset = pick(rng, EXPORT_PRESETS);
  return JSON.stringify({
    preset: preset.name,
    resolution: preset.resolution,
    codec: preset.codec,
    fps: pick(rng, [24, 25, 30, 60]),
    videoBitrateKbps: preset.videoBitrateKbps,
    audioBitrateKbps: preset.audioBitrateKbps,
    subtitles: {
      burnIn: chance(rng, 0.3),
      format: 'srt',
      font: pick(rng, ['Inter', 'Roboto', 'Lato']),
    },
    music: chance(rng, 0.6)
      ? {
          track: `library/${pick(rng, ['calm', 'upbeat', 'cinematic'])}-${int(rng, 1, 40)}.mp3`,
          volumeDb: -18,
        }
      : null,
  });
}

// ---- the skeleton every part shares -----------------------------------------------------------

/** Users and the projects' identities and states: cheap, and needed by every table. */
interface World {
  seed: number;
  counts: TableCounts;
  userIds: string[];
  userRoles: UserRole[];
  userCreatedMs: number[];
  /** Admins and editors: the authors of content. */
  writerIds: string[];
  projectIds: string[];
  projectTitles: string[];
  projectTopics: string[];
  createdMs: Float64Array;
  updatedMs: Float64Array;
  status: ProjectStatus[];
  stageIndex: Uint8Array;
  deleted: Uint8Array;
  sceneCounts: Uint16Array;
  assetCounts: Uint16Array;
  /** Projects with versions (by index, in the order their versions are written) and how many. */
  versionPlan: Map<number, number>;
}

function buildWorld(seed: number, counts: TableCounts): World {
  const users = mulberry32(streamSeed(seed, 'users'));
  const userIds: string[] = [];
  const userRoles: UserRole[] = [];
  const userCreatedMs: number[] = [];
  const writerIds: string[] = [];
  for (let i = 0; i < counts.users; i++) {
    const created = GENERATED_FROM_MS - int(users, 1, 60) * DAY + i * MIN;
    const role: UserRole = i === 0 ? 'viewer' : i === 1 ? 'admin' : userRole(users);
    userIds.push(uuidv7At(users, created));
    userRoles.push(role);
    userCreatedMs.push(created);
    if (role !== 'viewer') writerIds.push(userIds[i]!);
  }

  const rng = mulberry32(streamSeed(seed, 'projects'));
  const n = counts.projects;
  const createdMs = new Float64Array(n);
  for (let i = 0; i < n; i++) createdMs[i] = GENERATED_FROM_MS + rng() * (YEAR_MS - DAY);
  createdMs.sort(); // inserted in creation order, as in production (UUIDv7 ids stay append-only)
  const world: World = {
    seed,
    counts,
    userIds,
    userRoles,
    userCreatedMs,
    writerIds,
    projectIds: new Array<string>(n),
    projectTitles: new Array<string>(n),
    projectTopics: new Array<string>(n),
    createdMs,
    updatedMs: new Float64Array(n),
    status: new Array<ProjectStatus>(n),
    stageIndex: new Uint8Array(n),
    deleted: new Uint8Array(n),
    sceneCounts: new Uint16Array(n),
    assetCounts: new Uint16Array(n),
    versionPlan: new Map(),
  };
  for (let p = 0; p < n; p++) {
    const created = createdMs[p]!;
    const topic = pick(rng, TOPICS);
    const status = projectStatus(rng);
    const stage: ProjectStage =
      status === 'Completed'
        ? 'Render'
        : status === 'InProgress'
          ? inProgressStage(rng)
          : status === 'Failed'
            ? failedStage(rng)
            : pick(rng, PROJECT_STAGES);
    world.projectIds[p] = uuidv7At(rng, created);
    world.projectTopics[p] = topic;
    world.projectTitles[p] = title(rng, topic);
    world.status[p] = status;
    world.stageIndex[p] = PROJECT_STAGES.indexOf(stage);
    // Most projects are touched within days of creation; some much later.
    world.updatedMs[p] = Math.min(
      GENERATED_UNTIL_MS - 1,
      created + (GENERATED_UNTIL_MS - created) * rng() ** 4 + int(rng, 1, 3_600) * SEC,
    );
    world.deleted[p] = chance(rng, 0.05) ? 1 : 0; // ~5% in the trash
    // 5..15 scenes (mean 10) and 15..25 assets (mean 20), nudged below to the exact totals.
    world.sceneCounts[p] = int(rng, 5, 15);
    world.assetCounts[p] = int(rng, 15, 25);
  }
  adjustTotal(rng, world.sceneCounts, counts.scenes, 1, 30);
  adjustTotal(rng, world.assetCounts, counts.assets, 1, 50);
  world.versionPlan = planVersions(seed, counts.versions, n);
  return world;
}

/**
 * Which projects have versions, and how many each (1..8): chosen before the projects are written,
 * so that their scenes and specs can be kept for the versions, which capture them.
 */
function planVersions(seed: number, versions: number, projects: number): Map<number, number> {
  const rng = mulberry32(streamSeed(seed, 'versionPlan'));
  const plan = new Map<number, number>();
  let done = 0;
  while (done < versions) {
    let p = int(rng, 0, projects - 1);
    for (let tries = 0; plan.has(p) && tries < 20; tries++) p = int(rng, 0, projects - 1);
    const per = Math.min(int(rng, 1, 8), versions - done);
    plan.set(p, (plan.get(p) ?? 0) + per);
    done += per;
  }
  return plan;
}

/** Nudges per-parent child counts (each within [min, max]) until they sum to `target`. */
function adjustTotal(rng: Rng, counts: Uint16Array, target: number, min: number, max: number) {
  let total = 0;
  for (const c of counts) total += c;
  let guard = counts.length * (max + 1) + Math.abs(target - total) * 8;
  while (total !== target && guard-- > 0) {
    const i = int(rng, 0, counts.length - 1);
    if (total < target && counts[i]! < max) {
      counts[i]!++;
      total++;
    } else if (total > target && counts[i]! > min) {
      counts[i]!--;
      total--;
    }
  }
}

// ---- bulk loading -----------------------------------------------------------------------------

/** Rows per transaction: big enough to amortise the commit, small enough not to spill the cache. */
const ROWS_PER_COMMIT = 50_000;

/**
 * Inserts the rows `fill` produces into `table` with one prepared INSERT, committing every
 * ROWS_PER_COMMIT rows. Returns the number of rows.
 */
function bulkLoad(
  sqlite: Sqlite,
  table: string,
  columns: readonly string[],
  fill: (insert: (values: unknown[]) => void, inserted: (rows: number) => void) => void,
): number {
  const statement = sqlite.prepare(
    `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
  );
  let rows = 0;
  let pending = 0;
  // Rows inserted through other statements (children) count towards the commit too.
  const inserted = (n: number) => {
    pending += n;
    if (pending >= ROWS_PER_COMMIT) {
      sqlite.exec('COMMIT; BEGIN');
      pending = 0;
    }
  };
  sqlite.exec('BEGIN');
  try {
    fill((values) => {
      statement.run(values);
      rows++;
      inserted(1);
    }, inserted);
    sqlite.exec('COMMIT');
  } catch (error) {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    throw error;
  }
  return rows;
}

const AUDIT = ['CreatedAt', 'UpdatedAt', 'CreatedBy', 'ModifiedBy', 'RowVersion'] as const;

/** The tables the generator fills (their secondary indexes are rebuilt after loading). */
const GENERATED_TABLES = [
  'Users',
  'ProjectStates',
  'SceneStates',
  'AssetStates',
  'RenderCheckpoints',
  'ProjectVersions',
  'ContentBlobs',
  'ExportHistory',
  'ActionLogs',
] as const;

interface IndexSql {
  name: string;
  table: string;
  sql: string;
}

/**
 * Drops the secondary indexes of `tables` and returns their SQL (sqlite_master keeps it verbatim):
 * building an index by sorting the loaded rows is far faster than updating eight B-trees per
 * inserted row, and re-running the same SQL leaves the schema exactly as migrated (checked).
 */
function dropIndexes(sqlite: Sqlite, tables: readonly string[]): IndexSql[] {
  const indexes = sqlite
    .prepare(
      `SELECT name, tbl_name AS "table", sql FROM sqlite_master
       WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (SELECT value FROM json_each(?))`,
    )
    .all(JSON.stringify(tables)) as IndexSql[];
  for (const index of indexes) sqlite.exec(`DROP INDEX "${index.name}"`);
  return indexes;
}

/** Connection settings for loading: nobody else has the file; a crash means generating again. */
function bulkPragmas(sqlite: Sqlite, cacheMiB: number): void {
  // From WAL, a big load would go through a WAL file as large as the data. The rollback journal
  // (in memory) records almost nothing when the rows go to new pages. (OFF is refused: defensive.)
  setPragma(sqlite, 'journal_mode', 'MEMORY');
  sqlite.pragma('synchronous = OFF');
  sqlite.pragma('locking_mode = EXCLUSIVE');
  sqlite.pragma('foreign_keys = OFF');
  // A page cache that holds the table being indexed saves re-reading it for every CREATE INDEX.
  sqlite.pragma(`cache_size = ${-cacheMiB * 1024}`);
  sqlite.pragma('temp_store = MEMORY');
  sqlite.pragma('threads = 2'); // CREATE INDEX may sort with a helper thread
}

/** Sets a pragma and checks that SQLite took it (some are refused without an error). */
function setPragma(sqlite: Sqlite, name: string, value: string): void {
  const result = sqlite.pragma(`${name} = ${value}`, { simple: true });
  if (String(result).toLowerCase() !== value.toLowerCase()) {
    throw new Error(`PRAGMA ${name} = ${value} was refused (still ${String(result)})`);
  }
}

/** Tables, indexes and their SQL, to prove the bulk load left the schema as migrated. */
function schemaSnapshot(sqlite: Sqlite): string {
  return JSON.stringify(
    sqlite
      .prepare(
        `SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%' ORDER BY type, name`,
      )
      .all(),
  );
}

// ---- the tables -------------------------------------------------------------------------------

function insertUsers(sqlite: Sqlite, world: World): number {
  const rng = mulberry32(streamSeed(world.seed, 'userRows'));
  return bulkLoad(
    sqlite,
    'Users',
    ['Id', 'Email', 'DisplayName', 'Role', 'PasswordHash', 'IsActive', 'LastLoginAt', ...AUDIT],
    (insert) => {
      for (let i = 0; i < world.userIds.length; i++) {
        const created = iso(world.userCreatedMs[i]!);
        // A well-formed scrypt record with random salt and hash: nobody can log in as these users.
        const passwordHash = `scrypt$16384$8$1$${Buffer.from(hex(rng, 32), 'hex').toString('base64')}$${Buffer.from(hex(rng, 128), 'hex').toString('base64')}`;
        insert([
          world.userIds[i],
          i === 0 ? BENCH_VIEWER_EMAIL : `user${i}@example.com`,
          i === 0 ? 'Bench Viewer' : `User ${i}`,
          world.userRoles[i],
          passwordHash,
          i === 0 || chance(rng, 0.95) ? 1 : 0,
          chance(rng, 0.8) ? iso(GENERATED_UNTIL_MS - int(rng, 1, 90 * 24) * HOUR) : null,
          created,
          created,
          null,
          null,
          1,
        ]);
      }
    },
  );
}

/** Projects with their scenes and assets (one pass: children follow their project). */
function insertProjects(
  sqlite: Sqlite,
  world: World,
): { projects: number; scenes: number; assets: number; captured: Map<number, CapturedProject> } {
  const captured = new Map<number, CapturedProject>();
  const rng = mulberry32(streamSeed(world.seed, 'projectRows'));
  const insertScene = sqlite.prepare(
    `INSERT INTO SceneStates (Id, ProjectId, SceneIndex, ScriptText, AudioFilePath, ImageFilePath,
       DurationSeconds, IsCompleted, CreatedAt, UpdatedAt, CreatedBy, ModifiedBy, RowVersion)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertAsset = sqlite.prepare(
    `INSERT INTO AssetStates (Id, ProjectId, AssetType, FilePath, FileSizeBytes, MimeType,
       IsTemporary, CreatedAt, UpdatedAt, CreatedBy, ModifiedBy, RowVersion)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  let scenes = 0;
  let assets = 0;
  const projects = bulkLoad(
    sqlite,
    'ProjectStates',
    [
      'Id',
      'Title',
      'Description',
      'CurrentWizardStep',
      'Status',
      'CompletedAt',
      'CurrentStage',
      'ProgressPercent',
      'JobId',
      'BriefJson',
      'PlanSpecJson',
      'VoiceSpecJson',
      'RenderSpecJson',
      'ErrorMessage',
      ...AUDIT,
      'IsDeleted',
      'DeletedAt',
      'DeletedBy',
    ],
    (insert, inserted) => {
      for (let p = 0; p < world.projectIds.length; p++) {
        const id = world.projectIds[p]!;
        const topic = world.projectTopics[p]!;
        const status = world.status[p]!;
        const stageIndex = world.stageIndex[p]!;
        const created = world.createdMs[p]!;
        const updated = world.updatedMs[p]!;
        const deleted = world.deleted[p] === 1;
        const sceneCount = world.sceneCounts[p]!;
        const progress =
          status === 'Completed' ? 100 : Math.min(99, stageIndex * 20 + int(rng, 0, 19));
        const wizardStep = status === 'Completed' ? 5 : Math.min(5, stageIndex + int(rng, 0, 2));
        const creator = pick(rng, world.writerIds);
        const modifier = chance(rng, 0.7) ? creator : pick(rng, world.writerIds);
        const projectDescription = chance(rng, 0.9) ? description(rng, topic) : null;
        const jobId = stageIndex >= 1 ? `job-${uuidv7At(rng, updated)}` : null;
        const specs = {
          briefJson: wizardStep >= 1 ? briefJson(rng, topic) : null,
          planSpecJson: wizardStep >= 2 ? planSpecJson(rng, sceneCount) : null,
          voiceSpecJson: wizardStep >= 3 ? voiceSpecJson(rng) : null,
          renderSpecJson: wizardStep >= 4 ? renderSpecJson(rng) : null,
        };
        const keep: CapturedProject | null = world.versionPlan.has(p)
          ? { specs, scenes: [] }
          : null;
        if (keep) captured.set(p, keep);
        insert([
          id,
          world.projectTitles[p],
          projectDescription,
          wizardStep,
          status,
          status === 'Completed' ? iso(updated) : null,
          PROJECT_STAGES[stageIndex],
          progress,
          jobId,
          specs.briefJson,
          specs.planSpecJson,
          specs.voiceSpecJson,
          specs.renderSpecJson,
          status === 'Failed' ? pick(rng, PROJECT_ERRORS) : null,
          iso(created),
          iso(updated),
          creator,
          modifier,
          1 + int(rng, 0, 12) + (deleted ? 1 : 0),
          // A soft delete stamps UpdatedAt and DeletedAt together (versionedUpdate).
          deleted ? 1 : 0,
          deleted ? iso(updated) : null,
          deleted ? modifier : null,
        ]);

        const span = Math.max(1, updated - created);
        const base = `/srv/aura/projects/${id}`;
        for (let s = 0; s < sceneCount; s++) {
          const sceneCreated = created + Math.min(span * 0.2, (s + 1) * int(rng, 2, 40) * SEC);
          const sceneUpdated = sceneCreated + (updated - sceneCreated) * rng();
          const scene: SceneContent = {
            id: uuidv7At(rng, sceneCreated),
            scriptText: paragraph(rng, int(rng, 250, 750), s === 0 ? topic : undefined),
            audioFilePath: stageIndex >= 1 ? `${base}/audio/scene-${pad2(s)}.wav` : null,
            imageFilePath: stageIndex >= 2 ? `${base}/images/scene-${pad2(s)}.png` : null,
            durationSeconds: Math.round((4 + rng() * 26) * 10) / 10,
            isCompleted:
              status === 'Completed' || stageIndex >= 3 || (stageIndex === 2 && chance(rng, 0.5)),
          };
          keep?.scenes.push(scene);
          insertScene.run(
            scene.id,
            id,
            s,
            scene.scriptText,
            scene.audioFilePath,
            scene.imageFilePath,
            scene.durationSeconds,
            scene.isCompleted ? 1 : 0,
            iso(sceneCreated),
            iso(sceneUpdated),
            creator,
            modifier,
            1 + int(rng, 0, 6),
          );
        }
        scenes += sceneCount;
        inserted(sceneCount);

        const assetCount = world.assetCounts[p]!;
        for (let a = 0; a < assetCount; a++) {
          const type = assetType(rng);
          const file = ASSET_FILES[type];
          const assetMs = created + span * rng();
          const assetCreated = iso(assetMs);
          insertAsset.run(
            uuidv7At(rng, assetMs),
            id,
            type,
            `${base}/${file.dir}/${type.toLowerCase()}-${String(a).padStart(3, '0')}.${file.ext}`,
            int(rng, file.min, file.max),
            file.mime,
            chance(rng, 0.15) ? 1 : 0,
            assetCreated,
            assetCreated,
            creator,
            creator,
            1,
          );
        }
        assets += assetCount;
        inserted(assetCount);
      }
    },
  );
  return { projects, scenes, assets, captured };
}

/** The specs and scenes of a project with versions, as written (its versions capture them). */
interface CapturedProject {
  specs: Record<'briefJson' | 'planSpecJson' | 'voiceSpecJson' | 'renderSpecJson', string | null>;
  scenes: SceneContent[];
}

/** Recovery points of runs in progress or failed, past the script stage. */
function insertCheckpoints(sqlite: Sqlite, world: World): number {
  const rng = mulberry32(streamSeed(world.seed, 'checkpoints'));
  const candidates: number[] = [];
  for (let p = 0; p < world.projectIds.length; p++) {
    const status = world.status[p];
    if ((status === 'InProgress' || status === 'Failed') && world.stageIndex[p]! >= 1) {
      candidates.push(p);
    }
  }
  const target = world.counts.renderCheckpoints;
  return bulkLoad(
    sqlite,
    'RenderCheckpoints',
    [
      'Id',
      'ProjectId',
      'StageName',
      'CheckpointTime',
      'CompletedScenes',
      'TotalScenes',
      'CheckpointData',
      'OutputFilePath',
      'IsValid',
      ...AUDIT,
    ],
    (insert) => {
      let n = 0;
      while (n < target && candidates.length > 0) {
        const p = pick(rng, candidates);
        const per = Math.min(int(rng, 1, 4), target - n);
        const total = world.sceneCounts[p]!;
        for (let k = 0; k < per; k++) {
          const stage = PROJECT_STAGES[Math.max(1, world.stageIndex[p]! - (per - 1 - k))]!;
          const at = world.updatedMs[p]! - (per - k) * int(rng, 1, 30) * MIN;
          const done = Math.min(total, Math.round((total * (k + 1)) / per));
          insert([
            uuidv7At(rng, at),
            world.projectIds[p],
            stage,
            iso(at),
            done,
            total,
            JSON.stringify({
              stage,
              completedSceneIndices: Array.from({ length: done }, (_, s) => s),
              attempt: k + 1,
            }),
            `/srv/aura/projects/${world.projectIds[p]}/render/checkpoint-${k + 1}.mp4`,
            chance(rng, 0.9) ? 1 : 0,
            iso(at),
            iso(at),
            null,
            null,
            1,
          ]);
          n++;
        }
      }
    },
  );
}

/**
 * Versions and their content blobs, as createVersion writes them: each version captures its
 * project's specs and scenes (the scenes edited a little between versions) through the versions
 * service's own encoders (prepareBlob's canonical JSON and hash, encodeTimeline's full timelines
 * and deltas), holds one reference on every blob of its closure (documents, timeline chain,
 * scenes), and has the service's logical size. Reference counts, LastReferencedAt and each
 * project's version counter follow.
 */
function insertVersionsAndBlobs(
  sqlite: Sqlite,
  world: World,
  captured: Map<number, CapturedProject>,
): { versions: number; blobs: number } {
  const rng = mulberry32(streamSeed(world.seed, 'versions'));
  interface StoredBlob {
    blob: PreparedBlob;
    refs: number;
    firstMs: number;
    lastMs: number;
    creator: string;
    lastActor: string;
  }
  const blobs = new Map<string, StoredBlob>();
  const reference = (blob: PreparedBlob, at: number, actor: string) => {
    const known = blobs.get(blob.hash);
    if (known) {
      known.refs += 1;
      if (at >= known.lastMs) {
        known.lastMs = at;
        known.lastActor = actor;
      }
    } else {
      blobs.set(blob.hash, {
        blob,
        refs: 1,
        firstMs: at,
        lastMs: at,
        creator: actor,
        lastActor: actor,
      });
    }
  };
  const versionNumbers = new Map<number, number>();
  const versions = bulkLoad(
    sqlite,
    'ProjectVersions',
    [
      'Id',
      'ProjectId',
      'VersionNumber',
      'Name',
      'Description',
      'VersionType',
      'Trigger',
      'CreatedByUserId',
      'BriefHash',
      'PlanHash',
      'VoiceHash',
      'RenderHash',
      'TimelineHash',
      'StorageSizeBytes',
      'IsMarkedImportant',
      ...AUDIT,
      'IsDeleted',
      'DeletedAt',
      'DeletedBy',
    ],
    (insert) => {
      for (const [p, per] of world.versionPlan) {
        const project = captured.get(p);
        if (!project) throw new Error(`Project ${p} has versions but was not captured`);
        const documents = DOCUMENTS.map((doc) => {
          const text = project.specs[doc.projectColumn];
          return text === null ? null : prepareBlob(doc.contentType, JSON.parse(text));
        });
        const scenes = project.scenes.map((scene) => ({ ...scene }));
        // The latest timeline of this project, which the next one is a delta on.
        const last: { timeline: DecodedTimeline | null } = { timeline: null };
        const from = world.createdMs[p] ?? GENERATED_FROM_MS;
        const span = Math.max(per, (world.updatedMs[p] ?? from) - from);
        for (let k = 0; k < per; k++) {
          const at = from + (span * (k + 1)) / (per + 1);
          // Between two versions the user rewrote a scene or a few.
          if (k > 0 && scenes.length > 0) {
            for (let e = int(rng, 1, 3); e > 0; e--) {
              const scene = pick(rng, scenes);
              scene.scriptText = paragraph(rng, int(rng, 250, 750));
            }
          }
          const sceneBlobs = scenes.map((scene) => prepareBlob('Scene', scene));
          const entries = scenes.map((scene, i): [string, string] => [
            scene.id,
            sceneBlobs[i]?.hash ?? '',
          ]);
          const timeline = encodeTimeline(entries, last.timeline);
          last.timeline = timeline.decoded;
          const type = versionType(rng);
          const author = pick(rng, world.writerIds);
          const closure = new Map<string, PreparedBlob>();
          for (const blob of [...documents, ...sceneBlobs, timeline.blob])
            if (blob) closure.set(blob.hash, blob);
          for (const hash of timeline.chain) {
            const base = blobs.get(hash)?.blob ?? closure.get(hash);
            if (!base) throw new Error(`Timeline base ${hash} was never stored`);
            closure.set(hash, base);
          }
          for (const blob of closure.values()) reference(blob, at, author);
          let size = Buffer.byteLength(JSON.stringify(entries)) + 40;
          for (const blob of [...documents, ...sceneBlobs]) size += blob?.size ?? 0;
          const number = (versionNumbers.get(p) ?? 0) + 1;
          versionNumbers.set(p, number);
          const versionDeleted = chance(rng, 0.02);
          insert([
            uuidv7At(rng, at),
            world.projectIds[p],
            number,
            type === 'Manual' ? `Draft ${number}` : null,
            type === 'Manual' ? sentence(rng).slice(0, 120) : null,
            type,
            VERSION_TRIGGERS[type],
            author,
            ...documents.map((blob) => blob?.hash ?? null),
            timeline.blob.hash,
            size,
            type === 'Manual' && chance(rng, 0.2) ? 1 : 0,
            iso(at),
            iso(versionDeleted ? at + HOUR : at),
            author,
            author,
            versionDeleted ? 2 : 1,
            versionDeleted ? 1 : 0,
            versionDeleted ? iso(at + HOUR) : null,
            versionDeleted ? author : null,
          ]);
        }
      }
    },
  );

  // Each project's version counter (migration 0003), where the schema has it.
  const hasCounter = (
    sqlite.prepare(`SELECT name FROM pragma_table_info('ProjectStates')`).all() as {
      name: string;
    }[]
  ).some((column) => column.name === 'LastVersionNumber');
  if (hasCounter) {
    const setCounter = sqlite.prepare(
      `UPDATE ProjectStates SET LastVersionNumber = ? WHERE Id = ?`,
    );
    sqlite.transaction(() => {
      for (const [p, last] of versionNumbers) setCounter.run(last, world.projectIds[p]);
    })();
  }

  // Blobs in hash order: the primary key B-tree fills sequentially. storeBlobs stamps the insert
  // (RowVersion 1); each addReferences stamps UpdatedAt, ModifiedBy and RowVersion + 1.
  const ordered = [...blobs.values()].sort((a, b) => (a.blob.hash < b.blob.hash ? -1 : 1));
  const stored = bulkLoad(
    sqlite,
    'ContentBlobs',
    [
      'ContentHash',
      'Content',
      'ContentType',
      'SizeBytes',
      'LastReferencedAt',
      'ReferenceCount',
      ...AUDIT,
    ],
    (insert) => {
      for (const { blob, refs, firstMs, lastMs, creator, lastActor } of ordered) {
        insert([
          blob.hash,
          blob.text,
          blob.contentType,
          blob.size,
          iso(lastMs),
          refs,
          iso(firstMs),
          iso(lastMs),
          creator,
          lastActor,
          1 + refs,
        ]);
      }
    },
  );
  return { versions, blobs: stored };
}

/** Export jobs over the year: finished ones, and queued or running ones in the last two days. */
function insertExports(sqlite: Sqlite, world: World): number {
  const rng = mulberry32(streamSeed(world.seed, 'exports'));
  const n = world.counts.exports;
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) times[i] = GENERATED_FROM_MS + rng() * YEAR_MS;
  times.sort();
  const presets = new Map(EXPORT_PRESETS.map((preset) => [preset.name, preset]));
  const projectCount = world.projectIds.length;
  return bulkLoad(
    sqlite,
    'ExportHistory',
    [
      'Id',
      'InputFile',
      'OutputFile',
      'PresetName',
      'Status',
      'Progress',
      'StartedAt',
      'CompletedAt',
      'ErrorMessage',
      'FileSize',
      'DurationSeconds',
      'Platform',
      'Resolution',
      'Codec',
      ...AUDIT,
    ],
    (insert) => {
      for (let i = 0; i < n; i++) {
        const at = times[i]!;
        const status: ExportStatus =
          GENERATED_UNTIL_MS - at < 2 * DAY ? recentExportStatus(rng) : pastExportStatus(rng);
        const preset = presets.get(exportPreset(rng)) ?? EXPORT_PRESETS[0]!;
        const p = int(rng, 0, projectCount - 1);
        const duration = Math.round((20 + rng() * 580) * 10) / 10;
        const started =
          status === 'Queued' || (status === 'Cancelled' && chance(rng, 0.5))
            ? null
            : at + int(rng, 1, 300) * SEC;
        const finished =
          started !== null &&
          (status === 'Completed' || status === 'Failed' || status === 'Cancelled')
            ? started + int(rng, 5, 900) * SEC
            : null;
        const progress =
          status === 'Completed'
            ? 100
            : status === 'Queued' || started === null
              ? 0
              : Math.round(rng() * 990) / 10;
        const author = pick(rng, world.writerIds);
        insert([
          uuidv7At(rng, at),
          `/srv/aura/projects/${world.projectIds[p]}/render/final.mp4`,
          `/srv/aura/output/${slug(world.projectTitles[p]!)}-${i}${preset.extension}`,
          preset.name,
          status,
          progress,
          started === null ? null : iso(started),
          finished === null ? null : iso(finished),
          status === 'Failed' ? pick(rng, EXPORT_ERRORS) : null,
          status === 'Completed'
            ? Math.round(
                duration *
                  ((preset.videoBitrateKbps ?? 0) + (preset.audioBitrateKbps ?? 128)) *
                  125,
              )
            : null,
          status === 'Completed' ? (preset.maxDurationSeconds ?? duration) : null,
          preset.platform,
          preset.resolution,
          preset.codec,
          iso(at),
          iso(finished ?? started ?? at),
          author,
          author,
          status === 'Queued' ? 1 : status === 'InProgress' ? 2 : 3,
        ]);
      }
    },
  );
}

/**
 * The undo/redo log as recordAction writes it: project edits by admins and editors, each with
 * the row images the tracker keeps (the changed columns plus the key, RowVersion, UpdatedAt and
 * ModifiedBy) as `{"changes":[{table, id, after}]}` and `{"changes":[{table, id, before}]}`, an
 * ExpiresAt 30 days on (1 day for a transient action), and at most
 * UNDO_LOG_LIMITS.maxEntriesPerUser entries per user, the newest (recordAction prunes the rest):
 * so the table holds min(target, writers x 200) rows. Actions past ExpiresAt were marked Expired
 * by the worker, except a few it has not reached yet.
 */
function insertActionLogs(sqlite: Sqlite, world: World): number {
  const rng = mulberry32(streamSeed(world.seed, 'actionLogs'));
  const writers = world.writerIds;
  const cap = UNDO_LOG_LIMITS.maxEntriesPerUser;
  const n = Math.min(world.counts.actionLogs, writers.length * cap);
  // Each writer's newest actions, over the days before the generated instant (a busy user's 200
  // span a few days, an occasional one's months).
  const times: number[] = [];
  const users: number[] = [];
  for (let w = 0; w < writers.length; w++) {
    const share = Math.min(cap, Math.floor(n / writers.length) + (w < n % writers.length ? 1 : 0));
    const spanMs = int(rng, 2, 120) * DAY;
    const lastMs = GENERATED_UNTIL_MS - int(rng, 1, 48 * 60) * MIN;
    for (let k = 0; k < share; k++) {
      times.push(lastMs - rng() * spanMs);
      users.push(w);
    }
  }
  const order = Array.from({ length: times.length }, (_, i) => i).sort(
    (a, b) => (times[a] ?? 0) - (times[b] ?? 0),
  );
  const projectCount = world.projectIds.length;
  return bulkLoad(
    sqlite,
    'ActionLogs',
    [
      'Id',
      'UserId',
      'ActionType',
      'Description',
      'Timestamp',
      'Status',
      'AffectedResourceIds',
      'PayloadJson',
      'InverseActionType',
      'InversePayloadJson',
      'CanBatch',
      'IsPersistent',
      'UndoneAt',
      'UndoneByUserId',
      'ExpiresAt',
      'ErrorMessage',
      'CorrelationId',
      ...AUDIT,
    ],
    (insert) => {
      for (const i of order) {
        const at = times[i] ?? GENERATED_UNTIL_MS;
        const user = writers[users[i] ?? 0] ?? '';
        const action = pick(rng, PROJECT_ACTIONS);
        const p = int(rng, 0, projectCount - 1);
        const pid = world.projectIds[p] ?? '';
        const title = world.projectTitles[p] ?? '';
        const persistent = chance(rng, 0.9);
        const expires = at + (persistent ? 30 : 1) * DAY;
        const outcome = actionOutcome(rng);
        const undoneAt =
          outcome === 'Undone' ? Math.min(expires, at + int(rng, 5, 3_600) * SEC) : null;
        const expired = expires <= GENERATED_UNTIL_MS && outcome !== 'Failed' && chance(rng, 0.98);
        const status = expired ? 'Expired' : outcome;
        const correlation = chance(rng, 0.1) ? uuidv7At(rng, at) : null;
        const rowVersion = int(rng, 1, 20);
        const previousMs = at - int(rng, 1, 7 * 24 * 60) * MIN;
        const before: Record<string, unknown> = { id: pid };
        const after: Record<string, unknown> = { id: pid };
        const restore = action.type === 'projects.restore';
        for (const field of action.fields) {
          const [was, now] = imageValues(rng, field, title, user, at);
          before[field] = restore ? now : was;
          after[field] = restore ? was : now;
        }
        Object.assign(before, {
          rowVersion,
          updatedAt: iso(previousMs),
          modifiedBy: pick(rng, writers),
        });
        Object.assign(after, { rowVersion: rowVersion + 1, updatedAt: iso(at), modifiedBy: user });
        const timestamp = iso(at);
        // An undo stamps the row (UpdatedAt, ModifiedBy, RowVersion + 1); so does the worker's expiry.
        const touchedMs = expired ? expires : undoneAt;
        insert([
          uuidv7At(rng, at),
          user,
          action.type,
          `${action.describe} "${title}"`,
          timestamp,
          status,
          pid,
          JSON.stringify({ changes: [{ table: 'ProjectStates', id: pid, after }] }),
          `${action.type}.undo`,
          JSON.stringify({ changes: [{ table: 'ProjectStates', id: pid, before }] }),
          correlation !== null && chance(rng, 0.5) ? 1 : 0,
          persistent ? 1 : 0,
          undoneAt === null ? null : iso(undoneAt),
          undoneAt === null ? null : user,
          iso(expires),
          outcome === 'Failed' ? 'The project changed since; nothing was undone' : null,
          correlation,
          timestamp,
          touchedMs === null ? timestamp : iso(touchedMs),
          user,
          expired ? 'system' : user,
          1 + (undoneAt === null ? 0 : 1) + (expired ? 1 : 0),
        ]);
      }
    },
  );
}

/** A project column's value before and after a logged edit. */
function imageValues(
  rng: Rng,
  field: string,
  title: string,
  user: string,
  at: number,
): [unknown, unknown] {
  switch (field) {
    case 'title':
      return [title, `${title} (${pick(rng, ['draft', 'final', 'v2', 'short cut'])})`];
    case 'description':
      return [sentence(rng), sentence(rng)];
    case 'currentStage': {
      const stage = int(rng, 0, PROJECT_STAGES.length - 2);
      return [PROJECT_STAGES[stage], PROJECT_STAGES[stage + 1]];
    }
    case 'progressPercent':
      return [int(rng, 0, 49), int(rng, 50, 100)];
    case 'currentWizardStep': {
      const step = int(rng, 0, 4);
      return [step, step + 1];
    }
    case 'isDeleted':
      return [false, true];
    case 'deletedAt':
      return [null, iso(at)];
    case 'deletedBy':
      return [null, user];
    default:
      throw new Error(`No generated values for ${field}`);
  }
}

// ---- the generator ----------------------------------------------------------------------------

function removeDatabase(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal'])
    rmSync(`${file}${suffix}`, { force: true });
}

/** Wall-clock and CPU seconds per phase (the CPU time shows the work when other processes compete). */
function timer(log: (line: string) => void) {
  const timings: Record<string, number> = {};
  const cpuTimings: Record<string, number> = {};
  const started = process.hrtime.bigint();
  let last = started;
  let lastCpu = process.cpuUsage();
  return {
    timings,
    cpuTimings,
    phase(name: string) {
      const now = process.hrtime.bigint();
      const cpu = process.cpuUsage(lastCpu);
      timings[name] = Number(now - last) / 1e9;
      cpuTimings[name] = (cpu.user + cpu.system) / 1e6;
      log(
        `  ${name.padEnd(20)} ${timings[name].toFixed(2).padStart(7)} s  (CPU ${cpuTimings[name].toFixed(2)} s)`,
      );
      last = now;
      lastCpu = process.cpuUsage();
    },
    total: () => Number(process.hrtime.bigint() - started) / 1e9,
  };
}

/** Whether a child process can run this TypeScript file: only under tsx's loader. */
function canSpawnPart(): boolean {
  return process.execArgv.some((arg) => arg.includes('tsx'));
}

/**
 * Builds the database at `options.out` (replaced if present). Writes to `<out>.partial` and renames
 * at the end, so an interrupted run never leaves a file that looks complete.
 */
export async function generateDatabase(options: GenerateOptions): Promise<GenerateResult> {
  const seed = options.seed ?? DEFAULT_SEED;
  const log = options.log ?? (() => undefined);
  const counts = countsFor(options.scale);
  const parallel = options.parallel ?? (options.scale >= 5 && canSpawnPart());
  const clock = timer(log);
  const cpuAtStart = process.cpuUsage();
  const cpuTotal = (now: NodeJS.CpuUsage) =>
    (now.user - cpuAtStart.user + now.system - cpuAtStart.system) / 1e6;
  let childCpu = 0;

  const out = path.resolve(options.out);
  const partial = `${out}.partial`;
  const actionLogsPart = `${out}.action-logs`;
  removeDatabase(partial);
  removeDatabase(actionLogsPart);

  // The action logs start at once in a second process, on the other core.
  const child = parallel ? runPart({ scale: options.scale, seed, out: actionLogsPart }) : null;
  // (If this process fails first, the child must not outlive it.)
  const stopChild = () => child?.kill();
  let sqlite: Sqlite | null = null;
  try {
    const world = buildWorld(seed, counts);
    clock.phase('users + projects plan');

    // The real schema: the migrations, and the seed data (system configuration and templates).
    sqlite = openSqlite(partial);
    applyMigrations(sqlite);
    seedDatabase(createDb(sqlite), { outputDirectory: '/srv/aura/output' });
    clock.phase('migrate + seed');

    bulkPragmas(sqlite, 2048);
    const schemaBefore = schemaSnapshot(sqlite);
    const indexes = dropIndexes(sqlite, GENERATED_TABLES);

    const inserted = {} as TableCounts;
    inserted.users = insertUsers(sqlite, world);
    const children = insertProjects(sqlite, world);
    inserted.projects = children.projects;
    inserted.scenes = children.scenes;
    inserted.assets = children.assets;
    clock.phase('projects + children');
    inserted.renderCheckpoints = insertCheckpoints(sqlite, world);
    const history = insertVersionsAndBlobs(sqlite, world, children.captured);
    inserted.versions = history.versions;
    inserted.contentBlobs = history.blobs;
    clock.phase('versions + blobs');
    inserted.exports = insertExports(sqlite, world);
    clock.phase('exports');
    if (!child) {
      inserted.actionLogs = insertActionLogs(sqlite, world);
      clock.phase('action logs');
    }

    for (const index of indexes) sqlite.exec(index.sql);
    clock.phase('indexes');

    if (child) {
      const part = await child.done;
      log(
        `  (action logs: ${part.rows} rows in ${(part.seconds - part.indexSeconds).toFixed(2)} s and their ` +
          `indexes in ${part.indexSeconds.toFixed(2)} s in a second process, ${part.cpuSeconds.toFixed(1)} s CPU)`,
      );
      clock.phase('wait for action logs');
      // Empty table with identical columns, constraints and indexes on both sides: SQLite's
      // transfer optimization copies the table and index B-trees page by page.
      sqlite.prepare(`ATTACH DATABASE ? AS part`).run(actionLogsPart);
      sqlite.exec(`INSERT INTO main.ActionLogs SELECT * FROM part.ActionLogs`);
      sqlite.exec('DETACH DATABASE part');
      removeDatabase(actionLogsPart);
      inserted.actionLogs = part.rows;
      childCpu = part.cpuSeconds;
      clock.phase('copy action logs');
    }

    if (schemaSnapshot(sqlite) !== schemaBefore) {
      throw new Error('The generated schema differs from the migrated one');
    }
    const violations = sqlite.pragma('foreign_key_check') as unknown[];
    if (violations.length > 0) {
      throw new Error(`${violations.length} foreign key violation(s) in the generated data`);
    }
    clock.phase('foreign key check');

    // The full-text index as the worker's search.merge job keeps it (one segment per table): the
    // bulk load left it in as many segments as a long run of small writes would.
    mergeSearchIndexes(sqlite, { pagesPerStep: 1_000, maxSteps: Number.MAX_SAFE_INTEGER });
    clock.phase('merge search index');

    // Statistics for the query planner. In production `PRAGMA optimize` (run periodically and
    // when connections close) runs ANALYZE on tables whose size changed a lot; a freshly loaded
    // database would otherwise have no statistics at all, a state no real database is in.
    sqlite.exec('ANALYZE');
    clock.phase('analyze');

    sqlite.pragma('locking_mode = NORMAL');
    setPragma(sqlite, 'journal_mode', 'WAL'); // the mode every production connection uses
    sqlite.close();
    removeDatabase(out);
    renameSync(partial, out);
    removeDatabase(partial);
    return {
      file: out,
      scale: options.scale,
      seed,
      generatorVersion: GENERATOR_VERSION,
      parallel,
      counts: inserted,
      timings: clock.timings,
      cpuTimings: clock.cpuTimings,
      cpuSeconds: cpuTotal(process.cpuUsage()) + childCpu,
      seconds: clock.total(),
      bytes: statSync(out).size,
    };
  } catch (error) {
    stopChild();
    if (sqlite?.open) sqlite.close();
    removeDatabase(partial);
    removeDatabase(actionLogsPart);
    throw error;
  }
}

interface PartResult {
  rows: number;
  seconds: number;
  /** Of which building the indexes. */
  indexSeconds: number;
  /** CPU time of the child process (user + system). */
  cpuSeconds: number;
}

/**
 * The action logs alone, with their indexes, in their own database file (run by a child process:
 * `generate.ts --part action-logs`).
 */
export function generateActionLogsPart(options: {
  scale: number;
  seed: number;
  out: string;
}): PartResult {
  const started = process.hrtime.bigint();
  const world = buildWorld(options.seed, countsFor(options.scale));
  removeDatabase(options.out);
  const sqlite = openSqlite(options.out);
  applyMigrations(sqlite);
  bulkPragmas(sqlite, 4096);
  const indexes = dropIndexes(sqlite, ['ActionLogs']);
  const rows = insertActionLogs(sqlite, world);
  const inserted = process.hrtime.bigint();
  for (const index of indexes) sqlite.exec(index.sql);
  const indexSeconds = Number(process.hrtime.bigint() - inserted) / 1e9;
  sqlite.pragma('locking_mode = NORMAL');
  setPragma(sqlite, 'journal_mode', 'DELETE');
  sqlite.close();
  const cpu = process.cpuUsage();
  return {
    rows,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    indexSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

/** Starts `generate.ts --part action-logs` in a child process (same Node, same tsx loader). */
function runPart(options: { scale: number; seed: number; out: string }) {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      script,
      '--part',
      'action-logs',
      '--scale',
      String(options.scale),
      '--seed',
      String(options.seed),
      '--out',
      options.out,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const done = new Promise<PartResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== 0) {
        reject(new Error(`The action-log generator exited with ${signal ?? `code ${code}`}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as PartResult);
      } catch {
        reject(new Error(`The action-log generator printed no result: ${stdout}`));
      }
    });
  });
  return { done, kill: () => child.kill() };
}

// ---- CLI ---------------------------------------------------------------------------------------

function parseArgs(argv: string[]) {
  const { values } = parseCliArgs({
    args: argv.filter((arg) => arg !== '--'),
    options: {
      scale: { type: 'string', default: '1' },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
      out: { type: 'string' },
      part: { type: 'string' },
      serial: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const scale = Number(values.scale);
  if (!(scale > 0))
    throw new Error('--scale must be a positive number (1 = the seed typical maxima)');
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
  const out = path.resolve(values.out ?? `aura-bench-${scale}x.db`);
  return { scale, seed, out, part: values.part, serial: values.serial };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { scale, seed, out, part, serial } = parseArgs(process.argv.slice(2));
  if (part === 'action-logs') {
    console.log(JSON.stringify(generateActionLogsPart({ scale, seed, out })));
  } else if (part !== undefined) {
    throw new Error(`Unknown --part ${part}`);
  } else {
    console.log(`Generating scale ${scale} (seed ${seed}) into ${out}`);
    const result = await generateDatabase({
      scale,
      out,
      seed,
      parallel: serial ? false : undefined,
      log: console.log,
    });
    console.log(`Rows: ${JSON.stringify(result.counts)}`);
    console.log(
      `Done in ${result.seconds.toFixed(1)} s (CPU ${result.cpuSeconds.toFixed(1)} s)` +
        `${result.parallel ? ' (action logs in a second process)' : ''}; ` +
        `${(result.bytes / 1024 / 1024).toFixed(0)} MiB at ${result.file}`,
    );
  }
}
