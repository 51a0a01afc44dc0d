import { Readable } from 'node:stream';
import {
  ForbiddenError,
  NotFoundError,
  actionLogs,
  apiTokens,
  assetStates,
  configurations,
  createDb,
  customTemplates,
  exportHistory,
  openSqlite,
  projectStates,
  projectVersions,
  renderCheckpoints,
  sceneStates,
  sessions,
  systemConfiguration,
  templateRatings,
  templates,
  userSetups,
  users,
  type AuraDb,
} from '@aura/db';
import { and, asc, eq, gt, or, sql, type SQL } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { ZipFile } from 'yazl';
import type { Principal } from '../auth/service';
import { versionContent } from '../versions/snapshot';

/**
 * "Download my data" (issue 13): everything the installation holds about one user, as a zip of
 * JSON files with a README. The archive is written while it is sent: each file is produced page
 * by page (at most PAGE_ROWS rows, or one version's content, at a time) from a read transaction
 * on a connection of its own, so the whole export is one consistent snapshot and nothing but the
 * page being written is in memory. Never a password hash, session or token hash.
 */

/** Rows read per step; a version (with its content) is one step on its own. */
const PAGE_ROWS = 200;

/** Where the dashboard downloads the archive (apps/web route handler). */
export const EXPORT_PATH = '/api/privacy/export';

export function exportUrl(principal: Pick<Principal, 'userId'>, userId: string): string {
  return userId === principal.userId
    ? EXPORT_PATH
    : `${EXPORT_PATH}?userId=${encodeURIComponent(userId)}`;
}

export interface ExportSection {
  file: string;
  /** Rows (or objects) in the file. */
  count: number;
  description: string;
}

export interface ExportManifest {
  userId: string;
  generatedAt: string;
  sections: ExportSection[];
}

/** The caller may export their own data; an admin anyone's. Anyone else: FORBIDDEN. */
export function exportSubject(
  db: AuraDb,
  principal: Pick<Principal, 'userId' | 'role'>,
  userId?: string,
): string {
  const subject = userId ?? principal.userId;
  if (subject !== principal.userId && principal.role !== 'admin')
    throw new ForbiddenError("Only an admin may export another user's data");
  const found = db.select({ id: users.id }).from(users).where(eq(users.id, subject)).get();
  if (!found) throw new NotFoundError('Users', subject, `User ${subject} was not found`);
  return subject;
}

// ---- what the archive holds ----------------------------------------------------------------

interface Section {
  file: string;
  description: string;
  count: (db: AuraDb, userId: string) => number;
}

function countWhere(db: AuraDb, table: SQLiteTable, where: SQL | undefined): number {
  return (
    db
      .select({ n: sql<number>`count(*)` })
      .from(table)
      .where(where)
      .get()?.n ?? 0
  );
}

const ownProjects = (userId: string) => eq(projectStates.createdBy, userId);
const changedByThem = (table: { createdBy: SQLiteColumn; modifiedBy: SQLiteColumn }, id: string) =>
  or(eq(table.createdBy, id), eq(table.modifiedBy, id));

const SECTIONS: Section[] = [
  { file: 'profile.json', description: 'Your account: email, name, role, dates.', count: () => 1 },
  {
    file: 'projects.json',
    description:
      'Each project you created (also those in the trash), with its scenes, assets and render checkpoints.',
    count: (db, id) => countWhere(db, projectStates, ownProjects(id)),
  },
  {
    file: 'versions/<project id>.json',
    description:
      "Every version of each of those projects, with the version's content (documents and scenes) read back from the content store.",
    count: (db, id) =>
      db
        .select({ n: sql<number>`count(*)` })
        .from(projectVersions)
        .innerJoin(projectStates, eq(projectStates.id, projectVersions.projectId))
        .where(ownProjects(id))
        .get()?.n ?? 0,
  },
  {
    file: 'custom-templates.json',
    description: 'The custom templates you created (also those in the trash).',
    count: (db, id) => countWhere(db, customTemplates, eq(customTemplates.createdBy, id)),
  },
  {
    file: 'ratings.json',
    description: 'Your template ratings.',
    count: (db, id) => countWhere(db, templateRatings, eq(templateRatings.userId, id)),
  },
  {
    file: 'setup.json',
    description: 'Your first-run wizard state (an empty list when you never started it).',
    count: (db, id) => countWhere(db, userSetups, eq(userSetups.userId, id)),
  },
  {
    file: 'settings.json',
    description:
      'Installation settings you created or last changed (the values of sensitive ones are not included).',
    count: (db, id) =>
      countWhere(db, configurations, changedByThem(configurations, id)) +
      countWhere(db, systemConfiguration, changedByThem(systemConfiguration, id)),
  },
  {
    file: 'action-log.json',
    description:
      'Your action log (undo history), with the before/after row images each action recorded.',
    count: (db, id) => countWhere(db, actionLogs, eq(actionLogs.userId, id)),
  },
  {
    file: 'exports.json',
    description: 'The video exports you queued.',
    count: (db, id) => countWhere(db, exportHistory, eq(exportHistory.createdBy, id)),
  },
  {
    file: 'api-tokens.json',
    description: 'Your API tokens: name, prefix, dates. Never the token or its hash.',
    count: (db, id) => countWhere(db, apiTokens, eq(apiTokens.userId, id)),
  },
  {
    file: 'sessions.json',
    description: 'Your dashboard sign-ins: dates and browser. Never the session token or its hash.',
    count: (db, id) => countWhere(db, sessions, eq(sessions.userId, id)),
  },
];

