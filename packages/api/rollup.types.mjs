// The typed client's declarations as one file (dist/client.d.ts), for TypeScript projects outside
// this workspace. The router's types are bundled in together with @aura/db's, which ships only
// TypeScript source; the libraries a consumer installs itself stay imports.
import { dts } from 'rollup-plugin-dts';

export default {
  input: { client: 'src/client.ts' },
  output: { dir: 'dist', format: 'es', entryFileNames: '[name].d.ts' },
  external: [/^@trpc\//, /^zod(\/|$)/, /^drizzle-orm(\/|$)/, 'better-sqlite3'],
  plugins: [
    dts({
      tsconfig: 'tsconfig.json',
      respectExternal: true,
      compilerOptions: { preserveSymlinks: false },
    }),
  ],
};
