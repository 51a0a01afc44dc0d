import { defineConfig } from 'tsup';

/**
 * The built entries of @aura/api, for what cannot compile the TypeScript source itself: plain
 * Node ESM (the dashboard's server.mjs), sibling apps and scripts outside this workspace.
 * - dist/client.js: the typed client (its declarations: rollup.types.mjs).
 * - dist/http.js: the lean HTTP handler, with the API and @aura/db bundled in.
 * Packages with native code or shared state stay external (installed beside the package).
 */
export default defineConfig({
  entry: { client: 'src/client.ts', http: 'src/http/index.ts' },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outDir: 'dist',
  clean: true,
  sourcemap: true,
  splitting: true,
  // The workspace's database package ships TypeScript source: compile it in.
  noExternal: ['@aura/db'],
  external: ['better-sqlite3', 'drizzle-orm', 'zod', '@trpc/server', '@trpc/client'],
});
