import { defineConfig } from 'drizzle-kit';

// Generates the committed SQL migrations from the schema. Applying them is ours (src/migrations),
// not drizzle's migrator: docs/architecture.md explains why (foreign keys inside its transaction).
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/schema/index.ts',
  out: './migrations',
  strict: true,
  verbose: true,
});
