/**
 * The raw handlers `pnpm bench:http` compares the server with: a node:http server whose
 * better-sqlite3 statements are prepared once, answering the benchmarked procedures with JSON of
 * the same shape (tRPC's envelope, superjson's `{ json }` wrapper when the server uses it). It
 * does the work the product must do and nothing else: the bearer token is looked up by its hash
 * (no cache), and a write inserts the same rows in one IMMEDIATE transaction (the row, its undo
 * log entry with the row image, the prune of the user's oldest entries).
 *
 * Run as its own process by bench/http/run.ts (so it has a core of its own, as the server has):
 *   tsx bench/http/raw-server.ts <database file> <superjson|json>
 * Prints `listening <port>` once it accepts connections on 127.0.0.1.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { openSqlite, type Sqlite } from '@aura/db';
import { z } from 'zod';

const UNDO_ENTRIES_PER_USER = 200;
const ACTION_TTL_MS = 30 * 86_400_000;
const PAGE_MAX = 100;

/** `SceneIndex AS sceneIndex, …`: rows come out with the keys the procedures answer with. */
function camelColumns(sqlite: Sqlite, table: string): string {
  const columns = z
    .array(z.object({ name: z.string() }))
    .parse(sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).all(table));
  return columns
    .map(({ name }) => `"${name}" AS "${name.charAt(0).toLowerCase()}${name.slice(1)}"`)
    .join(', ');
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const principalRow = z.object({ userId: z.string(), role: z.string() });
const listInput = z.object({
  limit: z.number().int().min(1).max(PAGE_MAX).default(20),
  search: z.string().max(200).optional(),
});
const getInput = z.object({ id: z.string().max(36) });
const createInput = z.object({
  title: z.string().min(1).max(200),
  description: z.string().max(10_000).nullish(),
});
const sceneAddInput = z.object({
  projectId: z.string().max(36),
  scriptText: z.string().max(100_000),
  durationSeconds: z.number().min(0).optional(),
});
const anyObject = z.record(z.string(), z.unknown());
const identified = z.object({ id: z.string() }).loose();

