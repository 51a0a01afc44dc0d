/**
 * The fuzz loop shared by the CI test and `fuzz-run.ts` (the long run of `pnpm stress`): every
 * procedure of the router, inputs generated from its Zod schema (see arbitraries.ts), called as
 * an admin, an editor, a viewer or nobody on a copy of the fixture world. Properties per call:
 *
 * - no INTERNAL_SERVER_ERROR: whatever the input, the answer is a deliberate, typed error;
 * - a rejected call changes nothing: data_version seen from a second connection is unchanged;
 * - no role violation: a caller below the procedure's minimum role (matrix.ts) never succeeds,
 *   and a refusal (UNAUTHORIZED, FORBIDDEN) changes nothing;
 * - no escape: every path column a successful call changed passes the media guard, and the
 *   database, its -wal, the key file and the backups are still there at the end.
 */
import { inspect } from 'node:util';
import fc from 'fast-check';
import { TRPCError } from '@trpc/server';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { SECRET_KEY_FILE } from '@aura/db';
import { mediaGuard, realLocation, targetProblem } from '../../src/media/paths';
import { arbitraryFromSchema, inputSchema, type FuzzContext } from './arbitraries';
import { allowed, MATRIX } from './matrix';
import {
  callProcedure,
  openWorld,
  procedures,
  type Who,
  type World,
  type WorldSite,
} from './world';

/** Slow by design (password hashing, a whole-database copy): fewer runs, same properties. */
const SLOW: Record<string, number> = {
  'auth.login': 0.1,
  'users.create': 0.1,
  'backups.run': 0.02,
  'versions.collectBlobs': 0.5,
  'versions.checkReferences': 0.5,
};

/**
 * Rejections that write on purpose. An undo or redo that can no longer apply marks its log entry
 * Failed (with the reason) so the user can go on with older entries: that is its CONFLICT.
 */
const WRITES_WHEN_REJECTED = new Set(['actions.undo', 'actions.redo']);

const WORLD_CALLS = 20;

export interface FuzzOptions {
  site: WorldSite;
  /** Total calls, spread over the procedures (slow ones get a fraction). */
  calls: number;
  seed: number;
  /** Only procedures whose name contains this (for a focused run). */
  only?: string;
  log?: (line: string) => void;
}

export interface FuzzReport {
  calls: number;
  rejected: number;
  procedures: number;
  /** Calls answered INTERNAL_SERVER_ERROR or with an error that is not a tRPC one. */
  internalErrors: number;
  /** Calls that succeeded below the minimum role, and refusals that wrote. */
  roleViolations: number;
  /** Path columns written outside the media roots, and service files gone. */
  escapes: number;
  /** Rejected calls that changed the database. */
  rejectedWrites: number;
  /** "procedure: message" of every property that failed (each already shrunk by fast-check). */
  failures: string[];
  ms: number;
}

/** Who calls: mostly the roles that may write, so writes get deep; a share below them. */
const CALLER: fc.Arbitrary<Who> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Who>('admin') },
  { weight: 3, arbitrary: fc.constant<Who>('editor') },
  { weight: 1, arbitrary: fc.constant<Who>('viewer') },
  { weight: 1, arbitrary: fc.constant<Who>('anonymous') },
);

/** Every path column a client can make the service write, as "table.column" → value. */
const PATH_COLUMNS = `
  SELECT 'AssetStates.FilePath:' || Id, FilePath FROM AssetStates
  UNION ALL SELECT 'SceneStates.AudioFilePath:' || Id, AudioFilePath FROM SceneStates
  UNION ALL SELECT 'SceneStates.ImageFilePath:' || Id, ImageFilePath FROM SceneStates
  UNION ALL SELECT 'RenderCheckpoints.OutputFilePath:' || Id, OutputFilePath FROM RenderCheckpoints
  UNION ALL SELECT 'ExportHistory.InputFile:' || Id, InputFile FROM ExportHistory
  UNION ALL SELECT 'ExportHistory.OutputFile:' || Id, OutputFile FROM ExportHistory`;

function pathValues(world: World): Map<string, string | null> {
  const rows = world.db.$client.prepare(PATH_COLUMNS).raw().all() as [string, string | null][];
  return new Map(rows);
}

/**
 * The path columns a call changed that point where the guard refuses (a relative value is
 * taken against the configured output directory, as exports do).
 */
function escapedPaths(world: World, before: Map<string, string | null>): string[] {
  const after = pathValues(world);
  const changed = [...after].filter(([key, value]) => value && before.get(key) !== value);
  if (!changed.length) return [];
  const guard = mediaGuard(world.db);
  const output = world.db.$client
    .prepare('SELECT OutputDirectory FROM SystemConfiguration WHERE Id = 1')
    .pluck()
    .get() as string;
  return changed.flatMap(([key, value]) => {
    const real = realLocation(path.resolve(output, value!));
    const problem = real === null ? 'does not resolve' : targetProblem(guard, real);
    return problem ? [`${key} = ${value} ${problem}`] : [];
  });
}

