/**
 * Another process writing to the database, as the worker does, for `pnpm bench:live`: for each
 * line `<id> <progress>` on stdin it sets that export's progress (one IMMEDIATE transaction) and
 * prints the wall-clock time right after the commit.
 *   node --import tsx bench/live/writer.ts <database file>
 */
import { createInterface } from 'node:readline';
import { openSqlite } from '@aura/db';

const sqlite = openSqlite(process.argv[2]);
const update = sqlite.prepare(
  'UPDATE ExportHistory SET Progress = ?, RowVersion = RowVersion + 1 WHERE Id = ?',
);
const write = sqlite.transaction((id: string, progress: number) => update.run(progress, id));
createInterface({ input: process.stdin }).on('line', (line) => {
  const [id = '', progress = '0'] = line.split(' ');
  write.immediate(id, Number(progress));
  process.stdout.write(`${Date.now()}\n`);
});
