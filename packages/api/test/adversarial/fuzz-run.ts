/**
 * The long fuzz of `pnpm stress`: `tsx test/adversarial/fuzz-run.ts --calls 100000 [--seed N]
 * [--only projects.]`. Prints the figures; exits 1 when any property failed.
 */
import { runFuzz } from './fuzz';
import { createWorldSite } from './world';

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? undefined : process.argv[at + 1];
}

const calls = Number(option('calls') ?? 100_000);
const seed = Number(option('seed') ?? Date.now() % 2 ** 31);
if (!Number.isSafeInteger(calls) || calls < 1 || !Number.isSafeInteger(seed)) {
  console.error('usage: fuzz-run.ts [--calls N] [--seed N] [--only text]');
  process.exit(2);
}

const site = await createWorldSite();
try {
  const report = await runFuzz({
    site,
    calls,
    seed,
    only: option('only'),
    log: process.argv.includes('--verbose') ? (line) => console.log(line) : undefined,
  });
  console.log(
    `fuzz: seed ${seed}, ${report.calls} calls over ${report.procedures} procedures in ` +
      `${(report.ms / 1000).toFixed(1)} s: ${report.rejected} rejected, ` +
      `${report.internalErrors} internal errors, ${report.roleViolations} role violations, ` +
      `${report.escapes} escapes, ${report.rejectedWrites} rejected calls that wrote`,
  );
  for (const failure of report.failures) console.log(`\n${failure}`);
  const counted =
    report.internalErrors + report.roleViolations + report.escapes + report.rejectedWrites;
  process.exitCode = counted || report.failures.length ? 1 : 0;
} finally {
  site.dispose();
}
