import { closeSync, constants, fstatSync, lstatSync, openSync, realpathSync } from 'node:fs';
import path from 'node:path';
import {
  exportHistory,
  findAnyById,
  InvalidInputError,
  NotFoundError,
  StateError,
  type AuraDb,
} from '@aura/db';
import { z } from 'zod';
import { isInside, mediaGuard, targetProblem } from '../media/paths';
import { realOutputDirectory } from './service';

/** Content types of the files the presets write (anything else is sent as bytes). */
const CONTENT_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.gif': 'image/gif',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/mp4',
  '.wav': 'audio/wav',
};

export interface ExportDownload {
  /** An open, read-only descriptor of the checked file: the caller streams from it and closes it. */
  fd: number;
  size: number;
  /** The file's name, for Content-Disposition. */
  name: string;
  contentType: string;
  modifiedAt: Date;
}

const exportId = z.uuid();

/**
 * Opens the output of a completed export for download. The path is the export's own (never one
 * a client sends); it must be a regular file (not a symlink) strictly inside the real output
 * directory, and none of the service's own files. The file is opened without following a link and
 * the descriptor checked to be the very file that was checked, so a swap in between is refused.
 * NOT_FOUND for an unknown export, CONFLICT when it is not Completed or its file is gone or
 * refused.
 */
export function openExportDownload(
  db: AuraDb,
  id: string,
  env: NodeJS.ProcessEnv = process.env,
): ExportDownload {
  if (!exportId.safeParse(id).success) throw new InvalidInputError('id', 'must be a UUID');
  const row = findAnyById(db, exportHistory, id);
  if (!row) throw new NotFoundError('ExportHistory', id);
  if (row.status !== 'Completed') {
    throw new StateError(
      `Export ${id} is ${row.status}; only a completed export can be downloaded`,
    );
  }
  const refuse = (why: string): never => {
    throw new StateError(`The output of export ${id} cannot be downloaded: ${why}`);
  };
  const outputDir = realOutputDirectory(db, env);
  const file = path.normalize(row.outputFile);
  if (!path.isAbsolute(file) || !isInside(outputDir, file)) {
    refuse('it is not inside the output directory');
  }
  let link;
  try {
    link = lstatSync(file);
  } catch {
    return refuse('the file is missing');
  }
  if (link.isSymbolicLink()) refuse('it is a symbolic link');
  if (!link.isFile()) refuse('it is not a regular file');
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    return refuse('the file is missing');
  }
  if (!isInside(outputDir, real)) refuse('it leads outside the output directory');
  const problem = targetProblem(mediaGuard(db, { env, roots: [outputDir] }), real);
  if (problem) refuse(problem);

  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return refuse('the file cannot be opened');
  }
  const stat = fstatSync(fd);
  if (!stat.isFile() || stat.ino !== link.ino || stat.dev !== link.dev) {
    closeSync(fd);
    refuse('the file changed while it was checked');
  }
  return {
    fd,
    size: stat.size,
    name: path.basename(real),
    contentType: CONTENT_TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream',
    modifiedAt: stat.mtime,
  };
}

export interface ByteRange {
  start: number;
  end: number;
}

/**
 * A Range header against a file of `size` bytes: null when there is none or it is not in bytes
 * (the whole file is sent), a single inclusive range, or 'unsatisfiable' (416) for a malformed
 * bytes range, several ranges, or one that starts past the end.
 */
export function parseByteRange(
  header: string | null | undefined,
  size: number,
): ByteRange | null | 'unsatisfiable' {
  if (!header) return null;
  const trimmed = header.trim();
  if (!trimmed.toLowerCase().startsWith('bytes=')) return null;
  const spec = trimmed.slice(6).trim();
  const match = /^(\d{0,15})-(\d{0,15})$/.exec(spec);
  if (!match) return 'unsatisfiable';
  const [, from = '', to = ''] = match;
  if (from === '' && to === '') return 'unsatisfiable';
  if (from === '') {
    // The last N bytes.
    const length = Number(to);
    if (length === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(from);
  const end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  if (start >= size || (to !== '' && Number(to) < start)) return 'unsatisfiable';
  return { start, end };
}
