import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { checkFfmpeg, getSystemConfiguration } from '@aura/api/worker';
import type { AuraDb } from '@aura/db';

/**
 * Finding FFmpeg, probing media, and running FFmpeg with its progress output parsed.
 *
 * FFmpeg comes from, in order: SystemConfiguration.FFmpegPath; `ffmpeg` on PATH; a binary shipped
 * in an npm package (`ffmpeg-static` or `@ffmpeg-installer/ffmpeg`, when one is installed — they
 * are not dependencies of the worker). Each candidate must pass the api's `checkFfmpeg`
 * (`-version` prints "ffmpeg version"). When none works the export fails with a message that says
 * what to install or set.
 */

export type FfmpegSource = 'FFmpegPath' | 'PATH' | 'npm package';

export interface FfmpegTools {
  ffmpeg: string;
  /** ffprobe beside ffmpeg or on PATH; null: durations are read from ffmpeg's own output. */
  ffprobe: string | null;
  source: FfmpegSource;
  /** Candidates that were set or installed but did not work, with why (for a warning). */
  skipped: string[];
}

/** No working FFmpeg: the message says what was tried and what to install or set. */
export class FfmpegNotFoundError extends Error {
  override name = 'FfmpegNotFoundError';
}

export const FFMPEG_INSTALL_HINT =
  'Install FFmpeg so that `ffmpeg` is on the worker’s PATH (Debian/Ubuntu: `sudo apt-get install ffmpeg`; ' +
  'macOS: `brew install ffmpeg`; Windows: `winget install ffmpeg`), or set FFmpegPath in the system settings ' +
  '(an admin’s `system.update` call) to the absolute path of a working ffmpeg executable, then retry the export.';

const NPM_PACKAGES = ['ffmpeg-static', '@ffmpeg-installer/ffmpeg'] as const;

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** An executable named `name` on PATH, or null. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/** The path an installed npm FFmpeg package exports, or null when it is not installed. */
function npmFfmpegPath(name: string): string | null {
  try {
    const required: unknown = createRequire(import.meta.url)(name);
    if (typeof required === 'string') return required;
    if (required && typeof required === 'object') {
      const value =
        (required as { path?: unknown; default?: unknown }).path ??
        (required as { default?: unknown }).default;
      if (typeof value === 'string') return value;
    }
    return null;
  } catch {
    return null;
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Resolves the FFmpeg to use (see the module comment); FfmpegNotFoundError when none works. */
export function resolveFfmpeg(db: AuraDb): FfmpegTools {
  const tried: string[] = [];
  const broken: string[] = [];
  const candidates: { source: FfmpegSource; value: string | null; label: string }[] = [];
  let configured: string | null = null;
  try {
    configured = getSystemConfiguration(db).ffmpegPath?.trim() || null;
  } catch {
    // No system configuration row yet: nothing configured.
  }
  candidates.push({
    source: 'FFmpegPath',
    value: configured,
    label: 'FFmpegPath (system settings)',
  });
  candidates.push({ source: 'PATH', value: 'ffmpeg', label: '`ffmpeg` on PATH' });
  for (const name of NPM_PACKAGES) {
    candidates.push({
      source: 'npm package',
      value: npmFfmpegPath(name),
      label: `npm package ${name}`,
    });
  }

  for (const candidate of candidates) {
    if (candidate.value === null) {
      tried.push(
        `${candidate.label}: ${candidate.source === 'FFmpegPath' ? 'not set' : 'not installed'}`,
      );
      continue;
    }
    try {
      const ffmpeg = checkFfmpeg(candidate.value);
      const beside = path.join(path.dirname(ffmpeg), 'ffprobe');
      const ffprobe = isExecutable(beside) ? beside : findOnPath('ffprobe');
      return { ffmpeg, ffprobe, source: candidate.source, skipped: broken };
    } catch (error) {
      // checkFfmpeg's messages start with the field name ("ffmpegPath: …").
      const problem = `${candidate.label}: ${messageOf(error).replace(/^ffmpegPath: /, '')}`;
      tried.push(problem);
      broken.push(problem);
    }
  }
  throw new FfmpegNotFoundError(
    `No working FFmpeg was found (tried ${tried.join('; ')}). ${FFMPEG_INSTALL_HINT}`,
  );
}

/** Seconds from FFmpeg's "Duration: 00:01:02.50" banner line, or null. */
export function parseBannerDuration(text: string): number | null {
  const match = /Duration:\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(text);
  if (!match) return null;
  const seconds = Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
  return Number.isFinite(seconds) ? seconds : null;
}

function run(
  file: string,
  args: string[],
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024, windowsHide: true },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ stdout: String(stdout), stderr: String(stderr), code });
      },
    );
  });
}

/**
 * A media file's duration in seconds (ffprobe's format duration; without ffprobe, the
 * "Duration:" of `ffmpeg -i`), or null when it has none (e.g. a still image) or cannot be read.
 */
