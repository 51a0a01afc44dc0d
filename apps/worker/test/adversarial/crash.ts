import path from 'node:path';
import { checkReferenceCounts } from '@aura/api/testing';
import { createDb, openSqlite, verifyDatabase } from '@aura/db';
import { FIXTURES, killChild, sleep, spawnTsx, type Setup } from './helpers';

/**
 * Crash rounds, shared by the crash test and `pnpm stress`: each round a writer (real services
 * over the file) is SIGKILLed after a random delay; then the file must pass every db:verify check
 * (integrity, foreign keys, migrations, schema, blob reference counts recomputed from the
 * versions) and hold every write the writer acknowledged before it died.
 */

export interface CrashFigures {
  rounds: number;
  acknowledged: number;
  lost: number;
  ms: number;
}

interface Ack {
  op: 'project' | 'scene' | 'version' | 'backup';
  id: string;
  title?: string;
  rowVersion?: number;
}

const TABLE: Record<Ack['op'], string> = {
  project: 'ProjectStates',
  scene: 'SceneStates',
  version: 'ProjectVersions',
  backup: 'BackupRuns',
};

/** Problems found in the file after a crash: failed checks and acknowledged writes not on disk. */
export function checkAfterCrash(dbPath: string, acks: Map<string, Ack>): string[] {
  const problems: string[] = [];
  for (const check of verifyDatabase({ dbPath }).checks)
    if (!check.ok) problems.push(`${check.name}: ${check.details.join('; ')}`);
  const sqlite = openSqlite(dbPath);
  try {
    const references = checkReferenceCounts(createDb(sqlite));
    for (const m of references.mismatches)
      problems.push(`blob ${m.contentHash}: ReferenceCount ${m.recorded}, expected ${m.expected}`);
    for (const ack of acks.values()) {
      const row = sqlite
        .prepare(
          `SELECT Id, ${ack.op === 'project' ? 'Title, RowVersion' : 'Id'} FROM ${TABLE[ack.op]} WHERE Id = ?`,
        )
        .get(ack.id) as { Title?: string; RowVersion?: number } | undefined;
      if (!row) problems.push(`acknowledged ${ack.op} ${ack.id} is missing`);
      // A later write may have committed without being acknowledged; an older one must not be all there is.
      else if (
        ack.op === 'project' &&
        (row.RowVersion! < ack.rowVersion! ||
          (row.RowVersion === ack.rowVersion && row.Title !== ack.title))
      )
        problems.push(
          `acknowledged project ${ack.id} v${ack.rowVersion} "${ack.title}" is v${row.RowVersion} "${row.Title}" on disk`,
        );
    }
  } finally {
    sqlite.close();
  }
  return problems;
}

/**
 * Runs `rounds` crash rounds on the setup's database. Each round's kill comes after a random
 * delay (0 to maxDelayMs) once the writer is ready. Returns the figures and every problem found.
 */
export async function crashRounds(
  setup: Setup,
  {
    rounds,
    maxDelayMs = 600,
    seed = Date.now(),
  }: { rounds: number; maxDelayMs?: number; seed?: number },
): Promise<CrashFigures & { problems: string[] }> {
  const started = Date.now();
  const { token: _admin, ...admin } = setup.admin;
  const { token: _editor, ...editor } = setup.editor;
  const principals = JSON.stringify({ admin, editor });
  const acks = new Map<string, Ack>();
  const problems: string[] = [];
  let acknowledged = 0;
  for (let round = 0; round < rounds; round++) {
    const roundSeed = (seed + round * 7919) >>> 0;
    const writer = spawnTsx(
      path.join(FIXTURES, 'crash-writer.ts'),
      [principals, String(roundSeed)],
      setup.env,
    );
    writer.onLine((line) => {
      if (!line.startsWith('ack ')) return;
      const ack = JSON.parse(line.slice(4)) as Ack;
      acks.set(ack.id, ack);
      acknowledged += 1;
    });
    await writer.waitFor('ready', 60_000);
    await sleep(Math.floor(((roundSeed % 1000) / 1000) * maxDelayMs));
    await killChild(writer);
    const found = checkAfterCrash(setup.dbPath, acks);
    if (writer.stderr().trim()) found.push(`writer failed: ${writer.stderr().slice(0, 2000)}`);
    problems.push(...found.map((p) => `round ${round} (seed ${roundSeed}): ${p}`));
  }
  const lost = problems.filter((p) => p.includes('acknowledged')).length;
  return { rounds, acknowledged, lost, ms: Date.now() - started, problems };
}