export function exportManifest(db: AuraDb, userId: string, now = new Date()): ExportManifest {
  return {
    userId,
    generatedAt: now.toISOString(),
    sections: SECTIONS.map((s) => ({
      file: s.file,
      description: s.description,
      count: s.count(db, userId),
    })),
  };
}

function readme(manifest: ExportManifest): string {
  const lines = [
    '# Your data in Aura Data',
    '',
    `Exported ${manifest.generatedAt} for user ${manifest.userId}.`,
    '',
    'Every file is JSON (UTF-8). Column names are those of the database tables',
    '(camelCase); times are ISO-8601 UTC. `manifest.json` lists the files with their counts.',
    '',
    '| file | count | what |',
    '| --- | --- | --- |',
    ...manifest.sections.map((s) => `| ${s.file} | ${s.count} | ${s.description} |`),
    '',
    'Files on disk (audio, images, rendered videos) are referred to by path, not included.',
    '',
  ];
  return lines.join('\n');
}

// ---- streaming ---------------------------------------------------------------------------

/** A JSON array written one page of elements at a time. */
async function* jsonArray(pages: () => Iterable<string[]>): AsyncGenerator<string> {
  yield '[';
  let first = true;
  for (const page of pages()) {
    if (page.length === 0) continue;
    yield (first ? '\n' : ',\n') + page.join(',\n');
    first = false;
    // Lets the response drain between pages.
    await Promise.resolve();
  }
  yield first ? ']\n' : '\n]\n';
}

/** Pages of a table's rows ordered by its text primary key, `where` applied. */
function* keysetPages<T extends { id: string }>(
  read: (after: string, limit: number) => T[],
  render: (row: T) => string = (row) => JSON.stringify(row),
): Generator<string[]> {
  let after = '';
  for (;;) {
    const rows = read(after, PAGE_ROWS);
    yield rows.map(render);
    const last = rows.at(-1);
    if (!last || rows.length < PAGE_ROWS) return;
    after = last.id;
  }
}

/** A row with JSON text columns embedded as JSON values (they are valid JSON by CHECK). */
function withJson(row: Record<string, unknown>, json: Record<string, string | null>): string {
  const head = JSON.stringify(row);
  const parts = Object.entries(json).map(
    ([key, text]) => `${JSON.stringify(key)}:${text ?? 'null'}`,
  );
  if (parts.length === 0) return head;
  return `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}${parts.join(',')}}`;
}