export async function probeDuration(
  tools: Pick<FfmpegTools, 'ffmpeg' | 'ffprobe'>,
  file: string,
  timeoutMs = 20_000,
): Promise<number | null> {
  if (tools.ffprobe) {
    const { stdout, code } = await run(
      tools.ffprobe,
      ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1', file],
      timeoutMs,
    );
    const seconds = Number.parseFloat(stdout.trim());
    if (code === 0 && Number.isFinite(seconds) && seconds >= 0) return seconds;
  }
  const { stderr } = await run(tools.ffmpeg, ['-hide_banner', '-nostdin', '-i', file], timeoutMs);
  return parseBannerDuration(stderr);
}

/** Keeps the last `max` characters written to it (FFmpeg's stderr, for error messages). */
export class TailBuffer {
  private text = '';
  constructor(private readonly max = 16_384) {}
  push(chunk: string): void {
    this.text += chunk;
    if (this.text.length > this.max * 2) this.text = this.text.slice(-this.max);
  }
  toString(): string {
    return this.text.slice(-this.max);
  }
}

/** Parses `-progress` output (key=value lines) and reports each block's out_time. */
export class ProgressParser {
  private partial = '';
  /** Seconds of output written so far (the last out_time_us seen). */
  outTimeSeconds = 0;
  ended = false;

  push(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      const key = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim();
      if (key === 'out_time_us' || (key === 'out_time_ms' && this.outTimeSeconds === 0)) {
        // (out_time_ms is in microseconds too: an old FFmpeg quirk kept for compatibility.)
        const us = Number(value);
        if (Number.isFinite(us) && us >= 0) this.outTimeSeconds = us / 1_000_000;
      } else if (key === 'progress' && value === 'end') {
        this.ended = true;
      }
    }
  }
}

/** Progress 0..99.9 of `outSeconds` against the expected output length (100 is set on completion). */
export function progressPercent(outSeconds: number, expectedSeconds: number | null): number {
  if (!expectedSeconds || expectedSeconds <= 0) return 0;
  const percent = (outSeconds / expectedSeconds) * 100;
  return Math.min(99.9, Math.max(0, Math.round(percent * 10) / 10));
}

let setprivPath: string | null | undefined;

/**
 * On Linux, `setpriv --pdeathsig SIGKILL` (util-linux) in front of FFmpeg makes the kernel kill
 * FFmpeg when the worker dies (kill -9 included), so no orphan keeps encoding a job that another
 * worker takes over. Elsewhere (or without setpriv) FFmpeg runs directly.
 */
function deathSignalWrapper(): string[] {
  if (process.platform !== 'linux') return [];
  if (setprivPath === undefined) setprivPath = findOnPath('setpriv');
  return setprivPath ? [setprivPath, '--pdeathsig', 'SIGKILL', '--'] : [];
}

export interface FfmpegRun {
  child: ChildProcess;
  progress: ProgressParser;
  stderr: TailBuffer;
  /** Resolves when FFmpeg has exited and its pipes are closed. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>;
}

/** Starts FFmpeg with `-progress pipe:1 -nostats` in front of `args`. */
export function startFfmpeg(ffmpeg: string, args: string[]): FfmpegRun {
  const [wrapper, ...wrapperArgs] = deathSignalWrapper();
  const fullArgs = ['-progress', 'pipe:1', '-nostats', ...args];
  // Its own process group: a Ctrl-C in the worker's terminal reaches the worker (which shuts
  // down gracefully) but not FFmpeg, which would otherwise stop early and fail the export.
  const spawnOptions = {
    stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'],
    detached: true,
    windowsHide: true,
  };
  const child = wrapper
    ? spawn(wrapper, [...wrapperArgs, ffmpeg, ...fullArgs], spawnOptions)
    : spawn(ffmpeg, fullArgs, spawnOptions);
  const progress = new ProgressParser();
  const stderr = new TailBuffer();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => progress.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>(
    (resolve) => {
      let spawnError: Error | undefined;
      child.on('error', (error) => {
        spawnError = error;
        // A failed spawn emits no 'close' on some platforms.
        if (child.pid === undefined) resolve({ code: null, signal: null, error });
      });
      child.on('close', (code, signal) => resolve({ code, signal, error: spawnError }));
    },
  );
  return { child, progress, stderr, exited };
}

/** Whether the process is still running. */
export const isRunning = (child: ChildProcess) =>
  child.exitCode === null && child.signalCode === null;

/**
 * Stops FFmpeg and resolves once it has exited: SIGTERM, then SIGKILL if it is still running after
 * `graceMs`; with `graceMs` 0, SIGKILL at once (SIGTERM makes FFmpeg flush its encoders and write
 * the trailer first, which takes more than a second for a buffered H.264 encode: useless for a file
 * that is thrown away).
 */
export async function stopFfmpeg(run: FfmpegRun, graceMs = 0): Promise<void> {
  if (isRunning(run.child)) {
    if (graceMs <= 0) {
      run.child.kill('SIGKILL');
    } else {
      run.child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (isRunning(run.child)) run.child.kill('SIGKILL');
      }, graceMs);
      await run.exited;
      clearTimeout(timer);
    }
  }
  await run.exited;
}