export function createRawHandlers(sqlite: Sqlite, superjson: boolean) {
  const projectColumns = camelColumns(sqlite, 'ProjectStates');
  const sceneColumns = camelColumns(sqlite, 'SceneStates');
  const assetColumns = camelColumns(sqlite, 'AssetStates');
  const checkpointColumns = camelColumns(sqlite, 'RenderCheckpoints');
  const listColumns = `Id AS id, Title AS title, Description AS description, Status AS status,
    CurrentStage AS currentStage, ProgressPercent AS progressPercent, UpdatedAt AS updatedAt,
    CreatedAt AS createdAt, RowVersion AS rowVersion`;

  const statements = {
    principal: sqlite.prepare<[string, string]>(
      `SELECT u.Id AS userId, u.Role AS role FROM ApiTokens t JOIN Users u ON u.Id = t.UserId
       WHERE t.TokenHash = ? AND t.RevokedAt IS NULL AND t.ExpiresAt > ? AND u.IsActive = 1`,
    ),
    ping: sqlite.prepare(`SELECT 1 AS ok`),
    list: sqlite.prepare<[number]>(
      `SELECT ${listColumns} FROM ProjectStates WHERE IsDeleted = 0
       ORDER BY UpdatedAt DESC, Id DESC LIMIT ?`,
    ),
    search: sqlite.prepare<[string, string, number]>(
      `SELECT ${listColumns} FROM ProjectStates WHERE IsDeleted = 0
       AND (Title LIKE ? ESCAPE '\\' OR Description LIKE ? ESCAPE '\\')
       ORDER BY UpdatedAt DESC, Id DESC LIMIT ?`,
    ),
    project: sqlite.prepare<[string]>(
      `SELECT ${projectColumns} FROM ProjectStates WHERE Id = ? AND IsDeleted = 0`,
    ),
    scenes: sqlite.prepare<[string]>(
      `SELECT ${sceneColumns} FROM SceneStates WHERE ProjectId = ? ORDER BY SceneIndex`,
    ),
    assets: sqlite.prepare<[string]>(
      `SELECT ${assetColumns} FROM AssetStates WHERE ProjectId = ? ORDER BY AssetType, Id`,
    ),
    checkpoints: sqlite.prepare<[string]>(
      `SELECT ${checkpointColumns} FROM RenderCheckpoints WHERE ProjectId = ?
       ORDER BY CheckpointTime DESC, Id DESC`,
    ),
    insertProject: sqlite.prepare<[string, string, string | null, string, string, string, string]>(
      `INSERT INTO ProjectStates (Id, Title, Description, CreatedAt, UpdatedAt, CreatedBy, ModifiedBy)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    sceneCount: sqlite.prepare<[string]>(
      `SELECT count(*) AS n FROM SceneStates WHERE ProjectId = ?`,
    ),
    projectTitle: sqlite.prepare<[string]>(
      `SELECT Title AS title FROM ProjectStates WHERE Id = ? AND IsDeleted = 0`,
    ),
    insertScene: sqlite.prepare<
      [string, string, number, string, number, string, string, string, string]
    >(
      `INSERT INTO SceneStates (Id, ProjectId, SceneIndex, ScriptText, DurationSeconds,
         CreatedAt, UpdatedAt, CreatedBy, ModifiedBy)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    scene: sqlite.prepare<[string]>(`SELECT ${sceneColumns} FROM SceneStates WHERE Id = ?`),
    insertAction: sqlite.prepare<string[]>(
      `INSERT INTO ActionLogs (Id, UserId, ActionType, Description, Timestamp, AffectedResourceIds,
         PayloadJson, InverseActionType, InversePayloadJson, ExpiresAt, CreatedAt, UpdatedAt,
         CreatedBy, ModifiedBy)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{"changes":[]}', ?, ?, ?, ?, ?)`,
    ),
    prune: sqlite.prepare<[string, number]>(
      `DELETE FROM ActionLogs WHERE Id IN (SELECT Id FROM ActionLogs WHERE UserId = ?
       ORDER BY Timestamp DESC, Id DESC LIMIT -1 OFFSET ?)`,
    ),
  };

  function principal(req: IncomingMessage) {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    const row = token
      ? statements.principal.get(
          createHash('sha256').update(token).digest('hex'),
          new Date().toISOString(),
        )
      : undefined;
    if (!row) throw new HttpError(401, 'UNAUTHORIZED', 'Sign in first');
    return principalRow.parse(row);
  }

  function editor(req: IncomingMessage) {
    const who = principal(req);
    if (who.role === 'viewer') throw new HttpError(403, 'FORBIDDEN', 'Editors only');
    return who;
  }

  function logAction(
    userId: string,
    type: string,
    description: string,
    table: string,
    row: { id: string },
    at: string,
  ) {
    statements.insertAction.run(
      randomUUID(),
      userId,
      type,
      description,
      at,
      row.id,
      JSON.stringify({ changes: [{ table, id: row.id, after: row }] }),
      `${type}.undo`,
      new Date(Date.parse(at) + ACTION_TTL_MS).toISOString(),
      at,
      at,
      userId,
      userId,
    );
    statements.prune.run(userId, UNDO_ENTRIES_PER_USER);
  }

  const createProject = sqlite.transaction(
    (userId: string, input: z.output<typeof createInput>) => {
      const id = randomUUID();
      const at = new Date().toISOString();
      statements.insertProject.run(
        id,
        input.title,
        input.description ?? null,
        at,
        at,
        userId,
        userId,
      );
      const row = identified.parse(statements.project.get(id));
      logAction(
        userId,
        'projects.create',
        `Created project "${input.title}"`,
        'ProjectStates',
        row,
        at,
      );
      return row;
    },
  );

  const addScene = sqlite.transaction((userId: string, input: z.output<typeof sceneAddInput>) => {
    const project = z
      .object({ title: z.string() })
      .optional()
      .parse(statements.projectTitle.get(input.projectId));
    if (!project) throw new HttpError(404, 'NOT_FOUND', 'No such project');
    const { n } = z.object({ n: z.number() }).parse(statements.sceneCount.get(input.projectId));
    const id = randomUUID();
    const at = new Date().toISOString();
    statements.insertScene.run(
      id,
      input.projectId,
      n,
      input.scriptText,
      input.durationSeconds ?? 0,
      at,
      at,
      userId,
      userId,
    );
    const row = identified.parse(statements.scene.get(id));
    logAction(
      userId,
      'scenes.add',
      `Added scene ${n + 1} to "${project.title}"`,
      'SceneStates',
      row,
      at,
    );
    return row;
  });

  const unwrap = (value: unknown): unknown =>
    superjson ? (anyObject.parse(value).json ?? undefined) : value;

  /** The procedure's input: `?input=` of a query, the JSON body of a mutation. */
  function input(url: URL, body: string): unknown {
    const text = body || url.searchParams.get('input');
    return text ? unwrap(JSON.parse(text)) : undefined;
  }

  const procedures: Record<string, (req: IncomingMessage, raw: unknown) => unknown> = {
    'health.get': () => {
      const ok = z.object({ ok: z.literal(1) }).safeParse(statements.ping.get()).success;
      return { ok, status: ok ? 'ok' : 'degraded', checkedAt: new Date().toISOString() };
    },
    'projects.list': (req, raw) => {
      principal(req);
      const query = listInput.parse(raw ?? {});
      const rows = z
        .array(z.object({ id: z.string(), updatedAt: z.string() }).loose())
        .parse(
          query.search
            ? statements.search.all(`%${query.search}%`, `%${query.search}%`, query.limit + 1)
            : statements.list.all(query.limit + 1),
        );
      const items = rows.slice(0, query.limit);
      const last = items.at(-1);
      return {
        items,
        nextCursor:
          rows.length > query.limit && last
            ? Buffer.from(JSON.stringify(['projects:updated', last.updatedAt, last.id])).toString(
                'base64url',
              )
            : null,
      };
    },
    'projects.get': (req, raw) => {
      principal(req);
      const { id } = getInput.parse(raw);
      const project = anyObject.optional().parse(statements.project.get(id));
      if (!project) throw new HttpError(404, 'NOT_FOUND', 'No such project');
      return {
        ...project,
        scenes: statements.scenes.all(id),
        assets: statements.assets.all(id),
        checkpoints: statements.checkpoints.all(id),
      };
    },
    'projects.create': (req, raw) =>
      createProject.immediate(editor(req).userId, createInput.parse(raw)),
    'scenes.add': (req, raw) => addScene.immediate(editor(req).userId, sceneAddInput.parse(raw)),
  };

  function send(res: ServerResponse, status: number, payload: unknown) {
    const body = JSON.stringify(payload);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  return (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const name = url.pathname.replace(/^\/api\/trpc\//, '');
      const procedure = procedures[name];
      try {
        if (!procedure) throw new HttpError(404, 'NOT_FOUND', `No procedure ${name}`);
        const data = procedure(req, input(url, Buffer.concat(chunks).toString('utf8')));
        send(res, 200, { result: { data: superjson ? { json: data } : data } });
      } catch (error) {
        const status =
          error instanceof HttpError ? error.status : error instanceof z.ZodError ? 400 : 500;
        const message = error instanceof Error ? error.message : String(error);
        const code = error instanceof HttpError ? error.code : 'BAD_REQUEST';
        const shape = { message, code: -32600, data: { code, httpStatus: status } };
        send(res, status, { error: superjson ? { json: shape } : shape });
      }
    });
  };
}

const [file, shape] = process.argv.slice(2);
if (!file || (shape !== 'superjson' && shape !== 'json')) {
  console.error('usage: raw-server.ts <database file> <superjson|json>');
  process.exit(2);
}
const sqlite = openSqlite(file);
const server = createServer(createRawHandlers(sqlite, shape === 'superjson'));
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : 0}`);
});
const stop = () => {
  server.close();
  server.closeAllConnections();
  sqlite.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
