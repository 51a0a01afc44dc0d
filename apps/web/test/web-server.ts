import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Starting the BUILT app's production server (server.mjs) on a database, for end-to-end tests. */
export const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const apiDir = path.resolve(appDir, '..', '..', 'packages', 'api');

/** The Next build the server runs: AURA_NEXT_DIST_DIR (as next.config.ts reads it) or `.next`. */
export const distDir = process.env.AURA_NEXT_DIST_DIR || '.next';

/** Whether the web app and the API entry server.mjs runs are built. */
export function hasBuild(): boolean {
  return (
    existsSync(path.join(appDir, distDir, 'BUILD_ID')) &&
    existsSync(path.join(apiDir, 'dist', 'http.js'))
  );
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** Read after an await: the process may have exited meanwhile. */
export function stillRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export interface WebServer {
  baseUrl: string;
  /** Everything the server printed so far. */
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Starts server.mjs on `dbFile` with the installation's defaults (data directory = the database's
 * folder, media root `media` in it) and waits until it answers.
 */
export async function startWebServer(dbFile: string): Promise<WebServer> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AURA_DB_PATH: dbFile,
    AURA_WEB_PORT: String(port),
    AURA_WEB_HOST: '127.0.0.1',
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    AURA_TRUST_PROXY: '0',
  };
  // The folders follow from the database, whatever the calling shell has configured.
  delete env.AURA_DATA_DIR;
  delete env.AURA_MEDIA_ROOTS;
  delete env.AURA_BACKUP_DIR;
  const child = spawn(process.execPath, [path.join(appDir, 'server.mjs')], {
    cwd: appDir,
    env,
    // Own process group, so stop() ends the server and anything it started.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));

  const stop = async () => {
    const pid = child.pid;
    if (pid === undefined || !stillRunning(child)) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (stillRunning(child)) process.kill(-pid, 'SIGKILL');
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!stillRunning(child)) {
      throw new Error(`the web server exited with ${String(child.exitCode)}:\n${output}`);
    }
    try {
      const response = await fetch(`${baseUrl}/api/trpc/health.get`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the web server did not become ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { baseUrl, output: () => output, stop };
}