/** The service files that must outlive any call: the template database, keys, backups. */
function serviceFiles(site: WorldSite): string[] {
  const backups = path.join(site.base, 'backups');
  const listed = existsSync(backups) ? readdirSync(backups).map((f) => path.join(backups, f)) : [];
  return [site.template, path.join(site.base, SECRET_KEY_FILE), ...listed].filter((file) =>
    existsSync(file),
  );
}

/** Inside the site's own folder: system.update creates a missing output directory on disk. */
function confineCreatedDirectory(site: WorldSite, input: unknown): unknown {
  if (!input || typeof input !== 'object' || !('outputDirectory' in input)) return input;
  const value = input.outputDirectory;
  if (typeof value !== 'string') return input;
  const inside = path.isAbsolute(value) && !path.relative(site.base, value).startsWith('..');
  if (inside) return input;
  const name = Buffer.from(value).toString('hex').slice(0, 64) || 'empty';
  return { ...input, outputDirectory: path.join(site.media, 'fuzz', name) };
}

/** The kind of row a bare `id` of the procedure names: "auth.tokens.revoke" → tokens. */
function domainOf(procedure: string): string {
  const parts = procedure.split('.');
  return parts.length > 2 ? parts[1]! : parts[0]!;
}

/** Where the RowVersion of a procedure's row lives: table and key column. */
const VERSIONED: Record<string, [string, string]> = {
  projects: ['ProjectStates', 'Id'],
  scenes: ['SceneStates', 'Id'],
  assets: ['AssetStates', 'Id'],
  checkpoints: ['RenderCheckpoints', 'Id'],
  versions: ['ProjectVersions', 'Id'],
  customTemplates: ['CustomTemplates', 'Id'],
  users: ['Users', 'Id'],
  config: ['Configurations', 'Key'],
};

/**
 * A random rowVersion almost never matches, so most writes would stop at CONFLICT. When asked,
 * the input carries the row's current version instead (read just before the call), so the fuzz
 * also reaches the code behind the version check.
 */
function withCurrentVersion(world: World, procedure: string, input: unknown): unknown {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return input;
  const record = input as Record<string, unknown>;
  const domain = domainOf(procedure);
  const current = (table: string, column: string, key: unknown) => {
    const version = world.rowVersion(table, key as string, column);
    return Number.isNaN(version) ? undefined : version;
  };
  const fixed = { ...record };
  const target = VERSIONED[domain];
  if (target && 'rowVersion' in record) {
    const key = target[1] === 'Key' ? record.key : record.id;
    if (typeof key === 'string') fixed.rowVersion = current(target[0], target[1], key);
  }
  if (domain === 'system' && 'rowVersion' in record) {
    fixed.rowVersion = current('SystemConfiguration', 'Id', 1);
  }
  if ('projectRowVersion' in record && typeof record.versionId === 'string') {
    const projectId = world.db.$client
      .prepare('SELECT ProjectId FROM ProjectVersions WHERE Id = ?')
      .pluck()
      .get(record.versionId);
    fixed.projectRowVersion = current('ProjectStates', 'Id', projectId);
  }
  return fixed;
}

