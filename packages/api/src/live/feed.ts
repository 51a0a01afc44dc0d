import type { Sqlite } from '@aura/db';
import { z } from 'zod';
import { changeKey } from '../db-changes';

/** What a live client can be told changed; each names the tables behind it. */
export const LIVE_TOPIC_TABLES = {
  projects: ['ProjectStates'],
  scenes: ['SceneStates'],
  assets: ['AssetStates'],
  checkpoints: ['RenderCheckpoints'],
  exports: ['ExportHistory'],
  versions: ['ProjectVersions'],
  actions: ['ActionLogs'],
  worker: ['WorkerHeartbeats', 'JobRuns'],
  backups: ['BackupRuns'],
  config: ['SystemConfiguration', 'Configurations', 'UserSetups'],
  templates: ['Templates', 'TemplateRatings'],
  customTemplates: ['CustomTemplates'],
  users: ['Users'],
} as const satisfies Record<string, readonly string[]>;

export type LiveTopic = keyof typeof LIVE_TOPIC_TABLES;
export const LIVE_TOPICS = Object.keys(LIVE_TOPIC_TABLES) as LiveTopic[];

/** A queued or running export as the progress bars need it. */
export interface LiveExportProgress {
  id: string;
  status: string;
  progress: number;
}

export interface LiveEvent {
  /** Topics whose tables changed since the previous event. */
  topics: LiveTopic[];
  /** When the change was seen (ISO-8601). */
  at: string;
  /** Every queued or running export (at most MAX_ACTIVE_EXPORTS): sent when any of them moved. */
  exports?: LiveExportProgress[];
}

/** More active exports than this are not sent one by one (the list query has them). */
export const MAX_ACTIVE_EXPORTS = 200;

const activeExportRow = z.object({ id: z.string(), status: z.string(), progress: z.number() });
const fingerprintRow = z.string().nullable();

/** Default interval between two looks at data_version while anyone listens. */
export const LIVE_POLL_MS = 250;

type Listener = (event: LiveEvent) => void;

interface Probe {
  topic: LiveTopic;
  statement: { get(): unknown };
}

/**
 * One change feed per connection, shared by every subscriber of the process. While anyone
 * listens, one timer reads the connection's change key (PRAGMA data_version: commits by other
 * connections and processes, such as the worker; total_changes: this connection's own writes).
 * Only when that moved does it run one small aggregate per topic table (row count, highest rowid,
 * latest UpdatedAt, sum of RowVersion; for exports the count per status and the active rows'
 * progress, both read through the Status index) and tell listeners which topics differ. The cost
 * is the same for one open tab or a hundred.
 */
export class ChangeFeed {
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | null = null;
  private key: string | null = null;
  private schemaKey = '';
  private probes: Probe[] = [];
  private activeExports: { get(): unknown; all(): unknown[] } | null = null;
  private prints = new Map<LiveTopic, string>();
  private activeJson = '';
  private baseline = false;
  /** Times the per-topic aggregates ran (for the benchmark and tests). */
  scans = 0;

