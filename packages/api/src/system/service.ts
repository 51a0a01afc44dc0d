import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  constants,
  mkdirSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import {
  ConflictError,
  defaultOutputDirectory,
  findAnyById,
  getById,
  InvalidInputError,
  stampInsert,
  SYSTEM_ACTOR,
  systemConfiguration,
  versionedUpdate,
  writeTransaction,
  type Actor,
  type AuraDb,
  type SystemConfigurationRow,
} from '@aura/db';
import { cachedUntilChanged } from '../db-changes';
import {
  pathSyntaxProblem,
  realLocation,
  rootProblem,
  serviceLocations,
  type ServiceLocations,
} from '../media/paths';
import type { SystemUpdateInput } from './schema';

/** The single row of SystemConfiguration (a CHECK keeps it at Id 1). */
export const SYSTEM_CONFIGURATION_ID = 1;
/** How long `ffmpeg -version` may take before the path is refused. */
export const FFMPEG_CHECK_TIMEOUT_MS = 10_000;

/** Read once, then again only when the database changed (see changeKey). */
const systemConfigurationRow = cachedUntilChanged((db) =>
  Object.freeze(getById(db, systemConfiguration, SYSTEM_CONFIGURATION_ID)),
);

/** The system settings row (created by `db:migrate`'s seed; NOT_FOUND on an unseeded database). */
export function getSystemConfiguration(db: AuraDb): SystemConfigurationRow {
  return { ...systemConfigurationRow(db) };
}

/** The system settings row, created with the seed's defaults when missing. */
export function ensureSystemConfiguration(db: AuraDb): SystemConfigurationRow {
  const existing = findAnyById(db, systemConfiguration, SYSTEM_CONFIGURATION_ID);
  if (existing) return existing;
  db.insert(systemConfiguration)
    .values(
      stampInsert(
        systemConfiguration,
        {
          id: SYSTEM_CONFIGURATION_ID,
          isSetupComplete: false,
          outputDirectory: defaultOutputDirectory(),
        },
        SYSTEM_ACTOR,
      ),
    )
    .onConflictDoNothing()
    .run();
  // Read directly: `db` may be a transaction.
  return getById(db, systemConfiguration, SYSTEM_CONFIGURATION_ID);
}

const FS_PROBLEMS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a parent is not a directory',
  ENOENT: 'a parent does not exist',
  ENOSPC: 'no space left on the device',
  EEXIST: 'a file is in the way',
};

/** A short reason for a file-system failure, without the raw error text. */
function fsProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
  return FS_PROBLEMS[code] ? `${FS_PROBLEMS[code]} (${code})` : code;
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The executable file `input` names: an absolute path, or a bare command name looked up on PATH.
 * BAD_REQUEST on `ffmpegPath` when it is not an executable regular file.
 */
function resolveExecutable(input: string): string {
  let file: string;
  if (!input.includes('/') && !input.includes(path.sep)) {
    const found = (process.env.PATH ?? '')
      .split(path.delimiter)
      .filter(Boolean)
      .map((dir) => path.join(dir, input))
      .find(isExecutableFile);
    if (!found) {
      throw new InvalidInputError(
        'ffmpegPath',
        `'${input}' was not found on PATH; give the absolute path`,
      );
    }
    file = found;
  } else if (!path.isAbsolute(input)) {
    throw new InvalidInputError(
      'ffmpegPath',
      `must be an absolute path (e.g. /usr/bin/ffmpeg), not '${input}'`,
    );
  } else {
    file = path.normalize(input);
  }

  let stats;
  try {
    stats = statSync(file);
  } catch (error) {
    throw new InvalidInputError('ffmpegPath', `${file} cannot be read: ${fsProblem(error)}`);
  }
  if (stats.isDirectory()) {
    throw new InvalidInputError('ffmpegPath', `${file} is a directory, not the ffmpeg executable`);
  }
  if (!stats.isFile()) throw new InvalidInputError('ffmpegPath', `${file} is not a regular file`);
  try {
    accessSync(file, constants.X_OK);
  } catch {
    throw new InvalidInputError('ffmpegPath', `${file} is not executable (no execute permission)`);
  }
  return file;
}

/**
 * Checks that `input` is an executable FFmpeg and returns its absolute path: an absolute path,
 * or a bare command name looked up on PATH. The program is run with `-version` (no shell, with a
 * timeout) and must print "ffmpeg version …". Anything else is BAD_REQUEST on `ffmpegPath`.
 */