/** An input for the report: JSON, long strings and deep nesting cut so a line stays readable. */
function describe(input: unknown): string {
  // JSON.stringify gives undefined (typed as string) for undefined.
  if (input === undefined) return 'undefined';
  let text: string;
  try {
    text = JSON.stringify(input, (_key, value: unknown) =>
      typeof value === 'string' && value.length > 200
        ? `${value.slice(0, 40)}…(${value.length} chars)`
        : typeof value === 'bigint'
          ? `${value}n`
          : value,
    );
  } catch (error) {
    text = `(not JSON: ${error instanceof Error ? error.message : inspect(error)})`;
  }
  return text.length > 1_500 ? `${text.slice(0, 1_500)}…(${text.length} chars)` : text;
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const { site, seed, log = () => undefined } = options;
  const started = Date.now();
  const all = [...procedures()].filter(([name]) => !options.only || name.includes(options.only));
  const weight = (name: string) => SLOW[name] ?? 1;
  const totalWeight = all.reduce((sum, [name]) => sum + weight(name), 0);
  const context: FuzzContext = {
    ids: {
      projects: [site.ids.project, site.ids.trashedProject],
      scenes: site.ids.scenes,
      assets: [site.ids.asset],
      checkpoints: [site.ids.checkpoint],
      versions: [...site.ids.versions, site.ids.trashedVersion],
      templates: [site.ids.template],
      customTemplates: [site.ids.customTemplate, site.ids.trashedCustomTemplate],
      exports: [site.ids.queuedExport, site.ids.cancelledExport],
      tokens: Object.values(site.ids.tokens),
      users: Object.values(site.ids.users).map((user) => user.userId),
    },
    mediaPaths: [
      path.join(site.media, 'in.mp4'),
      path.join(site.media, 'voice.wav'),
      path.join(site.media, 'image.png'),
      path.join(site.media, 'new.png'),
      site.output,
      'in.mp4',
    ],
    servicePaths: [
      site.base,
      site.template,
      `${site.template}-wal`,
      `${site.template}-shm`,
      path.join(site.base, 'secret-keys.json'),
      path.join(site.base, 'backups'),
      path.join(site.base, 'world-1', 'aura.db'),
      path.join(site.media, '..', 'template', 'aura.db'),
    ],
    configKeys: ['Ui.Theme', 'Retention.TemporaryAssetHours', 'Backup.Keep', 'System.Banner'],
  };

  const report: FuzzReport = {
    calls: 0,
    rejected: 0,
    procedures: all.length,
    internalErrors: 0,
    roleViolations: 0,
    escapes: 0,
    rejectedWrites: 0,
    failures: [],
    ms: 0,
  };
  const mustRemain = serviceFiles(site);
  /** A world's own database and -wal must be there while it is open. */
  const worldProblem = (world: World) =>
    [world.file, `${world.file}-wal`].filter((file) => !existsSync(file));
  for (const [index, [name, def]] of all.entries()) {
    const runs = Math.max(2, Math.ceil((options.calls * weight(name)) / totalWeight));
    const minimum = MATRIX[name]?.[0] ?? 'admin';
    const schema = inputSchema(def.inputs);
    const input = schema
      ? arbitraryFromSchema(schema, context, domainOf(name))
      : fc.oneof(fc.constant(undefined), fc.anything({ maxDepth: 2 }));
    // Worlds per procedure: calls see the effects of the same procedure's earlier calls, and a
    // fresh world every WORLD_CALLS calls brings back the rows a success used up (a completed
    // project cannot be completed again).
    let world = openWorld(site);
    let callsInWorld = 0;
    const procedureStart = Date.now();
    const rejectedBefore = report.rejected;
    // The last failing call: after fast-check's shrinking, the smallest input that still fails.
    let smallest: { who: string; input: unknown; problem: string } | null = null;
    try {
      await fc.assert(
        fc.asyncProperty(input, CALLER, fc.boolean(), async (raw, who, current) => {
          if (++callsInWorld > WORLD_CALLS) {
            const gone = worldProblem(world);
            if (gone.length) {
              report.escapes += 1;
              const problem = `escape: ${gone.join(', ')} gone`;
              smallest = { who, input: raw, problem };
              throw new Error(problem);
            }
            world.close();
            world = openWorld(site);
            callsInWorld = 1;
          }
          const versioned = current ? withCurrentVersion(world, name, raw) : raw;
          const args = confineCreatedDirectory(site, versioned);
          const before = world.dataVersion();
          const pathsBefore = pathValues(world);
          report.calls += 1;
          const error = await callProcedure(world.caller(who), name, args).then(
            () => null,
            (e: unknown) => e,
          );
          let problem: string | null = null;
          if (error === null) {
            if (!allowed(who, minimum)) {
              report.roleViolations += 1;
              problem = `role violation: succeeded as ${who}, minimum ${minimum}`;
            } else if (world.dataVersion() !== before) {
              const escaped = escapedPaths(world, pathsBefore);
              if (escaped.length) {
                report.escapes += 1;
                problem = `escape: ${escaped.join('; ')}`;
              }
            }
          } else {
            report.rejected += 1;
            const wrote = world.dataVersion() !== before;
            if (!(error instanceof TRPCError)) {
              report.internalErrors += 1;
              problem = `a non-tRPC error: ${error instanceof Error ? error.message : inspect(error)}`;
            } else if (error.code === 'INTERNAL_SERVER_ERROR') {
              report.internalErrors += 1;
              problem = 'INTERNAL_SERVER_ERROR';
            } else if (wrote && (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN')) {
              report.roleViolations += 1;
              report.rejectedWrites += 1;
              problem = `role violation: refused (${error.code}) but wrote`;
            } else if (wrote && !WRITES_WHEN_REJECTED.has(name)) {
              report.rejectedWrites += 1;
              problem = `rejected (${error.code}: ${error.message.slice(0, 300)}) but wrote`;
            }
          }
          if (problem) {
            smallest = { who, input: args, problem };
            throw new Error(problem);
          }
        }),
        // Different procedures, different streams, all derived from the one printed seed.
        { seed: seed + index, numRuns: runs, endOnFailure: false, maxSkipsPerRun: 0 },
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const found = smallest as { who: string; input: unknown; problem: string } | null;
      report.failures.push(
        found
          ? `${name} as ${found.who}: ${found.problem} (seed ${seed + index}, ` +
              `${/path: "[^"]*"/.exec(message)?.[0] ?? 'no path'})\n  input: ${describe(found.input)}`
          : `${name} (seed ${seed + index}): ${message.slice(0, 2_000)}`,
      );
    } finally {
      world.close();
    }
    const rejected = report.rejected - rejectedBefore;
    log(`${name}: ${runs} runs, ${rejected} rejected, ${Date.now() - procedureStart} ms`);
  }
  const gone = mustRemain.filter((file) => !existsSync(file));
  if (gone.length) {
    report.escapes += gone.length;
    report.failures.push(`escape: service files gone by the end: ${gone.join(', ')}`);
  }
  report.ms = Date.now() - started;
  return report;
}
