import { existsSync } from 'node:fs';
import { databasePath, openDatabase } from '@aura/db';
import { checkReferenceCounts } from './service';

/**
 * The content-blob part of `pnpm db:verify` (turbo runs each package's db:verify): recomputes
 * every ReferenceCount from the versions and reports any difference. `--fix` repairs them.
 */
const file = databasePath();
if (!existsSync(file)) {
  console.error(`✘ Content blob references: no database at ${file}`);
  process.exitCode = 1;
} else {
  const db = openDatabase(file);
  try {
    const fix = process.argv.includes('--fix');
    const report = checkReferenceCounts(db, { fix });
    if (report.mismatches.length === 0) {
      console.log(
        `✔ Content blob references: ${report.blobs} blobs, ${report.versions} versions, every count exact`,
      );
    } else {
      console.log(
        `✘ Content blob references: ${report.mismatches.length} count(s) differ from the versions`,
      );
      for (const m of report.mismatches.slice(0, 50))
        console.log(`    ${m.contentHash}: recorded ${m.recorded}, expected ${m.expected}`);
      console.log(fix ? '  Fixed.' : '  Run `pnpm db:verify -- --fix` to repair them.');
      process.exitCode = fix ? 0 : 1;
    }
  } catch (error) {
    console.log(
      `✘ Content blob references: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exitCode = 1;
  } finally {
    db.$client.close();
  }
}