function entries(db: AuraDb, userId: string): [string, () => AsyncGenerator<string>][] {
  const own = (extra: SQL | undefined, after: string, idColumn: SQLiteColumn) =>
    and(extra, gt(idColumn, after));
  const projectIds = db
    .select({ id: projectStates.id })
    .from(projectStates)
    .where(ownProjects(userId))
    .orderBy(asc(projectStates.id))
    .all()
    .map((r) => r.id);

  const list: [string, () => AsyncGenerator<string>][] = [
    [
      'profile.json',
      async function* () {
        const user = db.select().from(users).where(eq(users.id, userId)).get();
        if (!user) throw new NotFoundError('Users', userId);
        const { passwordHash: _never, ...profile } = user;
        yield JSON.stringify(profile, null, 2) + '\n';
        await Promise.resolve();
      },
    ],
    [
      'projects.json',
      () =>
        jsonArray(() =>
          keysetPages(
            (after) =>
              db
                .select()
                .from(projectStates)
                .where(own(ownProjects(userId), after, projectStates.id))
                .orderBy(asc(projectStates.id))
                // One project (with its children) per step.
                .limit(1)
                .all(),
            (project) =>
              JSON.stringify({
                project,
                scenes: db
                  .select()
                  .from(sceneStates)
                  .where(eq(sceneStates.projectId, project.id))
                  .orderBy(asc(sceneStates.sceneIndex))
                  .all(),
                assets: db
                  .select()
                  .from(assetStates)
                  .where(eq(assetStates.projectId, project.id))
                  .all(),
                checkpoints: db
                  .select()
                  .from(renderCheckpoints)
                  .where(eq(renderCheckpoints.projectId, project.id))
                  .all(),
              }),
          ),
        ),
    ],
  ];

  for (const projectId of projectIds) {
    list.push([
      `versions/${projectId}.json`,
      () =>
        jsonArray(function* () {
          let after = 0;
          for (;;) {
            // One version (with its content) per step: content can be megabytes.
            const version = db
              .select()
              .from(projectVersions)
              .where(
                and(
                  eq(projectVersions.projectId, projectId),
                  gt(projectVersions.versionNumber, after),
                ),
              )
              .orderBy(asc(projectVersions.versionNumber))
              .limit(1)
              .get();
            if (!version) return;
            after = version.versionNumber;
            const {
              briefJson: _b,
              planSpecJson: _p,
              voiceSpecJson: _v,
              renderSpecJson: _r,
              timelineJson: _t,
              ...row
            } = version;
            yield [JSON.stringify({ ...row, content: versionContent(db, version) })];
          }
        }),
    ]);
  }

  const simple = <T extends { id: string }>(
    file: string,
    read: (after: string, limit: number) => T[],
    render?: (row: T) => string,
  ): [string, () => AsyncGenerator<string>] => [
    file,
    () => jsonArray(() => keysetPages(read, render)),
  ];

  list.push(
    simple('custom-templates.json', (after, limit) =>
      db
        .select()
        .from(customTemplates)
        .where(own(eq(customTemplates.createdBy, userId), after, customTemplates.id))
        .orderBy(asc(customTemplates.id))
        .limit(limit)
        .all(),
    ),
    simple('ratings.json', (after, limit) =>
      db
        .select({
          id: templateRatings.templateId,
          templateId: templateRatings.templateId,
          templateName: templates.name,
          rating: templateRatings.rating,
          createdAt: templateRatings.createdAt,
          updatedAt: templateRatings.updatedAt,
        })
        .from(templateRatings)
        .innerJoin(templates, eq(templates.id, templateRatings.templateId))
        .where(and(eq(templateRatings.userId, userId), gt(templateRatings.templateId, after)))
        .orderBy(asc(templateRatings.templateId))
        .limit(limit)
        .all(),
    ),
    simple(
      'setup.json',
      (after, limit) =>
        db
          .select()
          .from(userSetups)
          .where(own(eq(userSetups.userId, userId), after, userSetups.id))
          .orderBy(asc(userSetups.id))
          .limit(limit)
          .all(),
      ({ wizardState, ...row }) => withJson(row, { wizardState }),
    ),
    [
      'settings.json',
      () =>
        jsonArray(function* () {
          yield* keysetPages(
            (after, limit) =>
              db
                .select()
                .from(configurations)
                .where(and(changedByThem(configurations, userId), gt(configurations.key, after)))
                .orderBy(asc(configurations.key))
                .limit(limit)
                .all()
                .map((row) => ({
                  ...row,
                  id: row.key,
                  value: row.isSensitive ? '(sensitive: not exported)' : row.value,
                })),
            ({ id: _id, ...row }) => JSON.stringify({ table: 'Configurations', ...row }),
          );
          yield db
            .select()
            .from(systemConfiguration)
            .where(changedByThem(systemConfiguration, userId))
            .all()
            .map((row) => JSON.stringify({ table: 'SystemConfiguration', ...row }));
        }),
    ],
    [
      'action-log.json',
      () =>
        jsonArray(function* () {
          let after: { timestamp: string; id: string } | null = null;
          for (;;) {
            const rows = db
              .select()
              .from(actionLogs)
              .where(
                and(
                  eq(actionLogs.userId, userId),
                  after
                    ? sql`(${actionLogs.timestamp}, ${actionLogs.id}) > (${after.timestamp}, ${after.id})`
                    : undefined,
                ),
              )
              .orderBy(asc(actionLogs.timestamp), asc(actionLogs.id))
              .limit(PAGE_ROWS)
              .all();
            yield rows.map(({ payloadJson, inversePayloadJson, ...row }) =>
              withJson(row, { payload: payloadJson, inversePayload: inversePayloadJson }),
            );
            const last = rows.at(-1);
            if (!last || rows.length < PAGE_ROWS) return;
            after = { timestamp: last.timestamp, id: last.id };
          }
        }),
    ],
    simple('exports.json', (after, limit) =>
      db
        .select()
        .from(exportHistory)
        .where(own(eq(exportHistory.createdBy, userId), after, exportHistory.id))
        .orderBy(asc(exportHistory.id))
        .limit(limit)
        .all(),
    ),
    simple('api-tokens.json', (after, limit) =>
      db
        .select({
          id: apiTokens.id,
          name: apiTokens.name,
          tokenPrefix: apiTokens.tokenPrefix,
          expiresAt: apiTokens.expiresAt,
          lastUsedAt: apiTokens.lastUsedAt,
          revokedAt: apiTokens.revokedAt,
          createdAt: apiTokens.createdAt,
        })
        .from(apiTokens)
        .where(own(eq(apiTokens.userId, userId), after, apiTokens.id))
        .orderBy(asc(apiTokens.id))
        .limit(limit)
        .all(),
    ),
    simple('sessions.json', (after, limit) =>
      db
        .select({
          id: sessions.id,
          createdAt: sessions.createdAt,
          lastSeenAt: sessions.lastSeenAt,
          expiresAt: sessions.expiresAt,
          userAgent: sessions.userAgent,
        })
        .from(sessions)
        .where(own(eq(sessions.userId, userId), after, sessions.id))
        .orderBy(asc(sessions.id))
        .limit(limit)
        .all(),
    ),
  );
  return list;
}

