/**
 * `@aura/api/testing`: for the tests of the other packages (web, worker), which set up users,
 * tokens, versions, settings and exports through the same services the API uses instead of
 * writing rows by hand. The api package's own tests import its modules directly.
 */
import { execFileSync } from 'node:child_process';
export { createApiToken, createUser, insertUser, type Principal } from './auth/service';
export { hashPassword } from './auth/crypto';
export { getConfig, setConfig } from './config/service';
export { cancelExport, enqueueExport, getExport } from './exports/service';
export { checkReferenceCounts } from './versions/storage';
export { createVersion } from './versions/history';

/**
 * A real clip for export tests: FFmpeg's test pattern with a 440 Hz tone, 320x240 at 25 fps,
 * H.264 and AAC, `seconds` long. Needs `ffmpeg` on PATH. Returns `file`.
 */
export function makeTestClip(file: string, seconds: number): string {
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    `testsrc=duration=${seconds}:size=320x240:rate=25`,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:duration=${seconds}`,
    '-shortest',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-c:a',
    'aac',
    file,
  ]);
  return file;
}