  constructor(
    private readonly sqlite: Sqlite,
    private readonly intervalMs = LIVE_POLL_MS,
  ) {}

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Starts the timer with the first listener and stops it with the last; returns the unsubscribe. */
  subscribe(listener: Listener): () => void {
    if (this.listeners.size === 0) this.start();
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** The active exports now (for a subscriber's first event). */
  currentExports(): LiveExportProgress[] {
    this.ensurePrepared();
    return this.readActiveExports();
  }

  private start(): void {
    // Baseline: only what changes after the first subscriber arrived is news.
    this.key = this.readKey();
    this.baseline = false;
    this.scan();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    // A feed never keeps the process alive on its own.
    this.timer.unref();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private readKey(): string | null {
    try {
      return this.sqlite.open ? changeKey(this.sqlite) : null;
    } catch {
      return null;
    }
  }

  /** One look: nothing but the change key unless the database changed. */
  tick(): void {
    const key = this.readKey();
    if (key === null || key === this.key) return;
    this.key = key;
    let event: LiveEvent | null;
    try {
      event = this.scan();
    } catch (error) {
      console.error('[aura-api] live change feed failed to read the database:', error);
      return;
    }
    if (!event) return;
    for (const listener of this.listeners) listener(event);
  }

  /** Prepares one aggregate per existing topic table (again after a schema change). */
  private ensurePrepared(): void {
    const schema = String(this.sqlite.pragma('schema_version', { simple: true }));
    if (schema === this.schemaKey) return;
    this.schemaKey = schema;
    const tables = new Set(
      this.sqlite
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`)
        .pluck()
        .all()
        .map(String),
    );
    this.probes = [];
    this.activeExports = null;
    for (const topic of LIVE_TOPICS) {
      for (const table of LIVE_TOPIC_TABLES[topic]) {
        if (!tables.has(table)) continue;
        this.probes.push({ topic, statement: this.prepareFingerprint(table) });
      }
    }
    if (tables.has('ExportHistory')) {
      this.activeExports = this.sqlite.prepare(
        `SELECT Id AS id, Status AS status, Progress AS progress FROM ExportHistory
         WHERE Status IN ('Queued', 'InProgress') ORDER BY CreatedAt, Id LIMIT ${MAX_ACTIVE_EXPORTS}`,
      );
    }
  }

  private prepareFingerprint(table: string): { get(): unknown } {
    const quoted = `"${table.replaceAll('"', '""')}"`;
    if (table === 'ExportHistory') {
      // Progress is sent as data, not as a topic: the export list is refetched only when a row
      // is added, removed or changes status. Both reads use IX_ExportHistory_Status.
      return this.sqlite
        .prepare(
          `SELECT ifnull((SELECT max(rowid) FROM ExportHistory), '') || '|' ||
             ifnull((SELECT group_concat(Status || '=' || n) FROM
               (SELECT Status, count(*) AS n FROM ExportHistory GROUP BY Status)), '')`,
        )
        .pluck();
    }
    const columns = new Set(
      this.sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table).map(String),
    );
    const parts = ['count(*)', `ifnull(max(rowid), '')`];
    if (columns.has('UpdatedAt')) parts.push(`ifnull(max("UpdatedAt"), '')`);
    // RowVersion only grows, so the sum moves on every versioned write, even in the same ms.
    if (columns.has('RowVersion')) parts.push(`total("RowVersion")`);
    return this.sqlite.prepare(`SELECT ${parts.join(` || ':' || `)} FROM ${quoted}`).pluck();
  }

  private readActiveExports(): LiveExportProgress[] {
    if (!this.activeExports) return [];
    return z.array(activeExportRow).parse(this.activeExports.all());
  }

  /** Runs the aggregates; the event for what differs from the previous run, or null. */
  private scan(): LiveEvent | null {
    this.ensurePrepared();
    this.scans += 1;
    const next = new Map<LiveTopic, string>();
    for (const { topic, statement } of this.probes) {
      const value = fingerprintRow.parse(statement.get()) ?? '';
      next.set(topic, (next.get(topic) ?? '') + '#' + value);
    }
    const topics = LIVE_TOPICS.filter(
      (topic) => next.has(topic) && next.get(topic) !== this.prints.get(topic),
    );
    const active = this.readActiveExports();
    const activeJson = JSON.stringify(active);
    const progressMoved = activeJson !== this.activeJson;
    const first = !this.baseline;
    this.baseline = true;
    this.prints = next;
    this.activeJson = activeJson;
    if (first || (topics.length === 0 && !progressMoved)) return null;
    const event: LiveEvent = { topics, at: new Date().toISOString() };
    if (progressMoved) event.exports = active;
    return event;
  }
}

const feeds = new WeakMap<Sqlite, ChangeFeed>();

/** The process's feed for a connection (created on first use). */
export function changeFeedFor(sqlite: Sqlite): ChangeFeed {
  let feed = feeds.get(sqlite);
  if (!feed) {
    feed = new ChangeFeed(sqlite);
    feeds.set(sqlite, feed);
  }
  return feed;
}