export interface ExportArchive {
  manifest: ExportManifest;
  fileName: string;
  /** The zip, produced while it is read. Destroying it ends the export and its read transaction. */
  stream: Readable;
}

/**
 * Opens the export of `userId` (checked against `principal` first). The archive reads from a
 * connection of its own, in one read transaction, closed when the stream ends or is destroyed.
 */
export function openExportArchive(
  db: AuraDb,
  principal: Pick<Principal, 'userId' | 'role'>,
  userId?: string,
  now = new Date(),
): ExportArchive {
  const subject = exportSubject(db, principal, userId);
  const file = db.$client.name;
  const own = file && file !== ':memory:' ? createDb(openSqlite(file, { readonly: true })) : null;
  const source = own ?? db;
  let finished = false;
  const finish = () => {
    if (finished || !own) return;
    finished = true;
    if (own.$client.inTransaction) own.$client.exec('ROLLBACK');
    own.$client.close();
  };
  try {
    // Every read below sees the database as of this first statement.
    if (own) own.$client.exec('BEGIN');
    const manifest = exportManifest(source, subject, now);
    const zip = new ZipFile();
    const mtime = now;
    zip.addBuffer(Buffer.from(readme(manifest)), 'README.md', { mtime });
    zip.addBuffer(Buffer.from(JSON.stringify(manifest, null, 2) + '\n'), 'manifest.json', {
      mtime,
    });
    // Once the download ends or is cancelled the connection is closed: the entries yazl has
    // not read yet stop before their next read instead of using it.
    async function* untilFinished(produce: () => AsyncGenerator<string>) {
      const chunks = produce();
      while (!finished) {
        const next = await chunks.next();
        if (next.done) return;
        yield next.value;
      }
    }
    for (const [name, produce] of entries(source, subject)) {
      zip.addReadStream(Readable.from(untilFinished(produce)), name, { mtime });
    }
    zip.end();
    const stream = zip.outputStream;
    stream.once('end', finish);
    stream.once('close', finish);
    stream.once('error', finish);
    return {
      manifest,
      fileName: `aura-data-${subject}-${now.toISOString().slice(0, 10)}.zip`,
      stream: stream instanceof Readable ? stream : Readable.from(stream),
    };
  } catch (error) {
    finish();
    throw error;
  }
}