export function checkFfmpeg(input: string, timeoutMs: number = FFMPEG_CHECK_TIMEOUT_MS): string {
  const file = resolveExecutable(input);

  let output: string;
  try {
    output = execFileSync(file, ['-version'], {
      encoding: 'utf8',
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 1024 * 1024,
      windowsHide: true,
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { status?: number | null; signal?: string | null };
    let reason: string;
    if (e.code === 'ETIMEDOUT') reason = `did not finish within ${timeoutMs} ms`;
    else if (typeof e.status === 'number') reason = `exited with code ${e.status}`;
    else if (e.signal) reason = `was stopped by ${e.signal}`;
    else reason = `could not be started (${e.code ?? 'unknown error'})`;
    throw new InvalidInputError(
      'ffmpegPath',
      `${file} is not a working FFmpeg: \`-version\` ${reason}`,
    );
  }
  if (!output.startsWith('ffmpeg version')) {
    const [firstLine = ''] = output.split('\n', 1);
    const shown = firstLine.length > 80 ? `${firstLine.slice(0, 80)}…` : firstLine;
    throw new InvalidInputError(
      'ffmpegPath',
      `${file} is not FFmpeg: \`-version\` printed ${shown ? `"${shown}"` : 'nothing'} instead of "ffmpeg version …"`,
    );
  }
  return file;
}

export interface PreparedDirectory {
  /** The absolute, normalised directory. */
  path: string;
  /** The top-most directory this call created (to undo it), or undefined when it existed. */
  created: string | undefined;
}

/** Removes the directories `prepareOutputDirectory` created, innermost first, if still empty. */
export function undoCreatedDirectory(prepared: PreparedDirectory): void {
  if (!prepared.created) return;
  let dir = prepared.path;
  for (;;) {
    try {
      rmdirSync(dir);
    } catch {
      return;
    }
    if (dir === prepared.created) return;
    dir = path.dirname(dir);
  }
}

/**
 * Checks `input` as an output directory: an absolute path without `..` or control characters
 * whose real location is not, does not contain and is not inside any of the service's own places
 * (the data directory, the database, the backup folder; inside the data directory is fine: the
 * default is `output` there), because the output directory is a media root. Then creates it
 * (mkdir -p) and proves it writable by writing and deleting a probe file. BAD_REQUEST on
 * `outputDirectory` otherwise, after removing any directory it created.
 */
export function prepareOutputDirectory(
  input: string,
  service: ServiceLocations,
): PreparedDirectory {
  const syntax = pathSyntaxProblem(input);
  if (syntax) throw new InvalidInputError('outputDirectory', syntax);
  const dir = path.normalize(input);
  const real = realLocation(dir);
  if (!real)
    throw new InvalidInputError('outputDirectory', `${dir} cannot be resolved (a broken link?)`);
  const problem = rootProblem(real, service);
  if (problem)
    throw new InvalidInputError('outputDirectory', `${dir} cannot hold exports: ${problem}`);
  let isDirectory: boolean | null = null;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new InvalidInputError('outputDirectory', `${dir} cannot be read: ${fsProblem(error)}`);
    }
  }
  if (isDirectory === false) {
    throw new InvalidInputError('outputDirectory', `${dir} exists and is not a directory`);
  }
  const prepared: PreparedDirectory = { path: dir, created: undefined };
  if (isDirectory === null) {
    // mkdir -p by hand: Node's recursive mkdir loops forever where mkdir fails with ENOENT under
    // an existing parent (e.g. /proc/x). Find the nearest existing ancestor, create downwards.
    const missing: string[] = [];
    let cursor = dir;
    for (;;) {
      let kind: 'directory' | 'other' | 'missing';
      try {
        kind = statSync(cursor).isDirectory() ? 'directory' : 'other';
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          throw new InvalidInputError(
            'outputDirectory',
            `${dir} cannot be created: ${fsProblem(error)}`,
          );
        }
        kind = 'missing';
      }
      if (kind === 'directory') break;
      if (kind === 'other') {
        throw new InvalidInputError(
          'outputDirectory',
          `${dir} cannot be created: ${fsProblem({ code: 'ENOTDIR' })}`,
        );
      }
      missing.unshift(cursor);
      const parent = path.dirname(cursor);
      if (parent === cursor) break;
      cursor = parent;
    }
    for (const part of missing) {
      try {
        mkdirSync(part);
      } catch (error) {
        // Another process created it meanwhile: fine.
        if ((error as NodeJS.ErrnoException).code === 'EEXIST' && statSync(part).isDirectory()) {
          continue;
        }
        undoCreatedDirectory({ path: path.dirname(part), created: prepared.created });
        throw new InvalidInputError(
          'outputDirectory',
          `${dir} cannot be created: ${fsProblem(error)}`,
        );
      }
      prepared.created ??= part;
    }
  }
  const probe = path.join(
    dir,
    `.aura-write-probe-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  try {
    writeFileSync(probe, 'probe', { flag: 'wx' });
    unlinkSync(probe);
  } catch (error) {
    undoCreatedDirectory(prepared);
    throw new InvalidInputError('outputDirectory', `${dir} is not writable: ${fsProblem(error)}`);
  }
  return prepared;
}

export interface SystemUpdateOptions {
  /** Timeout of the `ffmpeg -version` check (tests shorten it). */
  ffmpegTimeoutMs?: number;
}

/**
 * Updates the system settings (admin only at the API). The RowVersion is checked before any
 * file-system work, then FFmpeg is run and the output directory created and probed, then the
 * row is written with the versioned update. A rejected request changes nothing (a directory it
 * created is removed again).
 */
export function updateSystemConfiguration(
  db: AuraDb,
  actor: Actor,
  input: SystemUpdateInput,
  options: SystemUpdateOptions = {},
): SystemConfigurationRow {
  const current = getSystemConfiguration(db);
  if (current.rowVersion !== input.rowVersion) {
    throw new ConflictError(
      'SystemConfiguration',
      SYSTEM_CONFIGURATION_ID,
      input.rowVersion,
      current.rowVersion,
    );
  }
  const patch: Partial<typeof systemConfiguration.$inferInsert> = {};
  if (input.ffmpegPath !== undefined) {
    patch.ffmpegPath =
      input.ffmpegPath === null ? null : checkFfmpeg(input.ffmpegPath, options.ffmpegTimeoutMs);
  }
  let prepared: PreparedDirectory | undefined;
  if (input.outputDirectory !== undefined) {
    prepared = prepareOutputDirectory(input.outputDirectory, serviceLocations(db));
    patch.outputDirectory = prepared.path;
  }
  try {
    return writeTransaction(db, (tx) =>
      versionedUpdate(
        tx,
        systemConfiguration,
        { id: SYSTEM_CONFIGURATION_ID, rowVersion: input.rowVersion },
        patch,
        actor,
      ),
    );
  } catch (error) {
    if (prepared) undoCreatedDirectory(prepared);
    throw error;
  }
}

export interface FfmpegTestResult {
  /** The executable that was run (absolute). */
  path: string;
  /** Where the path came from: the request, the saved setting, or `ffmpeg` on PATH. */
  source: 'input' | 'configured' | 'path';
  ok: boolean;
  /** The first line `-version` printed (e.g. "ffmpeg version 6.1 ..."), when it ran. */
  version: string | null;
  /** Why it is not a working FFmpeg, when it is not. */
  error: string | null;
  durationMs: number;
}

/**
 * Runs `<ffmpeg> -version` (admin only at the API): the given path, else the saved FFmpegPath,
 * else `ffmpeg` on PATH. Run without a shell, asynchronously (the request path never blocks on
 * it), with a timeout. A path that is not an executable file is BAD_REQUEST on `ffmpegPath`; a
 * program that runs but is not a working FFmpeg is reported in the result, not thrown.
 */
export async function testFfmpeg(
  db: AuraDb,
  input: { ffmpegPath?: string | null } = {},
  timeoutMs: number = FFMPEG_CHECK_TIMEOUT_MS,
): Promise<FfmpegTestResult> {
  const configured = getSystemConfiguration(db).ffmpegPath;
  const source: FfmpegTestResult['source'] = input.ffmpegPath
    ? 'input'
    : configured
      ? 'configured'
      : 'path';
  const file = resolveExecutable(input.ffmpegPath ?? configured ?? 'ffmpeg');
  const started = Date.now();
  const { output, failure } = await new Promise<{ output: string; failure: string | null }>(
    (resolve) => {
      execFile(
        file,
        ['-version'],
        {
          encoding: 'utf8',
          timeout: timeoutMs,
          killSignal: 'SIGKILL',
          maxBuffer: 1024 * 1024,
          windowsHide: true,
          shell: false,
        },
        (error, stdout) => {
          if (!error) return resolve({ output: stdout, failure: null });
          const e = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null };
          const reason =
            e.killed && e.signal === 'SIGKILL'
              ? `did not finish within ${timeoutMs} ms`
              : typeof e.code === 'number'
                ? `exited with code ${String(e.code)}`
                : e.signal
                  ? `was stopped by ${e.signal}`
                  : `could not be started (${e.code ?? 'unknown error'})`;
          resolve({ output: stdout, failure: `\`-version\` ${reason}` });
        },
      );
    },
  );
  const durationMs = Date.now() - started;
  const [firstLine = ''] = output.split('\n', 1);
  const line = firstLine.trim().slice(0, 200) || null;
  const error =
    failure ??
    (line?.startsWith('ffmpeg version')
      ? null
      : `not FFmpeg: \`-version\` printed ${line ? `"${line}"` : 'nothing'} instead of "ffmpeg version …"`);
  return { path: file, source, ok: error === null, version: line, error, durationMs };
}
